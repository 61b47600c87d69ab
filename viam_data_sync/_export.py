"""Exports of an iterator to one file (JSON Lines or Parquet) or binary items to a
folder, atomically, with a small summary: path, rows, bytes, SHA-256.

Shared by the Airflow operators, incremental sync and the CLI. Files are written with
:func:`viam_data_sync._atomic.write_atomic` (a temporary file beside the target,
fsynced, then renamed), so a crash or a retried task never leaves a partial file under
the final name, and a rerun replaces the file instead of adding rows to it.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict

from viam_data_sync._atomic import PathLike, write_atomic
from viam_data_sync._dest import jsonl_line

#: The file formats of :func:`export_rows`.
FORMATS = ("jsonl", "parquet")


@dataclass(frozen=True)
class FileExport:
    """What an export wrote: small enough for an Airflow XCom.

    Attributes:
        path: the file (or folder) written.
        rows: rows (or items) in it.
        bytes: its size on disk (a folder: the sum of its files).
        sha256: the file's SHA-256 (a folder: of its files' names and SHA-256s, sorted).
    """

    path: str
    rows: int
    bytes: int
    sha256: str

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_format(fmt: Any) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    return str(fmt)


def export_rows(rows: Any, path: PathLike, fmt: str = "jsonl", *, schema: Any = None) -> FileExport:
    """Write the rows of an iterator (``iter_tabular``, ``read_partition``, ...) to
    ``path``, atomically.

    ``jsonl``: one ``row.to_dict()`` per line, the bytes ``dest=`` and the CLI write
    (:func:`viam_data_sync._dest.jsonl_line`). ``parquet``: the iterator's
    Arrow batches (``iter_batches(schema=schema)``; needs the ``arrow`` extra).

    Example::

        summary = export_rows(client.read_partition(p), f"/data/{p.key}.parquet", "parquet")
    """
    fmt = check_format(fmt)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    if fmt == "jsonl":
        def write(handle: Any) -> None:
            nonlocal count
            for row in rows:
                record = row.to_dict() if hasattr(row, "to_dict") else row
                handle.write(jsonl_line(record))
                count += 1

        write_atomic(target, write)
    else:
        import pyarrow.parquet as pq

        def write_parquet(handle: Any) -> None:
            nonlocal count
            writer = None
            try:
                for batch in rows.iter_batches(schema=schema):
                    if writer is None:
                        writer = pq.ParquetWriter(handle, batch.schema)
                    writer.write_batch(batch)
                    count += batch.num_rows
            finally:
                if writer is not None:
                    writer.close()

        write_atomic(target, write_parquet, binary=True)
    return FileExport(str(target), count, target.stat().st_size, _file_sha256(target))


def folder_export(dest: PathLike, items: int) -> FileExport:
    """The summary of a folder an export wrote (:func:`viam_data_sync.export_binary`):
    its files' sizes, and one SHA-256 of their names and SHA-256s, sorted."""
    root = Path(dest)
    digest = hashlib.sha256()
    size = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        size += path.stat().st_size
        digest.update(f"{path.relative_to(root).as_posix()}\0{_file_sha256(path)}\n".encode())
    return FileExport(str(root), items, size, digest.hexdigest())
