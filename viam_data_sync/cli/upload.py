"""``viam-data-sync upload``: files and folders, chunked, with an optional ledger so
a rerun uploads nothing twice."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from typing import TYPE_CHECKING, Any, Dict, List, Sequence

from viam_data_sync._ledger import UploadResult, collect_files, upload_files
from viam_data_sync.cli._connection import connect
from viam_data_sync.cli._errors import EXIT_LOCAL_FILE, EXIT_OK, EXIT_USAGE, CliError
from viam_data_sync.cli._parser import add_command, csv_list
from viam_data_sync.cli._progress import Progress, ProgressMode, print_result, progress_mode

if TYPE_CHECKING:
    from viam_data_sync.cli._parser import SubParsers


def upload_paths(
    client: Any, paths: Sequence[str], part_id: str, *, recursive: bool = False, progress: ProgressMode = False,
    **options: Any,
) -> List[UploadResult]:
    """:func:`viam_data_sync.upload_files` (``options`` are its keyword arguments:
    destination, ``ledger``, ``on_uploaded``, ``on_skipped``) with a progress bar
    (bytes) and the CLI's errors (a folder without ``-r``: exit 2; a missing file: 7).

    Example::

        with DataClient.from_env() as client:
            upload_paths(client, ["captures/"], part_id, recursive=True, ledger="uploads.jsonl")
    """
    try:
        files = collect_files(paths, recursive)
    except IsADirectoryError as exc:
        raise CliError(f"{exc.filename} is a directory: add -r (--recursive) to upload the files in it",
                       EXIT_USAGE) from None
    except FileNotFoundError as exc:
        raise CliError(f"{exc.filename}: {os.strerror(errno.ENOENT)}", EXIT_LOCAL_FILE) from None
    total = sum(path.stat().st_size for path in files)
    with Progress(progress, total=total, desc="upload", unit="B") as bar:
        return upload_files(client, [str(path) for path in files], part_id,
                            progress=bar.update if bar.active else None, **options)


# ---------------------------------------------------------------------- the command
def add_parser(commands: SubParsers) -> None:
    """``upload`` and its flags."""
    upload = add_command(
        commands, "upload", "upload files or folders (chunked); prints '<binary data id>\\t<path>'", _run
    )
    upload.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (with --tabular: JSON Lines files)")
    upload.add_argument("--part-id", required=True, metavar="ID", help="the part the data belongs to")
    upload.add_argument("--component-type", metavar="TYPE", help="component type")
    upload.add_argument("--component-name", metavar="NAME", help="component name")
    upload.add_argument("--method", metavar="NAME", help="method name")
    upload.add_argument("--tags", metavar="TAGS", help="comma-separated tags")
    upload.add_argument("--dataset-id", metavar="ID", help="add the uploaded files to this dataset")
    upload.add_argument("-r", "--recursive", action="store_true", help="upload the files inside folders")
    tabular = upload.add_argument_group(
        "readings: --tabular uploads each PATH's lines (JSON objects; an export tabular record or a reading) "
        "through DataCaptureUpload"
    )
    tabular.add_argument("--tabular", action="store_true", help="PATHs are JSON Lines files of readings")
    tabular.add_argument(
        "--batch-size", type=int, default=500, metavar="N", help="readings per request (default 500)"
    )
    upload.add_argument(
        "--ledger",
        metavar="FILE",
        help="record uploads in FILE (JSON Lines) and skip files already recorded there with the same "
        "content and destination, so a rerun uploads nothing twice",
    )


def _destination(args: argparse.Namespace) -> Dict[str, Any]:
    """The destination flags, as both kinds of upload take them."""
    return {
        "component_type": args.component_type,
        "component_name": args.component_name,
        "method_name": args.method,
        "tags": csv_list(args.tags) or None,
    }


def _run(args: argparse.Namespace) -> int:
    if args.tabular:
        return _run_tabular(args)

    def report(result: UploadResult) -> None:
        print_result(f"{result.binary_data_id}\t{result.path}")

    skipped: List[UploadResult] = []
    with connect(args) as client:
        results = upload_paths(
            client,
            args.paths,
            args.part_id,
            **_destination(args),
            dataset_id=args.dataset_id,
            recursive=args.recursive,
            progress=progress_mode(args),
            on_uploaded=report,
            ledger=args.ledger,
            on_skipped=skipped.append,
        )
    if not args.quiet:
        extra = f", skipped {len(skipped)} already uploaded (ledger)" if args.ledger else ""
        print(f"uploaded {len(results)} files{extra}", file=sys.stderr)
    return EXIT_OK


def _run_tabular(args: argparse.Namespace) -> int:
    from viam_data_sync.cli.upload_tabular import TabularUploadResult, upload_readings

    unused = [flag for flag, value in (("--recursive", args.recursive), ("--dataset-id", args.dataset_id),
                                       ("--ledger", args.ledger)) if value]
    if unused:
        raise CliError(f"{', '.join(unused)} cannot be used with --tabular (readings are not files)", EXIT_USAGE)

    def report(result: TabularUploadResult) -> None:
        print_result(f"{result.file_id}\t{result.path}:{result.first_line}")

    with connect(args) as client:
        results = upload_readings(
            client,
            args.paths,
            args.part_id,
            **_destination(args),
            batch_size=args.batch_size,
            progress=progress_mode(args),
            on_uploaded=report,
        )
    if not args.quiet:
        readings = sum(result.readings for result in results)
        print(f"uploaded {readings} readings in {len(results)} requests", file=sys.stderr)
    return EXIT_OK
