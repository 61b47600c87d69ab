"""What commands print: records as JSON Lines, CSV or an aligned table, and which
format a ``--dest`` file name asks for.

JSON encoding is the SDK's (:func:`viam_data_sync._dest.dumps`), so the CLI and
``dest=`` write values the same way; times are RFC 3339 UTC with ``Z``.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import os
import sys
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from viam_data_sync._dest import dumps
from viam_data_sync._models import iso_utc
from viam_data_sync.cli._errors import EXIT_USAGE, CliError

#: The output formats of ``sql``, ``mql`` and ``export tabular``, with the file suffixes
#: each accepts. A new format (``parquet``) is a row here plus its writer in
#: :func:`viam_data_sync.cli.export._formats.page_writer`.
FORMATS: Dict[str, Tuple[str, ...]] = {
    "jsonl": (".jsonl", ".ndjson"),
    "csv": (".csv",),
    "table": (".txt",),
}
DEFAULT_FORMAT = "jsonl"


def format_for_dest(fmt: Optional[str], dest: str, formats: Mapping[str, Tuple[str, ...]] = FORMATS) -> str:
    """The format to write ``dest`` in: ``fmt`` if given, else the one its suffix names
    (``-`` and a name without a suffix: JSON Lines); ``formats`` maps each format to its
    suffixes (default: :data:`FORMATS`).

    Raises:
        CliError: the suffix names no format, or another one than ``fmt`` (exit 2).

    Example::

        format_for_dest(None, "readings.csv")  # 'csv'
    """
    suffix = "" if dest == "-" else os.path.splitext(dest)[1].lower()
    named = next((name for name, suffixes in formats.items() if suffix in suffixes), None)
    if suffix and named is None:
        known = ", ".join(s for suffixes in formats.values() for s in suffixes)
        raise CliError(f"--dest {dest}: no output format writes {suffix} files (known: {known})", EXIT_USAGE)
    if fmt is not None and named is not None and named != fmt:
        raise CliError(f"--dest {dest} is a {named} file name but --format is {fmt}", EXIT_USAGE)
    return fmt or named or DEFAULT_FORMAT


def format_csv(records: Sequence[Mapping[str, Any]], columns: Optional[Sequence[str]] = None) -> str:
    """Records as CSV with a header (columns in order of first appearance unless given);
    nested values as JSON text, times as RFC 3339.

    Example::

        format_csv([{"a": 1, "b": {"c": 2}}])  # 'a,b\n1,"{""c"":2}"\n'
    """
    names = list(columns) if columns is not None else _columns(records)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([[_csv_value(record.get(name)) for name in names] for record in records])
    return buffer.getvalue()


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        return iso_utc(value)
    if isinstance(value, (dict, list, tuple)):
        return dumps(value)
    return value


def _columns(records: Sequence[Mapping[str, Any]]) -> List[str]:
    columns: Dict[str, None] = {}
    for record in records:
        for key in record:
            columns.setdefault(key, None)
    return list(columns)


def format_table(records: Sequence[Mapping[str, Any]], max_width: int = 40) -> str:
    """Records as an aligned text table (columns in order of first appearance).

    Example::

        format_table([{"a": 1, "b": "x"}])  # 'a  b\\n-  -\\n1  x\\n'
    """
    columns = _columns(records)
    if not columns:
        return "(no rows)\n"
    table = [[_cell(record.get(column), max_width) for column in columns] for record in records]
    widths = [max(len(column), *(len(row[i]) for row in table)) for i, column in enumerate(columns)]
    lines = [
        "  ".join(column.ljust(widths[i]) for i, column in enumerate(columns)).rstrip(),
        "  ".join("-" * width for width in widths),
    ]
    lines += ["  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip() for row in table]
    return "\n".join(lines) + "\n"


def _cell(value: Any, max_width: int) -> str:
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value
    elif isinstance(value, _dt.datetime):
        text = iso_utc(value) or ""
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        text = str(int(value))
    else:
        text = dumps(value) if isinstance(value, (dict, list, tuple)) else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= max_width else text[: max_width - 1] + "…"


def format_records(records: Sequence[Mapping[str, Any]], fmt: str) -> str:
    """``records`` in the format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "table":
        return format_table(records)
    if fmt == "csv":
        return format_csv(records)
    return "".join(dumps(record) + "\n" for record in records)


def print_records(records: Sequence[Mapping[str, Any]], fmt: str) -> None:
    """Write ``records`` to stdout as :func:`format_records` gives them."""
    sys.stdout.write(format_records(records, fmt))
    sys.stdout.flush()
