"""``viam-data-sync upload``: files and folders, chunked, with an optional ledger so
a rerun uploads nothing twice."""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

from viam_data_sync.cli._connection import connect
from viam_data_sync.cli._errors import EXIT_LOCAL_FILE, EXIT_OK, EXIT_USAGE, CliError
from viam_data_sync.cli._parser import add_command, csv_list
from viam_data_sync.cli._progress import Progress, ProgressMode, print_result, progress_mode

if TYPE_CHECKING:
    from viam_data_sync.cli._parser import SubParsers

LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class UploadResult:
    """One uploaded file."""

    path: str
    binary_data_id: str
    size: int


def _collect_files(paths: Sequence[str], recursive: bool) -> List[Path]:
    files: List[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            if not recursive:
                raise CliError(f"{raw} is a directory: add -r (--recursive) to upload the files in it", EXIT_USAGE)
            for folder, dirnames, filenames in os.walk(path):
                dirnames.sort()
                files.extend(Path(folder) / name for name in sorted(filenames))
        elif path.is_file():
            files.append(path)
        else:
            raise CliError(f"{raw}: no such file", EXIT_LOCAL_FILE)
    return files


class UploadLedger:
    """A local record of what was uploaded, so a rerun skips it.

    The Data API has no idempotency key: uploading a file twice stores it twice (the
    Viam docs warn of this). The ledger is a JSON Lines file; each line records the
    SHA-256 and size of a file's content, the destination (part, component, method,
    tags, dataset), and the binary data id it got. A file whose content and
    destination are already recorded is skipped. A line is appended, flushed and
    fsynced only after the service confirmed the upload (an append-only log: a line
    cut by a crash is skipped when read back).

    Example::

        ledger = UploadLedger("uploads.jsonl")
        content, key = ledger.key(path, destination)
        if ledger.get(key) is None:
            ledger.record(key, content, path, client.file_upload_from_path(str(path), part_id))
    """

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self._seen: Dict[str, str] = {}
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        with open(self.path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    self._seen[entry["key"]] = entry["binary_data_id"]
                except (ValueError, KeyError, TypeError):
                    # A line cut by a crash mid-write: everything before it stands.
                    LOG.warning("ledger %s: ignoring unreadable line %d", self.path, number)

    @staticmethod
    def key(path: Path, destination: Sequence[Any]) -> Tuple[str, str]:
        """``(content, key)``: the file's SHA-256 and size, and that plus the destination, hashed."""
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        content = f"{digest.hexdigest()}:{path.stat().st_size}"
        return content, hashlib.sha256(json.dumps([content, *destination]).encode()).hexdigest()

    def get(self, key: str) -> Optional[str]:
        """The binary data id recorded for ``key``, if any."""
        return self._seen.get(key)

    def record(self, key: str, content: str, path: Path, binary_data_id: str) -> None:
        """Append (and fsync) one confirmed upload."""
        line = json.dumps({"key": key, "content": content, "path": str(path), "binary_data_id": binary_data_id})
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self._seen[key] = binary_data_id


def upload_paths(
    client: Any,
    paths: Sequence[str],
    part_id: str,
    *,
    component_type: Optional[str] = None,
    component_name: Optional[str] = None,
    method_name: Optional[str] = None,
    tags: Optional[List[str]] = None,
    dataset_id: Optional[str] = None,
    recursive: bool = False,
    progress: ProgressMode = False,
    on_uploaded: Optional[Callable[[UploadResult], None]] = None,
    ledger: Optional[str] = None,
    on_skipped: Optional[Callable[[UploadResult], None]] = None,
) -> List[UploadResult]:
    """Upload files (and, with ``recursive``, folders, in sorted order) in chunks with
    ``file_upload_from_path``, each straight into ``dataset_id`` if given.

    ``on_uploaded`` is called after each file, so a caller can report what was stored
    even if a later file fails. With ``ledger`` (a file path), files already recorded
    there with the same content and destination are skipped (``on_skipped``), and
    each new upload is recorded: reruns (an Airflow retry, say) store nothing twice.

    Example::

        with DataClient.from_env() as client:
            upload_paths(client, ["captures/"], part_id, recursive=True, ledger="uploads.jsonl")
    """
    files = _collect_files(paths, recursive)
    results: List[UploadResult] = []
    book = UploadLedger(ledger) if ledger else None
    destination = [part_id, component_type, component_name, method_name, sorted(tags or []), dataset_id]
    total = sum(path.stat().st_size for path in files)
    with Progress(progress, total=total, desc="upload", unit="B") as bar:
        for path in files:
            content = key = ""
            if book is not None:
                content, key = book.key(path, destination)
                known = book.get(key)
                if known is not None:
                    bar.update(path.stat().st_size)
                    LOG.info("skipped %s: already uploaded as %s", path, known)
                    if on_skipped is not None:
                        on_skipped(UploadResult(str(path), known, path.stat().st_size))
                    continue
            binary_data_id = client.file_upload_from_path(
                str(path),
                part_id,
                component_type=component_type,
                component_name=component_name,
                method_name=method_name,
                tags=tags or None,
                dataset_ids=[dataset_id] if dataset_id else None,
                progress=_byte_counter(bar) if bar.active else None,
            )
            result = UploadResult(str(path), binary_data_id, path.stat().st_size)
            if book is not None:
                book.record(key, content, path, binary_data_id)
            results.append(result)
            LOG.info("uploaded %s as %s", path, binary_data_id)
            if on_uploaded is not None:
                on_uploaded(result)
    return results


def _byte_counter(bar: Progress) -> Callable[[int, Optional[int]], None]:
    """An upload ``progress`` callback (bytes sent so far) that advances ``bar``."""
    sent = 0

    def report(done: int, _total: Optional[int]) -> None:
        nonlocal sent
        bar.update(max(0, done - sent))
        sent = max(sent, done)

    return report


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
