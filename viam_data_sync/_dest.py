"""Writing query results to ``dest=``: real formats, atomically, raising on failure.

* Tabular rows: a JSON Lines file, one object per row (``TabularData.to_dict()``).
* Binary data: a directory in the Viam CLI's export layout, ``DIR/data/<name>`` for
  the bytes and ``DIR/metadata/<name>.json`` for the ``BinaryMetadata`` (protojson,
  camelCase keys, as ``viam data export binary`` writes it).

Every file is written to a temporary file in the same directory, flushed, fsynced and
then renamed over its final name (``os.replace``), so a reader or a crash never sees a
partial file under the final name. Any failure raises (``OSError`` and friends) after
removing the temporary file. The official SDK writes a Python repr, never closes the
file, and only logs errors.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Union

from google.protobuf import json_format

from viam_data_sync._proto._pool import POOL

PathLike = Union[str, "os.PathLike[str]"]

#: File names longer than this (in bytes) are shortened with a hash.
_MAX_NAME_BYTES = 200
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def _json_default(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def check_dest_file(dest: Any) -> Path:
    """Refuse a ``dest`` that cannot be a file, before anything is sent."""
    if isinstance(dest, bool) or not isinstance(dest, (str, os.PathLike)):
        raise TypeError(f"dest must be a path (str or os.PathLike), got {type(dest).__name__}")
    path = Path(dest)
    if not str(dest):
        raise ValueError("dest must not be empty")
    if path.is_dir():
        raise IsADirectoryError(f"dest is a directory, expected a file path: {path}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"the directory of dest does not exist: {path.parent}")
    return path


def check_dest_dir(dest: Any) -> Path:
    """Refuse a ``dest`` that cannot be a directory, before anything is sent."""
    if isinstance(dest, bool) or not isinstance(dest, (str, os.PathLike)):
        raise TypeError(f"dest must be a path (str or os.PathLike), got {type(dest).__name__}")
    if not str(dest):
        raise ValueError("dest must not be empty")
    path = Path(dest)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"dest exists and is not a directory: {path}")
    return path


# ---------------------------------------------------------------------- atomic writes
def write_atomic(path: PathLike, write: Callable[[Any], None], *, binary: bool = False) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path`` and move it into place."""
    target = Path(path)
    directory = target.parent
    fd, temp = tempfile.mkstemp(prefix=f".{target.name[:50]}.", suffix=".tmp", dir=directory)
    try:
        mode = "wb" if binary else "w"
        kwargs: Dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": "\n"}
        with os.fdopen(fd, mode, **kwargs) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; not possible on every platform (e.g. Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_jsonl(path: PathLike, records: Iterable[Any]) -> int:
    """Write ``records`` (dicts) as JSON Lines at ``path``, atomically. Returns the count.

    Keys are sorted: a Struct's map has no order of its own (upb iterates it in an
    order that changes from process to process), so sorting makes files repeatable.
    """
    count = 0

    def write(handle: Any) -> None:
        nonlocal count
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False, default=_json_default, allow_nan=True,
                                    sort_keys=True))
            handle.write("\n")
            count += 1

    write_atomic(path, write)
    return count


def read_jsonl(path: PathLike) -> List[Any]:
    """The records of a JSON Lines file (for tests and round trips)."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# ---------------------------------------------------------------------- binary layout
def safe_file_name(name: str) -> str:
    """A single, safe path component for an opaque id (ids may contain ``/``).

    Every character outside ``[A-Za-z0-9_-]`` is percent-encoded (``.`` too, so no
    ``..`` or hidden names), which keeps distinct ids distinct; over-long names are
    cut and suffixed with a hash of the whole id.
    """
    encoded = "".join(ch if ch in _SAFE else "".join(f"%{b:02X}" for b in ch.encode("utf-8")) for ch in name)
    if not encoded:
        encoded = "_"
    if len(encoded) > _MAX_NAME_BYTES:
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
        encoded = f"{encoded[: _MAX_NAME_BYTES - 17]}~{digest}"
    return encoded


def _extension(file_ext: str) -> str:
    ext = file_ext.lstrip(".")
    if not ext:
        return ""
    return "." + safe_file_name(ext)[:20]


def binary_file_name(metadata: Any) -> str:
    """The local name of one binary item: its sanitized id plus its extension."""
    identity = metadata.binary_data_id or metadata.id or metadata.file_name or "unnamed"
    return safe_file_name(identity) + _extension(metadata.file_ext)


def metadata_to_json(metadata: Any) -> dict:
    """``BinaryMetadata`` as protojson (camelCase keys), like the Viam CLI writes it."""
    return json_format.MessageToDict(metadata, descriptor_pool=POOL)


def write_binary_dir(dest: PathLike, items: Iterable[Any]) -> List[Path]:
    """Write each ``BinaryData`` as ``dest/data/<name>`` (if it carries bytes) and
    ``dest/metadata/<name>.json``, each file atomically. Returns the data paths."""
    root = Path(dest)
    data_dir, meta_dir = root / "data", root / "metadata"
    data_dir.mkdir(parents=True, exist_ok=True)
    meta_dir.mkdir(parents=True, exist_ok=True)
    written: List[Path] = []
    for item in _unique(items):
        name = binary_file_name(item.metadata)
        if item.binary:
            payload = bytes(item.binary)

            def write_data(handle: Any, p: bytes = payload) -> None:
                handle.write(p)

            write_atomic(data_dir / name, write_data, binary=True)
        document = json.dumps(metadata_to_json(item.metadata), indent=2, sort_keys=True)

        def write_metadata(handle: Any, d: str = document) -> None:
            handle.write(d + "\n")

        write_atomic(meta_dir / f"{name}.json", write_metadata)
        written.append(data_dir / name)
    return written


def _unique(items: Iterable[Any]) -> Iterator[Any]:
    seen = set()
    for item in items:
        key = binary_file_name(item.metadata)
        if key in seen:
            continue
        seen.add(key)
        yield item


__all__ = [
    "check_dest_dir",
    "check_dest_file",
    "read_jsonl",
    "safe_file_name",
    "write_atomic",
    "write_binary_dir",
    "write_jsonl",
]
