"""Uploading files so that a rerun stores nothing twice: :func:`upload_files` and the
ledger it keeps (:class:`UploadLedger`). The CLI's ``upload --ledger`` and the Airflow
upload operator both call :func:`upload_files`.
"""
from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

LOG = logging.getLogger("viam_data_sync")


@dataclasses.dataclass
class UploadResult:
    """One file :func:`upload_files` uploaded (or found in its ledger)."""

    path: str
    binary_data_id: str
    size: int


def collect_files(paths: Sequence[Any], recursive: bool) -> List[Path]:
    """The files ``paths`` name: files as they are, the files inside folders (with
    ``recursive``) in sorted order.

    Raises:
        IsADirectoryError: a folder without ``recursive``.
        FileNotFoundError: a path that does not exist.
    """
    files: List[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            if not recursive:
                raise IsADirectoryError(errno.EISDIR, "a directory (its files are uploaded with recursive=True)",
                                        str(raw))
            for folder, dirnames, filenames in os.walk(path):
                dirnames.sort()
                files.extend(Path(folder) / name for name in sorted(filenames))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(raw))
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

    def __init__(self, path: Any) -> None:
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


def upload_files(
    client: Any,
    paths: Sequence[Any],
    part_id: str,
    *,
    component_type: Optional[str] = None,
    component_name: Optional[str] = None,
    method_name: Optional[str] = None,
    tags: Optional[List[str]] = None,
    dataset_id: Optional[str] = None,
    recursive: bool = False,
    ledger: Optional[Any] = None,
    progress: Optional[Callable[[int], None]] = None,
    on_uploaded: Optional[Callable[[UploadResult], None]] = None,
    on_skipped: Optional[Callable[[UploadResult], None]] = None,
) -> List[UploadResult]:
    """Upload files (and, with ``recursive``, the files in folders, in sorted order) in
    chunks with ``file_upload_from_path``, each straight into ``dataset_id`` if given.

    The Data API has no idempotency key, so a retried job would store its files twice.
    With ``ledger`` (a file path), files already recorded there with the same content
    and destination are skipped (``on_skipped``), and each new upload is recorded once
    the service confirmed it (:class:`UploadLedger`): a rerun stores nothing twice.

    Args:
        client: a :class:`~viam_data_sync.DataClient`.
        paths: files or folders.
        part_id: the machine part the data belongs to.
        component_type, component_name, method_name, tags, dataset_id: where it goes.
        recursive: upload the files inside folders.
        ledger: the ledger file (JSON Lines), created if missing.
        progress: ``progress(nbytes)``: bytes sent (or skipped) since the last call.
        on_uploaded: called after each file, so a caller can report what was stored
            even if a later file fails.
        on_skipped: called for each file the ledger already holds.

    Returns:
        The files uploaded by this call (not the skipped ones).

    Example::

        from viam_data_sync import DataClient, upload_files

        with DataClient.from_env() as client:
            upload_files(client, ["captures/"], part_id, recursive=True, ledger="uploads.jsonl")
    """
    files = collect_files(paths, recursive)
    results: List[UploadResult] = []
    book = UploadLedger(ledger) if ledger else None
    destination = [part_id, component_type, component_name, method_name, sorted(tags or []), dataset_id]
    for path in files:
        content = key = ""
        if book is not None:
            content, key = book.key(path, destination)
            known = book.get(key)
            if known is not None:
                if progress is not None:
                    progress(path.stat().st_size)
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
            progress=_sent_bytes(progress) if progress is not None else None,
        )
        result = UploadResult(str(path), binary_data_id, path.stat().st_size)
        if book is not None:
            book.record(key, content, path, binary_data_id)
        results.append(result)
        LOG.info("uploaded %s as %s", path, binary_data_id)
        if on_uploaded is not None:
            on_uploaded(result)
    return results


def _sent_bytes(report: Callable[[int], None]) -> Callable[[int, Optional[int]], None]:
    """An upload ``progress(bytes_sent, total)`` callback that reports increments."""
    sent = 0

    def progress(done: int, _total: Optional[int]) -> None:
        nonlocal sent
        report(max(0, done - sent))
        sent = max(sent, done)

    return progress


__all__ = ["UploadLedger", "UploadResult", "collect_files", "upload_files"]
