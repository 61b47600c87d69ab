"""Writing query results to ``dest=``: real formats, atomically, raising on failure.

* Tabular rows: a JSON Lines file, one object per row (``TabularData.to_dict()``,
  i.e. :func:`~viam_data_sync._models.tabular_record`), encoded by :func:`jsonl_line`:
  the same bytes the CLI's ``export tabular --format jsonl`` writes for the same rows.
* Binary data: a directory in the Viam CLI's export layout, ``DIR/data/<name>`` for
  the bytes and ``DIR/metadata/<name>.json`` for the ``BinaryMetadata`` (protojson,
  camelCase keys, as ``viam data export binary`` writes it).

Every file is written through :func:`viam_data_sync._atomic.write_atomic` (a unique
temporary file beside it, fsynced, renamed over the final name), so a reader or a
crash never sees a partial file under the final name. Any failure raises
(``OSError`` and friends) after removing the temporary file. The official SDK writes
a Python repr, never closes the file, and only logs errors.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping

from google.protobuf import json_format

from viam_data_sync._atomic import PathLike, write_atomic, write_bytes_atomic, write_text_atomic
from viam_data_sync._models import TABULAR_COLUMNS, iso_utc, sorted_keys
from viam_data_sync._proto._pool import POOL

LOGGER = logging.getLogger("viam_data_sync")

#: File names longer than this (in bytes) are shortened with a hash.
_MAX_NAME_BYTES = 200
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_COLUMN_RANK = {name: rank for rank, name in enumerate(TABULAR_COLUMNS)}


# ---------------------------------------------------------------------- JSON
def json_default(value: Any) -> Any:
    """``json.dumps`` fallback for what rows, SQL/MQL results and payloads may hold."""
    if isinstance(value, _dt.datetime):
        return iso_utc(value)
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if getattr(value, "DESCRIPTOR", None) is not None and hasattr(value, "SerializeToString"):
        return _message_to_dict(value)
    return str(value)  # ObjectId, Decimal128, UUID, ...


def _message_to_dict(message: Any) -> Dict[str, Any]:
    """Protojson (lowerCamelCase keys), resolving ``Any`` in our private pool."""
    try:
        return metadata_to_json(message)
    except Exception:  # an ``Any`` of a type the pool does not know: drop what cannot convert
        LOGGER.debug("protojson failed for %s", type(message).__name__, exc_info=True)
        return {"_message": type(message).__name__, "_text": str(message)}


def dumps(value: Any) -> str:
    """Compact JSON (keys in the order given, non-ASCII kept) for one output line.

    Example::

        dumps({"n": 1, "at": datetime.now(timezone.utc)})  # '{"n":1,"at":"2026-...Z"}'
    """
    return json.dumps(value, default=json_default, ensure_ascii=False, separators=(",", ":"))


def jsonl_line(record: Mapping[str, Any]) -> str:
    """One JSON Lines line for a record, in a canonical key order.

    The row columns come first in :data:`~viam_data_sync._models.TABULAR_COLUMNS`
    order, any other key after them by name, and the keys of nested objects sorted:
    a Struct's map has no order of its own (upb iterates it in an order that changes
    from process to process), so the same record always gives the same bytes.

    Example::

        jsonl_line({"data": {"b": 1, "a": 2}, "organization_id": "o"})
        # '{"organization_id":"o","data":{"a":2,"b":1}}\n'
    """
    keys = sorted(record, key=lambda key: (_COLUMN_RANK.get(key, len(_COLUMN_RANK)), str(key)))
    return dumps({str(key): sorted_keys(record[key]) for key in keys}) + "\n"


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


# ---------------------------------------------------------------------- files
def write_jsonl(path: PathLike, records: Iterable[Any]) -> int:
    """Write ``records`` (dicts) as JSON Lines at ``path``, atomically. Returns the count.

    Each line is :func:`jsonl_line` of its record, so files are repeatable whatever
    the order of a record's keys.
    """
    count = 0

    def write(handle: Any) -> None:
        nonlocal count
        for record in records:
            handle.write(jsonl_line(record))
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


def metadata_to_json(metadata: Any) -> Dict[str, Any]:
    """``BinaryMetadata`` (or any message) as protojson (camelCase keys), like the Viam
    CLI writes it; ``Any`` fields resolve in our private pool."""
    document: Dict[str, Any] = json_format.MessageToDict(metadata, descriptor_pool=POOL)
    return document


def metadata_document(metadata: Any) -> str:
    """The text of ``metadata/<name>.json``: :func:`metadata_to_json`, indented, keys sorted."""
    return json.dumps(metadata_to_json(metadata), indent=2, sort_keys=True) + "\n"


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
            write_bytes_atomic(data_dir / name, bytes(item.binary))
        write_text_atomic(meta_dir / f"{name}.json", metadata_document(item.metadata))
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
    "dumps",
    "json_default",
    "jsonl_line",
    "metadata_document",
    "read_jsonl",
    "safe_file_name",
    "write_binary_dir",
    "write_jsonl",
]
