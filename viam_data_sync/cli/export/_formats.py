"""How ``export tabular`` turns pages of rows into bytes: JSON Lines, CSV, or the
Viam CLI's per-source ``data.ndjson``; and the formats it writes whole (Parquet, a
table), with their ``--dest`` suffixes.

JSON Lines is byte-for-byte what ``tabular_data_by_filter(..., dest=)`` writes for
the same rows: both write :func:`viam_data_sync._models.tabular_record` through
:func:`viam_data_sync._dest.jsonl_line`.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Dict, Iterable, Iterator, List, Protocol, Tuple

from viam_data_sync._dest import dumps, jsonl_line
from viam_data_sync._extras import require_module
from viam_data_sync._models import TABULAR_COLUMNS, sorted_keys, tabular_record
from viam_data_sync.cli._errors import EXIT_USAGE, CliError
from viam_data_sync.cli._output import FORMATS

#: CSV columns holding JSON text.
_JSON_COLUMNS = ("tags", "method_parameters", "data")

#: What ``export tabular`` writes: the printable formats and Parquet, by ``--dest`` suffix.
EXPORT_FORMATS: Dict[str, Tuple[str, ...]] = {**FORMATS, "parquet": (".parquet",)}
#: The formats written whole rather than page by page (so not resumable page by page).
WHOLE_FORMATS = ("table", "parquet")


def require_parquet() -> None:
    """Import pyarrow's Parquet writer, or raise ``MissingExtraError`` naming the
    ``arrow`` extra and the command that installs it (the CLI prints it, exit 1)."""
    require_module("pyarrow.parquet", "Parquet output needs", "arrow")


class PageWriter(Protocol):
    """Serialises pages of rows; ``fmt`` names the format (it keys the checkpoint)."""

    fmt: str

    def header(self) -> bytes: ...

    def page(self, rows: Iterable[Any]) -> bytes: ...


class TabularFormat:
    """Serialises pages of ``TabularData`` rows to bytes: JSON Lines, or CSV.

    CSV keeps the fixed metadata columns and puts ``tags``, ``method_parameters`` and
    ``data`` in as JSON text. Payloads are free-form and differ from row to row;
    flattening them into columns would need a pass over all rows to learn the schema
    (and memory for it) before the first byte is written, which would break both
    constant memory and resuming from a page checkpoint.
    """

    def __init__(self, fmt: str) -> None:
        if fmt not in ("jsonl", "csv"):
            raise CliError(f"unknown format {fmt!r} (jsonl or csv)", EXIT_USAGE)
        self.fmt = fmt

    def header(self) -> bytes:
        if self.fmt == "csv":
            return _csv_lines([list(TABULAR_COLUMNS)])
        return b""

    def page(self, rows: Iterable[Any]) -> bytes:
        records = [tabular_record(row) for row in rows]
        if self.fmt == "jsonl":
            return "".join(jsonl_line(record) for record in records).encode("utf-8")
        return _csv_lines([[_csv_cell(record, column) for column in TABULAR_COLUMNS] for record in records])


def _csv_cell(record: Any, column: str) -> Any:
    value = record[column]
    if column in _JSON_COLUMNS:
        return dumps(value)
    return value if value is not None else ""


def _csv_lines(rows: List[List[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def page_writer(fmt: str) -> PageWriter:
    """The resumable writer of the format ``fmt`` (``jsonl`` or ``csv``; Parquet is
    written whole, see :data:`WHOLE_FORMATS`)."""
    return TabularFormat(fmt)


class ExportFormat:
    """One ``ExportTabularDataResponse`` per line as protojson (camelCase keys, RFC 3339
    times), the format of the Viam CLI's ``viam data export tabular`` ``data.ndjson``."""

    fmt = "ndjson"

    def header(self) -> bytes:
        return b""

    def page(self, rows: Iterable[Any]) -> bytes:
        return "".join(dumps(_export_record(point)) + "\n" for point in rows).encode("utf-8")


def _export_record(point: Any) -> dict[str, Any]:
    return {
        "partId": point.part_id,
        "resourceName": point.resource_name,
        "resourceSubtype": point.resource_api,
        "methodName": point.method_name,
        "timeCaptured": point.time_captured.isoformat().replace("+00:00", "Z"),
        "organizationId": point.organization_id,
        "locationId": point.location_id,
        "robotName": point.robot_name,
        "robotId": point.robot_id,
        "partName": point.part_name,
        "methodParameters": sorted_keys(point.method_parameters),
        "tags": point.tags,
        "payload": sorted_keys(point.payload),
    }


def batches(rows: Iterable[Any], size: int) -> Iterator[List[Any]]:
    """Lists of up to ``size`` consecutive items (a stream has no pages of its own)."""
    batch: List[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
