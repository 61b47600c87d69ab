"""``viam-data-sync export binary``: files to ``DIR/data`` (and ``DIR/metadata``),
parallel and resumable, through the SDK's exporter
(:func:`viam_data_sync.export_binary`) with a progress bar.

Each file is written to a temporary name and renamed when complete, so a file under
its final name is always whole; a rerun skips those and clears the temporary files of
a killed run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from viam_data_sync._binary_export import LOCK_NAME, BinaryExportResult, local_file_name
from viam_data_sync._binary_export import export_binary as export_binary_files
from viam_data_sync._defaults import BINARY_METADATA_PAGE_SIZE
from viam_data_sync.cli._connection import connect
from viam_data_sync.cli._errors import EXIT_OK, EXIT_USAGE, CliError
from viam_data_sync.cli._filters import add_filter_flags, build_filter
from viam_data_sync.cli._parser import add_command
from viam_data_sync.cli._progress import Progress, ProgressMode, bar_wanted, count_for_bar, progress_mode

if TYPE_CHECKING:
    from viam_data_sync.cli._parser import SubParsers

def export_binary(client: Any, filter_: Any, dest: str, *, progress: ProgressMode = False,
                  **options: Any) -> BinaryExportResult:
    """:func:`viam_data_sync.export_binary` (``options`` are its keyword arguments:
    ``parallel``, ``include_metadata``, ``page_size``, ``batch_bytes``) with a progress
    bar (files, bytes and rate).

    Example::

        with DataClient.from_env() as client:
            export_binary(client, create_filter(component_name="camera-1"), "images", parallel=4)
    """
    if options.get("parallel", 1) < 1:
        raise CliError("--parallel must be at least 1", EXIT_USAGE)
    total = None
    if bar_wanted(progress):  # a count only, for the bar
        counter = client.iter_binary(filter_, include_binary_data=False)
        try:
            total = count_for_bar(counter, progress)
        finally:
            counter.close()
    desc = os.path.basename(os.path.abspath(dest))
    with Progress(progress, total=total, desc=desc, unit="file", count_bytes=True) as bar:
        return export_binary_files(client, filter_, Path(dest), progress=bar.update if bar.active else None,
                                   **options)


__all__ = ["BinaryExportResult", "LOCK_NAME", "export_binary", "local_file_name"]


# ---------------------------------------------------------------------- the command
def add_parser(kinds: SubParsers) -> None:
    """``export binary`` and its flags."""
    binary = add_command(kinds, "binary", "export binary files to DIR/data (resumable, parallel)", _run)
    binary.add_argument("--dest", required=True, metavar="DIR", help="output folder")
    binary.add_argument("--parallel", type=int, default=8, metavar="N", help="download workers (default 8)")
    binary.add_argument(
        "--include-metadata",
        action="store_true",
        help="also write DIR/metadata/<file>.json (BinaryMetadata as protojson)",
    )
    binary.add_argument(
        "--page-size", type=int, default=BINARY_METADATA_PAGE_SIZE, metavar="N",
        help=f"metadata items per request (default {BINARY_METADATA_PAGE_SIZE})"
    )
    add_filter_flags(binary)


def _run(args: argparse.Namespace) -> int:
    filter_ = build_filter(args)
    with connect(args) as client:
        result = export_binary(
            client,
            filter_,
            args.dest,
            parallel=args.parallel,
            include_metadata=args.include_metadata,
            page_size=args.page_size,
            progress=progress_mode(args),
        )
    for failure in result.failed:  # the export went on without these
        print(f"not exported: {failure}", file=sys.stderr)
    if not args.quiet:
        print(
            f"exported {result.listed} files to {os.path.join(result.directory, 'data')}: "
            f"{result.downloaded} downloaded ({result.bytes_downloaded} bytes), "
            f"{result.skipped} already complete, in {result.seconds:.1f}s",
            file=sys.stderr,
        )
    return EXIT_OK
