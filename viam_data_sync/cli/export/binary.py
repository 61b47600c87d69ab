"""``viam-data-sync export binary``: files to ``DIR/data`` (and ``DIR/metadata``),
parallel and resumable.

Each file is written to a temporary name and renamed when complete
(:mod:`viam_data_sync._atomic`), so a file under its final name is always whole; a
rerun skips those and clears the temporary files of a killed run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import gzip
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Tuple

from viam_data_sync._atomic import TEMP_GLOB, write_atomic, write_bytes_atomic, write_text_atomic
from viam_data_sync.cli._connection import connect
from viam_data_sync.cli._errors import EXIT_FAILURE, EXIT_LOCAL_FILE, EXIT_OK, EXIT_USAGE, CliError
from viam_data_sync.cli._filters import add_filter_flags, build_filter
from viam_data_sync.cli._parser import add_command
from viam_data_sync.cli._progress import Progress, ProgressMode, count_for_bar, progress_mode
from viam_data_sync._defaults import BINARY_METADATA_PAGE_SIZE

if TYPE_CHECKING:
    from viam_data_sync.cli._parser import SubParsers

#: One file to download: its name in the export (:func:`export_name`) and its ``BinaryMetadata``.
_Wanted = Tuple[str, Any]


def local_file_name(metadata: Any) -> str:
    """The path of a binary item's file under ``DIR/data``, as ``viam data export
    binary`` names it (:func:`viam_data_sync._dest.export_name`, plus the extension).

    The same name ``binary_data_by_filter(dest=DIR)`` gives a file, so an SDK export
    and a CLI export of one folder recognise each other's files. A name may hold
    directories (the uploaded file name's); it is always relative and never climbs
    out of ``data/``.

    Example::

        local_file_name(BinaryMetadata(id="f1", file_name="a/b.png"))  # 'a/b.png'
    """
    from viam_data_sync._dest import export_data_name, export_name

    return export_data_name(metadata, export_name(metadata))


@dataclasses.dataclass
class BinaryExportResult:
    """What :func:`export_binary` did."""

    directory: str
    listed: int
    downloaded: int
    skipped: int
    bytes_downloaded: int
    seconds: float
    files: List[str] = dataclasses.field(default_factory=list)


def export_binary(
    client: Any,
    filter_: Any,
    dest: str,
    *,
    parallel: int = 8,
    include_metadata: bool = False,
    page_size: int = BINARY_METADATA_PAGE_SIZE,
    batch_bytes: int = 8 * 1024 * 1024,
    progress: ProgressMode = False,
) -> BinaryExportResult:
    """Export every binary item matching ``filter_`` to ``dest``.

    Layout (that of ``viam data export binary``): ``DEST/data/<name>`` holds the bytes
    (a ``.gz`` item gunzipped) and, with ``include_metadata``,
    ``DEST/metadata/<name>.json`` the item's ``BinaryMetadata`` as protojson
    (lowerCamelCase keys). Names come from :func:`local_file_name`; two items with one
    name keep the first.

    Metadata is paged first (no bodies), then the bodies of the files not yet on disk
    are fetched by id in batches of at most ``batch_bytes`` by ``parallel`` workers, at
    most ``2 * parallel`` batches in flight. Each file is written to a temporary name
    and renamed when complete; files already complete are skipped, so rerunning after
    an interruption resumes.

    Example::

        with DataClient.from_env() as client:
            export_binary(client, create_filter(component_name="camera-1"), "images", parallel=4)
    """
    if parallel < 1:
        raise CliError("--parallel must be at least 1", EXIT_USAGE)
    started = time.perf_counter()
    export = _BinaryExport(client, Path(dest), include_metadata, batch_bytes)
    with _directory_lock(export.root):
        export.clear_temporary_files()
        export.make_folders()
        try:
            iterator = client.iter_binary(filter_, include_binary_data=False, page_size=page_size)
            total = count_for_bar(iterator, progress)
            desc = os.path.basename(os.path.abspath(dest))
            with Progress(progress, total=total, desc=desc, unit="file", count_bytes=True) as bar:
                try:
                    _run_batches(
                        export.pending_batches(iterator, bar), export.download, parallel, export.done(bar)
                    )
                finally:
                    iterator.close()
        except BaseException:
            export.remove_empty_folders()  # a failure before the first file leaves nothing
            raise
    export.result.seconds = time.perf_counter() - started
    return export.result


class _Streamed:
    """Stands for an item too large for one message, streamed to disk by signed URL."""

    def __init__(self, metadata: Any) -> None:
        self.metadata = metadata


class _BinaryExport:
    """The files of one export: what is on disk, what to fetch, and writing it."""

    def __init__(self, client: Any, root: Path, include_metadata: bool, batch_bytes: int) -> None:
        self.client = client
        self.root = root
        self.data_dir, self.meta_dir = root / "data", root / "metadata"
        self.include_metadata = include_metadata
        self.batch_bytes = batch_bytes
        self.result = BinaryExportResult(str(root), 0, 0, 0, 0, 0.0)
        self.created: List[Path] = []  # folders this export made, removed again if left empty

    def make_folders(self) -> None:
        """``DIR/data`` (and ``DIR/metadata``), remembering which are new."""
        for folder in (self.data_dir, self.meta_dir) if self.include_metadata else (self.data_dir,):
            if not folder.is_dir():
                folder.mkdir(parents=True, exist_ok=True)
                self.created.append(folder)

    def remove_empty_folders(self) -> None:
        """Remove the folders this export made if nothing was written into them."""
        for folder in reversed(self.created):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty

    def clear_temporary_files(self) -> None:
        """Remove the temporary files (and folders) of a dead run: their names match
        ``TEMP_GLOB`` (a downloaded file whose own name does is fetched again)."""
        for folder in (self.data_dir, self.meta_dir):
            if folder.is_dir():
                for stale in sorted(folder.rglob(TEMP_GLOB), reverse=True):
                    with contextlib.suppress(OSError):
                        if stale.is_dir():
                            shutil.rmtree(stale)
                        else:
                            stale.unlink()

    def data_path(self, name: str, metadata: Any) -> Path:
        from viam_data_sync._dest import export_data_name

        return self.data_dir / export_data_name(metadata, name)

    def pending_batches(self, iterator: Any, bar: Progress) -> Iterator[List[_Wanted]]:
        """Walk the metadata pages; skip complete files; batch the rest by size (a batch
        never spans pages, so a page's files are on their way before the next page)."""
        from viam_data_sync._dest import export_name, is_gzipped

        seen = set()
        for page in iterator.iter_pages():
            batch: List[_Wanted] = []
            size = 0
            for item in page:
                metadata = item.metadata
                name = export_name(metadata)
                self.result.listed += 1
                if name in seen:  # two items, one name: the first is kept
                    self.result.skipped += 1
                    bar.update(1)
                    continue
                seen.add(name)
                self.result.files.append(local_file_name(metadata))
                expected = -1 if is_gzipped(metadata) else int(metadata.file_size_bytes)
                if _is_complete(self.data_path(name, metadata), expected):
                    self.write_metadata(name, metadata)
                    self.result.skipped += 1
                    bar.update(1)
                    continue
                if batch and size + metadata.file_size_bytes > self.batch_bytes:
                    yield batch
                    batch, size = [], 0
                batch.append((name, metadata))
                size += int(metadata.file_size_bytes)
            if batch:
                yield batch

    def download(self, batch: List[_Wanted]) -> Tuple[int, int]:
        """Fetch and write one batch (in a worker). Returns (files, bytes)."""
        by_id = {item.metadata.binary_data_id: item for item in self._fetch(batch)}
        count = size = 0
        for name, metadata in batch:
            item = by_id.get(metadata.binary_data_id)
            if item is None:
                raise CliError(f"the server returned no data for {metadata.binary_data_id}", EXIT_FAILURE)
            if isinstance(item, _Streamed):  # already on disk, complete and size-checked
                size += int(metadata.file_size_bytes)
            else:
                size += self._write_body(name, metadata, bytes(item.binary))
            self.write_metadata(name, metadata)
            count += 1
        return count, size

    def done(self, bar: Progress) -> Callable[[int, Tuple[int, int]], None]:
        """What to do when a batch of ``files`` is written: count it and show it."""

        def record(files: int, outcome: Tuple[int, int]) -> None:
            count, size = outcome
            self.result.downloaded += count
            self.result.bytes_downloaded += size
            bar.update(files, size)

        return record

    def write_metadata(self, name: str, metadata: Any) -> None:
        """``metadata/<name>.json``, if asked for and not there yet."""
        from viam_data_sync._dest import metadata_document

        if self.include_metadata:
            path = self.meta_dir / f"{name}.json"
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                write_text_atomic(path, metadata_document(metadata, name))

    def _fetch(self, batch: List[_Wanted]) -> List[Any]:
        from viam_data_sync._errors import ResourceExhausted

        try:
            return list(self.client.binary_data_by_ids([metadata.binary_data_id for _, metadata in batch]))
        except ResourceExhausted:
            if len(batch) == 1:  # one file over the message limit: stream it to disk
                self._stream(*batch[0])
                return [_Streamed(batch[0][1])]
            half = len(batch) // 2  # the sizes were estimates: split and try again
            return self._fetch(batch[:half]) + self._fetch(batch[half:])

    def _stream(self, name: str, metadata: Any) -> None:
        """One file over the message limit, through its signed URL (``.gz``: gunzipped
        after, from a temporary file into the final name)."""
        from viam_data_sync._dest import is_gzipped

        target = self.data_path(name, metadata)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not is_gzipped(metadata):
            self.client.download_binary_data(metadata.binary_data_id, target)
            return
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".gz-", suffix=".tmp") as folder:
            packed = self.client.download_binary_data(metadata.binary_data_id, Path(folder) / "packed.gz")
            with gzip.open(packed, "rb") as source:
                write_atomic(target, lambda out: shutil.copyfileobj(source, out), binary=True)

    def _write_body(self, name: str, metadata: Any, body: bytes) -> int:
        from viam_data_sync._dest import gunzip, is_gzipped

        if metadata.file_size_bytes and len(body) != metadata.file_size_bytes:
            raise CliError(
                f"{metadata.binary_data_id}: got {len(body)} bytes, metadata says {metadata.file_size_bytes}",
                EXIT_FAILURE,
            )
        target = self.data_path(name, metadata)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(target, gunzip(body) if is_gzipped(metadata) else body)
        return len(body)


def _run_batches(
    batches: Iterator[List[_Wanted]],
    work: Callable[[List[_Wanted]], Tuple[int, int]],
    parallel: int,
    done: Callable[[int, Tuple[int, int]], None],
) -> None:
    """Run ``work`` on each batch with ``parallel`` workers, at most ``2 * parallel``
    batches in flight; ``done(files, outcome)`` in this thread as each finishes. The
    first failure cancels what has not started and is raised."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="viam-data-sync-dl")
    in_flight: Dict["concurrent.futures.Future[Tuple[int, int]]", int] = {}

    def collect(wait_for: int) -> None:
        while len(in_flight) > wait_for:
            finished, _ = concurrent.futures.wait(list(in_flight), return_when=concurrent.futures.FIRST_COMPLETED)
            for future in finished:
                files = in_flight.pop(future)
                done(files, future.result())  # raises the worker's error

    try:
        for batch in batches:
            collect(2 * parallel - 1)
            in_flight[pool.submit(work, batch)] = len(batch)
        collect(0)
    except BaseException:
        for future in in_flight:
            future.cancel()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


LOCK_NAME = ".viam-data-sync.lock"


@contextlib.contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` (POSIX); two exports into one
    directory would remove each other's temporary files.

    The lock file is removed on every way out (success, failure, Ctrl-C), and a
    ``directory`` this export created is removed again if it is left empty. A
    process that waited for a lock file another one has just removed takes a new one.
    """
    created = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True)
    try:
        with _lock_file(directory):
            yield
    finally:
        if created:
            with contextlib.suppress(OSError):
                directory.rmdir()  # only if empty


@contextlib.contextmanager
def _lock_file(directory: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        yield
        return
    path = directory / LOCK_NAME
    while True:
        handle = open(path, "a+b")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise CliError(f"another export is writing to {directory}", EXIT_LOCAL_FILE) from None
        if _same_file(handle, path):
            break
        handle.close()  # removed by the holder we waited for: lock the new one
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        handle.close()


def _same_file(handle: Any, path: Path) -> bool:
    try:
        return os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def _is_complete(path: Path, expected_size: int) -> bool:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    # Files only ever appear under their final name complete (rename); the size check
    # also catches a file that was changed or cut since (not for a gunzipped file,
    # whose size on disk is not the one the metadata gives: ``expected_size`` < 0).
    return size == expected_size if expected_size > 0 else True


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
    if not args.quiet:
        print(
            f"exported {result.listed} files to {os.path.join(result.directory, 'data')}: "
            f"{result.downloaded} downloaded ({result.bytes_downloaded} bytes), "
            f"{result.skipped} already complete, in {result.seconds:.1f}s",
            file=sys.stderr,
        )
    return EXIT_OK
