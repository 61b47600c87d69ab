"""``viam-data-sync export tabular``: rows to JSON Lines or CSV, resumable; to
Parquet, atomically; or, to read, an aligned table.

The export writes ``FILE.partial`` and, after each page, a checkpoint
``FILE.checkpoint`` (see :mod:`viam_data_sync.cli.export._checkpoint`). Run the same command again after an
interruption: the partial file is cut back to the checkpoint's offset and the export
continues from the cursor, so the final file is byte-for-byte the one an
uninterrupted run writes. ``FILE`` appears (by an fsynced rename) only when the
export is complete.

Parquet is written whole (its footer describes every row group, so the file cannot be
cut back to a page): through :func:`viam_data_sync._export.export_rows`, from the
iterator's Arrow batches, to a temporary file renamed to ``FILE`` when complete. A
rerun after an interruption starts the file again from scratch.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import sys
import time
from typing import IO, TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Tuple

from viam_data_sync._atomic import publish, remove_stale_temps
from viam_data_sync._export import export_rows
from viam_data_sync.cli._connection import connect
from viam_data_sync.cli._errors import EXIT_LOCAL_FILE, EXIT_OK, EXIT_USAGE, CliError
from viam_data_sync.cli._filters import add_filter_flags, build_filter
from viam_data_sync.cli._parser import add_command, read_argument
from viam_data_sync.cli._progress import Progress, ProgressMode, count_for_bar, progress_mode
from viam_data_sync.cli.export._checkpoint import Checkpoint, Position, query_key
from viam_data_sync.cli._output import format_for_dest, format_table
from viam_data_sync._defaults import TABULAR_PAGE_SIZE
from viam_data_sync.cli.export._formats import (
    EXPORT_FORMATS,
    WHOLE_FORMATS,
    ExportFormat,
    PageWriter,
    batches,
    page_writer,
    require_parquet,
)

if TYPE_CHECKING:
    from viam_data_sync.cli._parser import SubParsers

LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class TabularExportResult:
    """What :func:`export_tabular` did."""

    path: str
    rows: int
    resumed_from_rows: int
    pages: int
    seconds: float


@dataclasses.dataclass
class _Rows:
    """Where the pages come from: ``iter_tabular`` over a filter, or one data source's
    ``iter_export_tabular`` stream (cut into pages, as it has none of its own)."""

    client: Any
    filter_: Any
    source: Optional[Dict[str, Any]]
    page_size: int
    parallel: Optional[int]

    def open(self, cursor: Optional[str]) -> Any:
        if self.source is not None:
            return self.client.iter_export_tabular(**self.source, start_after=cursor)
        kwargs: Dict[str, Any] = {"page_size": self.page_size}
        if self.parallel is not None:
            kwargs["parallel"] = self.parallel
        return self.client.iter_tabular(self.filter_, start_after=cursor, **kwargs)

    def pages(self, iterator: Any) -> Iterator[List[Any]]:
        if self.source is not None:
            return batches(iterator, max(self.page_size, 1000))
        pages: Iterator[List[Any]] = iterator.iter_pages()
        return pages


def export_tabular(
    client: Any,
    filter_: Any,
    dest: str,
    *,
    fmt: str = "jsonl",
    page_size: int = TABULAR_PAGE_SIZE,
    parallel: Optional[int] = None,
    restart: bool = False,
    progress: ProgressMode = False,
    stdout: Optional[IO[bytes]] = None,
    source: Optional[Dict[str, Any]] = None,
) -> TabularExportResult:
    """Export every tabular row matching ``filter_`` to ``dest`` (``"-"``: stdout).

    With ``source`` (``part_id``, ``resource_name``, ``resource_api``, ``method_name``
    and optionally ``start_time``, ``end_time``, ``additional_params``), one data source
    is exported through the ``ExportTabularData`` stream instead, as the Viam CLI does,
    one protojson response per line (its ``data.ndjson`` format).

    Resumable: see the module docstring. ``restart=True`` discards an earlier
    interrupted export of ``dest``. ``fmt="parquet"`` is written whole and atomically
    (a rerun starts it again).

    Raises:
        CliError: a checkpoint of a different export exists for ``dest``; Parquet to ``-``.
        MissingExtraError: Parquet without pyarrow (the ``arrow`` extra).
        OSError: ``dest`` cannot be written.

    Example::

        with DataClient.from_env() as client:
            export_tabular(client, create_filter(component_name="sensor-1"), "readings.jsonl")
    """
    started = time.perf_counter()
    writer = _writer_for(fmt, source)
    rows = _Rows(client, filter_, source, page_size, parallel)
    if fmt == "parquet":
        count = _export_parquet(rows, dest)
        return TabularExportResult(dest, count, 0, 0, time.perf_counter() - started)
    if writer is None:  # a table: all rows at once
        count, pages = _export_table(rows, dest, stdout)
        return TabularExportResult(dest, count, 0, pages, time.perf_counter() - started)
    if dest == "-":
        count, pages = _export_to_stream(rows, writer, stdout if stdout is not None else sys.stdout.buffer)
        return TabularExportResult("-", count, 0, pages, time.perf_counter() - started)
    _check_folder(dest)
    partial = f"{dest}.partial"
    checkpoint = Checkpoint(f"{dest}.checkpoint", query_key(writer.fmt, filter_, source))
    position = None if restart else checkpoint.resume_position(partial)
    handle, start = _open_partial(partial, writer, position)
    written = [0]  # pages appended by this run
    try:
        with handle:
            if position is None:
                checkpoint.save(None, handle.tell(), 0)
            else:
                LOG.info("resuming %s after %d rows", dest, start.rows)
            count, pages = _append_pages(
                rows, writer, handle, checkpoint, start, os.path.basename(dest), progress, written
            )
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        if position is None and not written[0]:  # nothing fetched: leave nothing behind
            with contextlib.suppress(FileNotFoundError):
                os.remove(partial)
            checkpoint.remove()
        raise
    publish(partial, dest)
    checkpoint.remove()
    return TabularExportResult(dest, count, start.rows, pages, time.perf_counter() - started)


def _writer_for(fmt: str, source: Optional[Dict[str, Any]]) -> Optional[PageWriter]:
    """The page writer of ``fmt``; ``None`` for a format written whole: a table (its
    widths need every row) or Parquet (its footer describes every row group)."""
    if source is not None:
        if fmt != "jsonl":
            raise CliError("a per-source export (--resource-name) writes JSON Lines only", EXIT_USAGE)
        return ExportFormat()
    return None if fmt in WHOLE_FORMATS else page_writer(fmt)


def _export_parquet(rows: _Rows, dest: str) -> int:
    """Every row to the Parquet file ``dest``, atomically; returns the rows written.

    Not resumable page by page: a rerun starts again, first removing the temporary
    file a killed run left beside ``dest``."""
    if dest == "-":
        raise CliError("Parquet is not written to stdout: give --dest FILE.parquet", EXIT_USAGE)
    require_parquet()
    _check_folder(dest)
    remove_stale_temps(dest)
    iterator = rows.open(None)
    try:
        return export_rows(iterator, dest, "parquet").rows
    finally:
        iterator.close()


def _export_table(rows: _Rows, dest: str, stdout: Optional[IO[bytes]]) -> Tuple[int, int]:
    """Every row as one aligned table (not resumable: it is for reading, not for data).
    Returns (rows, pages)."""
    from viam_data_sync._atomic import write_text_atomic
    from viam_data_sync._models import tabular_record

    if dest != "-":
        _check_folder(dest)
    records: List[Dict[str, Any]] = []
    pages = 0
    iterator = rows.open(None)
    try:
        for page in rows.pages(iterator):
            records.extend(tabular_record(row) for row in page)
            pages += 1
    finally:
        iterator.close()
    text = format_table(records)
    if dest == "-":
        out = stdout if stdout is not None else sys.stdout.buffer
        out.write(text.encode("utf-8"))
        out.flush()
    else:
        write_text_atomic(dest, text)
    return len(records), pages


def _check_folder(dest: str) -> None:
    folder = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(folder):
        raise CliError(f"cannot write {dest}: no such directory {folder}", EXIT_LOCAL_FILE)


def _export_to_stream(rows: _Rows, writer: PageWriter, out: IO[bytes]) -> Tuple[int, int]:
    """Write every page to ``out`` (stdout: nothing to resume). Returns (rows, pages)."""
    out.write(writer.header())
    count = pages = 0
    iterator = rows.open(None)
    try:
        for page in rows.pages(iterator):
            out.write(writer.page(page))
            out.flush()
            count += len(page)
            pages += 1
    finally:
        iterator.close()
    return count, pages


def _open_partial(partial: str, writer: PageWriter, position: Optional[Position]) -> Tuple[IO[bytes], Position]:
    """The partial file, cut back to ``position`` (or new, with the header written)."""
    handle: IO[bytes]
    if position is not None:
        handle = open(partial, "r+b")
        handle.truncate(position.offset)
        handle.seek(position.offset)
        return handle, position
    handle = open(partial, "wb")
    handle.write(writer.header())
    handle.flush()
    return handle, Position(handle.tell(), 0, None)


def _append_pages(
    rows: _Rows, writer: PageWriter, handle: IO[bytes], checkpoint: Checkpoint, start: Position, desc: str,
    progress: ProgressMode,
    written: List[int],
) -> Tuple[int, int]:
    """Append each page and checkpoint after it (``written[0]`` counts the pages).
    Returns (rows in total, pages fetched)."""
    count, pages = start.rows, 0
    iterator = rows.open(start.cursor)
    total = count_for_bar(iterator, progress if rows.source is None else False)
    with Progress(progress, total=total, desc=desc, unit="row", count_bytes=True) as bar:
        bar.update(count, start.offset)
        try:
            for page in rows.pages(iterator):
                data = writer.page(page)
                handle.write(data)
                handle.flush()  # the checkpoint must never claim bytes not yet written
                count += len(page)
                pages += 1
                written[0] = pages
                checkpoint.save(iterator.cursor, handle.tell(), count)
                bar.update(len(page), len(data))
        finally:
            iterator.close()
    return count, pages


# ---------------------------------------------------------------------- the command
def add_parser(kinds: SubParsers) -> None:
    """``export tabular`` and its flags."""
    tabular = add_command(
        kinds, "tabular", "export tabular rows to JSON Lines or CSV (resumable), Parquet, or a table", _run
    )
    tabular.add_argument("--dest", required=True, metavar="FILE", help="output file, or - for stdout")
    tabular.add_argument(
        "--format",
        choices=tuple(EXPORT_FORMATS),
        default=None,
        help="output format (default: from the --dest suffix, else jsonl); table and parquet are not "
        "resumable: a rerun after an interruption writes the file again from the start (parquet needs the "
        "arrow extra; the file appears only when complete)",
    )
    tabular.add_argument(
        "--page-size", type=int, default=TABULAR_PAGE_SIZE, metavar="N",
        help=f"rows per request (default {TABULAR_PAGE_SIZE})"
    )
    tabular.add_argument(
        "--parallel",
        type=int,
        default=None,
        metavar="N",
        help="time partitions fetched at once (default: the SDK's)",
    )
    tabular.add_argument("--restart", action="store_true", help="discard an interrupted export of --dest")
    per_source = tabular.add_argument_group(
        "one data source through the ExportTabularData stream, as the Viam CLI exports it "
        "(with --part-id, --method, --start, --end; writes its data.ndjson format)"
    )
    per_source.add_argument("--resource-name", metavar="NAME", help="e.g. sensor-1")
    per_source.add_argument("--resource-subtype", metavar="API", help="e.g. rdk:component:sensor")
    per_source.add_argument(
        "--additional-params", metavar="JSON", help="method parameters to match (JSON object; @FILE reads a file)"
    )
    add_filter_flags(tabular)


def _run(args: argparse.Namespace) -> int:
    fmt = format_for_dest(args.format, args.dest, EXPORT_FORMATS)
    filter_ = build_filter(args)
    source = _export_source(args)
    with connect(args) as client:
        result = export_tabular(
            client,
            filter_,
            args.dest,
            fmt=fmt,
            page_size=args.page_size,
            parallel=args.parallel,
            restart=args.restart,
            progress=progress_mode(args),
            source=source,
        )
    if args.dest != "-" and not args.quiet:
        resumed = f" (resumed after {result.resumed_from_rows})" if result.resumed_from_rows else ""
        print(
            f"exported {result.rows} rows{resumed} to {result.path} in {result.seconds:.1f}s", file=sys.stderr
        )
    return EXIT_OK


def _export_source(args: argparse.Namespace) -> Optional[Dict[str, Any]]:
    """The data source of a per-source export, or None for a filter export."""
    if not args.resource_name:
        return None
    needed = (("--part-id", args.part_id), ("--resource-subtype", args.resource_subtype), ("--method", args.method))
    missing = [flag for flag, value in needed if not value]
    if missing:
        raise CliError(f"--resource-name needs {', '.join(missing)} too", EXIT_USAGE)
    return {
        "part_id": args.part_id,
        "resource_name": args.resource_name,
        "resource_api": args.resource_subtype,
        "method_name": args.method,
        "start_time": args.start,
        "end_time": args.end,
        "additional_params": _additional_params(args.additional_params),
    }


def _additional_params(value: Optional[str]) -> Optional[Dict[str, Any]]:
    if not value:
        return None
    try:
        params = json.loads(read_argument(value))
    except ValueError as exc:
        raise CliError(f"--additional-params is not JSON: {exc}", EXIT_USAGE) from None
    if not isinstance(params, dict):
        raise CliError("--additional-params must be a JSON object", EXIT_USAGE)
    return params
