"""The binary exporter: every item matching a filter (or in a plan's partition) to a
folder in the layout of ``viam data export binary``, resumable and parallel. The CLI's
``export binary``, ``dest=`` of the binary calls and the Airflow operator all write
through it.

* Layout: ``DEST/data/<name>`` holds the bytes (a ``.gz`` item gunzipped) and, with
  ``include_metadata``, ``DEST/metadata/<name>.json`` the item's ``BinaryMetadata`` as
  protojson; names from :func:`viam_data_sync._dest.export_name`, made safe for any
  file system, and two items with one name both kept (the second with a suffix,
  :func:`viam_data_sync._dest.unique_export_name`).
* Atomic: each file is written to a temporary name and renamed when complete
  (:mod:`viam_data_sync._atomic`), so a file under its final name is always whole.
* Resumable: files already complete are skipped, and the temporary files of a killed
  run are cleared; an exclusive lock (POSIX) keeps two exports out of one folder.
* Large files: metadata is paged first (no bodies); bodies are fetched by id in
  batches of at most ``batch_bytes``. The one batch-halving rule
  (:func:`viam_data_sync._halving.fetch_in_halves`): a batch over a message-size
  limit is halved, and a single file over it is streamed to disk through its signed
  URL, in constant memory.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import errno
import io
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from viam_data_sync._atomic import TEMP_GLOB, PathLike, write_atomic, write_bytes_atomic, write_text_atomic
from viam_data_sync._defaults import BINARY_METADATA_PAGE_SIZE
from viam_data_sync._dest import (
    GunzipTooLarge, export_data_name, export_name, gunzip_limit, gunzip_to, is_gzipped, metadata_document,
    unique_export_name,
)
from viam_data_sync._errors import ExportIncomplete
from viam_data_sync._halving import fetch_in_halves
from viam_data_sync._models import Partition

LOGGER = logging.getLogger("viam_data_sync")

#: One file to download: its name in the export (:func:`export_name`) and its ``BinaryMetadata``.
_Wanted = Tuple[str, Any]
#: ``progress(files, nbytes)``: called in the caller's thread as files are written or
#: found complete (increments).
ExportProgress = Callable[[int, int], None]


def local_file_name(metadata: Any) -> str:
    """The path of a binary item's file under ``DIR/data``, as ``viam data export
    binary`` names it (:func:`viam_data_sync._dest.export_name`, plus the extension).

    A name may hold directories (the uploaded file name's); it is always relative and
    never climbs out of ``data/``.

    Example::

        local_file_name(BinaryMetadata(id="f1", file_name="a/b.png"))  # 'a/b.png'
    """
    return export_data_name(metadata, export_name(metadata))


@dataclasses.dataclass
class BinaryExportResult:
    """What :func:`export_binary` did.

    Attributes:
        directory: the export folder.
        listed: items the filter matched.
        downloaded: files fetched and written by this run.
        skipped: items already complete on disk.
        bytes_downloaded: bytes fetched by this run.
        seconds: how long it took.
        files: the data files' names under ``data/``, one per item.
        failed: ``"<binary data id>: <why>"`` of items not written, the export going on
            without them (a ``.gz`` item unpacking past its limit: a gzip bomb).
    """

    directory: str
    listed: int
    downloaded: int
    skipped: int
    bytes_downloaded: int
    seconds: float
    files: List[str] = dataclasses.field(default_factory=list)
    failed: List[str] = dataclasses.field(default_factory=list)


def export_binary(
    client: Any,
    source: Any,
    dest: PathLike,
    *,
    parallel: int = 8,
    include_metadata: bool = False,
    page_size: int = BINARY_METADATA_PAGE_SIZE,
    batch_bytes: int = 8 * 1024 * 1024,
    progress: Optional[ExportProgress] = None,
) -> BinaryExportResult:
    """Export every binary item of ``source`` (a ``Filter``, ``None`` for everything, or
    a plan's :class:`~viam_data_sync.Partition`) to the folder ``dest``, in the Viam
    CLI's layout; see the module docstring. Rerun it after an interruption to resume.

    Args:
        client: a :class:`~viam_data_sync.DataClient`.
        source: which items.
        dest: the export folder (created if needed).
        parallel: download workers (at most ``2 * parallel`` batches in flight).
        include_metadata: also write ``metadata/<name>.json``.
        page_size: metadata items per request.
        batch_bytes: the most file bytes fetched by one request.
        progress: ``progress(files, nbytes)`` increments, in this thread.

    Raises:
        BlockingIOError: another export holds ``dest``.
        ExportIncomplete: the service's answer did not match its metadata.

    Example::

        from viam_data_sync import DataClient, create_filter, export_binary

        with DataClient.from_env() as client:
            result = export_binary(client, create_filter(component_name="camera-1"), "images", parallel=4)
            print(result.downloaded, "files,", result.bytes_downloaded, "bytes")
    """
    if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1:
        raise ValueError("parallel must be an int >= 1")
    started = time.perf_counter()
    export = _BinaryExport(client, Path(dest), include_metadata, batch_bytes, progress)
    with _directory_lock(export.root):
        export.clear_temporary_files()
        export.make_folders()
        try:
            if isinstance(source, Partition):
                iterator = client.read_partition(source, include_binary_data=False, page_size=page_size)
            else:
                iterator = client.iter_binary(source, include_binary_data=False, page_size=page_size)
            try:
                _run_batches(export.pending_batches(iterator), export.download, parallel, export.record)
            finally:
                iterator.close()
        except BaseException:
            export.remove_empty_folders()  # a failure before the first file leaves nothing
            raise
    export.result.seconds = time.perf_counter() - started
    return export.result


def write_items(dest: PathLike, items: Iterable[Any]) -> List[Path]:
    """Write ``BinaryData`` items already fetched (``dest=`` of the binary calls) in the
    export layout, with their metadata: an item's bytes if it carries them, each file
    atomically, an item already there replaced. Returns the data paths."""
    export = _BinaryExport(None, Path(dest), True, 0, None)
    export.make_folders()
    written: List[Path] = []
    taken: Set[str] = set()
    for item in items:
        name = unique_export_name(item.metadata, taken)
        if item.binary:
            try:
                export.write_body(name, item.metadata, bytes(item.binary))
            except GunzipTooLarge as exc:
                LOGGER.warning("not written: %s: %s", item.metadata.binary_data_id, exc)
                continue
        export.write_metadata(name, item.metadata, replace=True)
        written.append(export.data_path(name, item.metadata))
    return written


class _Streamed:
    """Stands for an item too large for one message, streamed to disk by signed URL;
    a ``.gz`` one still packed in ``folder`` until :meth:`unpack`."""

    def __init__(self, metadata: Any, target: Path, folder: Optional[str] = None) -> None:
        self.metadata, self.target, self.folder = metadata, target, folder

    def unpack(self) -> None:
        if self.folder is None:
            return
        try:
            limit = gunzip_limit(self.metadata.file_size_bytes)
            with open(Path(self.folder) / "packed.gz", "rb") as source:
                write_atomic(self.target, lambda out: gunzip_to(source, out, limit), binary=True)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


class _BinaryExport:
    """The files of one export: what is on disk, what to fetch, and writing it."""

    def __init__(self, client: Any, root: Path, include_metadata: bool, batch_bytes: int,
                 progress: Optional[ExportProgress]) -> None:
        self.client = client
        self.root = root
        self.data_dir, self.meta_dir = root / "data", root / "metadata"
        self.include_metadata = include_metadata
        self.batch_bytes = batch_bytes
        self.progress = progress
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
        return self.data_dir / export_data_name(metadata, name)

    def _report(self, files: int, nbytes: int) -> None:
        if self.progress is not None:
            self.progress(files, nbytes)

    def pending_batches(self, iterator: Any) -> Iterator[List[_Wanted]]:
        """Walk the metadata pages; skip complete files; batch the rest by size (a batch
        never spans pages, so a page's files are on their way before the next page)."""
        taken: Set[str] = set()
        for page in iterator.iter_pages():
            batch: List[_Wanted] = []
            size = 0
            for item in page:
                metadata = item.metadata
                name = unique_export_name(metadata, taken)  # two items, one name: both kept
                self.result.listed += 1
                self.result.files.append(export_data_name(metadata, name))
                expected = -1 if is_gzipped(metadata) else int(metadata.file_size_bytes)
                if _is_complete(self.data_path(name, metadata), expected):
                    self.write_metadata(name, metadata)
                    self.result.skipped += 1
                    self._report(1, 0)
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
        by_id = fetch_in_halves(self._fetch, batch, self._stream)
        count = size = 0
        for name, metadata in batch:
            item = by_id.get(metadata.binary_data_id)
            if item is None:
                raise ExportIncomplete(f"the server returned no data for {metadata.binary_data_id}")
            try:
                if isinstance(item, _Streamed):
                    item.unpack()  # on disk, size-checked; a ``.gz`` one unpacked now
                    size += int(metadata.file_size_bytes)
                else:
                    size += self.write_body(name, metadata, bytes(item.binary))
            except GunzipTooLarge as exc:
                self.result.failed.append(f"{metadata.binary_data_id}: {exc}")
                LOGGER.warning("not exported: %s: %s", metadata.binary_data_id, exc)
                continue
            self.write_metadata(name, metadata)
            count += 1
        return count, size

    def record(self, files: int, outcome: Tuple[int, int]) -> None:
        """A batch of ``files`` is written: count it and report it."""
        count, size = outcome
        self.result.downloaded += count
        self.result.bytes_downloaded += size
        self._report(files, size)

    def write_metadata(self, name: str, metadata: Any, *, replace: bool = False) -> None:
        """``metadata/<name>.json``, if asked for and not there yet (or ``replace``)."""
        if self.include_metadata:
            path = self.meta_dir / f"{name}.json"
            if replace or not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                write_text_atomic(path, metadata_document(metadata, name))

    def _fetch(self, batch: List[_Wanted]) -> Dict[str, Any]:
        items = self.client.binary_data_by_ids([metadata.binary_data_id for _, metadata in batch])
        return {item.metadata.binary_data_id: item for item in items}

    def _stream(self, wanted: _Wanted) -> Dict[str, Any]:
        """One file over the message limit, through its signed URL (``.gz``: gunzipped
        after, from a temporary file into the final name)."""
        name, metadata = wanted
        target = self.data_path(name, metadata)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not is_gzipped(metadata):
            self.client.download_binary_data(metadata.binary_data_id, target)
            return {metadata.binary_data_id: _Streamed(metadata, target)}
        folder = tempfile.mkdtemp(dir=target.parent, prefix=".gz-", suffix=".tmp")  # cleared by unpack()
        self.client.download_binary_data(metadata.binary_data_id, Path(folder) / "packed.gz")
        return {metadata.binary_data_id: _Streamed(metadata, target, folder)}

    def write_body(self, name: str, metadata: Any, body: bytes) -> int:
        if metadata.file_size_bytes and len(body) != metadata.file_size_bytes:
            raise ExportIncomplete(
                f"{metadata.binary_data_id}: got {len(body)} bytes, metadata says {metadata.file_size_bytes}")
        target = self.data_path(name, metadata)
        target.parent.mkdir(parents=True, exist_ok=True)
        if is_gzipped(metadata):  # unpacked in constant memory, within its limit
            limit = gunzip_limit(len(body))
            write_atomic(target, lambda out: gunzip_to(io.BytesIO(body), out, limit), binary=True)
        else:
            write_bytes_atomic(target, body)
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


#: The lock file an export holds in its folder while it runs.
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
            raise BlockingIOError(errno.EAGAIN, f"another export is writing to {directory}") from None
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


__all__ = ["LOCK_NAME", "BinaryExportResult", "ExportProgress", "export_binary", "local_file_name", "write_items"]
