"""Writing query results to ``dest=``: real formats, atomically, raising on failure.

* Tabular rows: a JSON Lines file, one object per row (``TabularData.to_dict()``,
  i.e. :func:`~viam_data_sync._models.tabular_record`), encoded by :func:`jsonl_line`:
  the same bytes the CLI's ``export tabular --format jsonl`` writes for the same rows.
* Binary data: the names and metadata documents of the layout of ``viam data export
  binary`` (``DIR/data/<name>``, ``DIR/metadata/<name>.json``, named by
  :func:`export_name`), which :mod:`viam_data_sync._binary_export` writes.

Every file is written through :func:`viam_data_sync._atomic.write_atomic` (a unique
temporary file beside it, fsynced, renamed over the final name), so a reader or a
crash never sees a partial file under the final name. Any failure raises
(``OSError`` and friends) after removing the temporary file. The official SDK writes
a Python repr, never closes the file, and only logs errors.
"""

from __future__ import annotations

import base64
import gzip
import datetime as _dt
import hashlib
import json
import logging
import os
import posixpath
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Set, Tuple

from google.protobuf import json_format

from viam_data_sync._atomic import PathLike, write_atomic
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
    """A single-component local name for one binary item: its sanitized id plus its
    extension (``download_binary_data`` into a directory)."""
    identity = metadata.binary_data_id or metadata.id or metadata.file_name or "unnamed"
    return safe_file_name(identity) + _extension(metadata.file_ext)


# The export layout of ``viam data export binary`` (viamrobotics/rdk ``cli/data.go``,
# ``filenameForDownload`` and the download that uses it), restated:
#   * the name is the uploaded ``file_name``; a name without a directory is prefixed
#     with ``<time_requested>_`` (RFC 3339, nanoseconds without trailing zeros, UTC as
#     ``Z``) so files sort by time; a name with directories is kept as it is; no name
#     at all (a capture) becomes ``<time_requested>_<id><file_ext>``;
#   * ``/.viam/capture/`` is removed from the name (else it would be hidden);
#   * one trailing ``.gz`` is removed, and a ``.gz`` item (``file_ext == ".gz"``) is
#     written gunzipped;
#   * the reserved character ``:`` becomes ``_``;
#   * the data file is ``data/<name>``, plus ``file_ext`` when the name does not end
#     with it (never for ``.gz``); the metadata is ``metadata/<name>.json``, the
#     ``BinaryMetadata`` as protojson with ``fileName`` set to ``<name>``.
# One addition of ours: the name is always kept inside the export directory, whatever
# the server sends (``..`` cannot climb out, a leading ``/`` is dropped).
_GZ = ".gz"
_CAPTURE_DIR = "/.viam/capture/"
_RESERVED = ":"


def rfc3339_nano(timestamp: Any) -> str:
    """A ``Timestamp`` as Go's ``time.RFC3339Nano`` in UTC (an unset one is the epoch).

    Example::

        rfc3339_nano(Timestamp(seconds=0, nanos=500_000_000))  # '1970-01-01T00:00:00.5Z'
    """
    seconds, nanos = int(timestamp.seconds), int(timestamp.nanos)
    moment = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(seconds=seconds)
    fraction = f"{nanos:09d}".rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def _go_ext(name: str) -> str:
    """Go's ``filepath.Ext``: from the last dot of the last element (a leading dot too)."""
    last = name.rsplit("/", 1)[-1]
    dot = last.rfind(".")
    return last[dot:] if dot >= 0 else ""


def _has_directory(name: str) -> bool:
    """Go's ``filepath.Dir(name) != "."``: the name, cleaned, has a directory part."""
    return posixpath.normpath(posixpath.dirname(name) or ".") != "."


def _inside(name: str) -> str:
    """``name`` as a relative POSIX path that cannot leave its root (``..`` stops at it;
    on Windows a backslash is a separator too)."""
    if os.sep != "/":
        name = name.replace(os.sep, "/")
    cleaned = posixpath.normpath("/" + name).lstrip("/")
    return "" if cleaned in ("", ".") else cleaned


# Names that always export (ours, past the Viam CLI's rules), applied to each component
# of a name, so that no file system refuses it and a rerun can always finish:
#   * NUL, the other control characters and ``<>"\|?*`` become ``_``, and so does a
#     trailing ``.`` or space;
#   * a Windows reserved name (``CON``, ``PRN``, ``AUX``, ``NUL``, ``COM1``-``COM9``,
#     ``LPT1``-``LPT9``, any case, any extension) gets a leading ``_``;
#   * a component over :data:`_MAX_COMPONENT_BYTES` bytes (UTF-8) is cut, keeping its
#     extension, with ``~`` and 12 hex digits of the SHA-256 of the whole component
#     before the extension;
#   * a whole name over :data:`_MAX_PATH_BYTES` bytes keeps only its last component,
#     prefixed with 12 hex digits of the SHA-256 of the whole name and ``~``.
#: The longest component of an export name, in UTF-8 bytes (room left under the usual
#: 255 for ``file_ext`` and ``.json``).
_MAX_COMPONENT_BYTES = 200
#: The most bytes a file system takes in one path component.
_MAX_FS_COMPONENT_BYTES = 255
#: The longest export name, in UTF-8 bytes (well under PATH_MAX with the folder it is in).
_MAX_PATH_BYTES = 1024
_REFUSED = frozenset(chr(code) for code in range(32)) | frozenset('\x7f<>"\\|?*')
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{kind}{n}" for kind in ("COM", "LPT") for n in range(1, 10)]
)


def short_hash(text: str) -> str:
    """12 hex digits of the SHA-256 of ``text`` (a deterministic, short suffix)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _utf8_cut(text: str, limit: int) -> str:
    """The longest prefix of ``text`` within ``limit`` UTF-8 bytes (whole characters)."""
    return text.encode("utf-8", "surrogatepass")[:limit].decode("utf-8", "ignore")


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _shorten(component: str, limit: int) -> str:
    """``component`` cut to ``limit`` UTF-8 bytes, keeping its (short) extension, with a
    hash of the whole component: ``<start>~<hash><ext>``."""
    if _nbytes(component) <= limit:
        return component
    ext = _go_ext(component)
    if ext == component or _nbytes(ext) > 32:
        ext = ""
    tag = "~" + short_hash(component)
    return _utf8_cut(component[: len(component) - len(ext)], limit - len(tag) - _nbytes(ext)) + tag + ext


def safe_component(component: str, limit: int = _MAX_COMPONENT_BYTES) -> str:
    """One component of an export name in a form every file system takes (the rules
    above ``_MAX_COMPONENT_BYTES``).

    Example::

        safe_component("NUL.txt")  # '_NUL.txt'
        safe_component("a\\x00b")  # 'a_b'
    """
    mapped = "".join("_" if ch in _REFUSED else ch for ch in component)
    if mapped.endswith((".", " ")):
        mapped = mapped[:-1] + "_"
    if mapped.split(".", 1)[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        mapped = "_" + mapped
    return _shorten(mapped, limit)


def safe_export_name(name: str) -> str:
    """``name`` (a relative POSIX path) with each component :func:`safe_component`, and
    a name too long as a whole reduced to its last component, prefixed with a hash."""
    safe = "/".join(safe_component(part) for part in name.split("/"))
    if _nbytes(safe) > _MAX_PATH_BYTES:
        last = safe.rsplit("/", 1)[-1]
        safe = _shorten(f"{short_hash(name)}~{last}", _MAX_COMPONENT_BYTES)
    return safe


def _suffixed(name: str, metadata: Any, attempt: int) -> str:
    """``name`` with ``~<hash of the binary data id>`` (and ``-<attempt>`` after the
    first) before the extension of its last component."""
    folder, _, last = name.rpartition("/")
    ext = _go_ext(last)
    if ext == last:
        ext = ""
    suffix = f"~{short_hash(metadata.binary_data_id or metadata.id)}" + (f"-{attempt}" if attempt else "")
    last = _utf8_cut(last[: len(last) - len(ext)], _MAX_COMPONENT_BYTES - _nbytes(suffix) - _nbytes(ext))
    return f"{folder}/{last}{suffix}{ext}" if folder else f"{last}{suffix}{ext}"


def unique_export_name(metadata: Any, taken: Set[str]) -> str:
    """:func:`export_name` of ``metadata``, made unique among the names in ``taken``
    (which it joins, with its data file's name): an item whose name or data file name
    an earlier item has gets ``~`` and 12 hex digits of the SHA-256 of its binary data
    id before its extension, so two items never share a file and, listed in the same
    order, get the same names on every run.

    Example::

        taken: Set[str] = set()
        unique_export_name(first, taken)   # 'trip/a.png'
        unique_export_name(second, taken)  # 'trip/a~3f2c0e9a1b7d.png'
    """
    name = candidate = export_name(metadata)
    attempt = 0
    while candidate in taken or export_data_name(metadata, candidate) in taken:
        candidate = _suffixed(name, metadata, attempt)
        attempt += 1
    taken.update((candidate, export_data_name(metadata, candidate)))
    return candidate


def export_name(metadata: Any) -> str:
    """The name of one binary item in an export, as ``viam data export binary`` gives it:
    a relative POSIX path, the same under ``data/`` and (plus ``.json``) ``metadata/``.

    Example::

        export_name(BinaryMetadata(id="f1", file_name="cam.png", time_requested=t))
        # '2026-01-02T03_04_05Z_cam.png'
    """
    stamp = rfc3339_nano(metadata.time_requested)
    identity = metadata.id or safe_file_name(metadata.binary_data_id)  # ``id`` as the Viam CLI; else all of the id
    name = metadata.file_name
    if not name:
        name = f"{stamp}_{identity}{metadata.file_ext}"
    elif not _has_directory(name):
        name = f"{stamp}_{name}"
    name = name.replace(_CAPTURE_DIR, "")
    if _go_ext(name) == _GZ:
        name = name[: -len(_GZ)]
    name = _inside(name.replace(_RESERVED, "_"))
    name = name or f"{stamp.replace(_RESERVED, '_')}_{safe_file_name(identity)}"  # e.g. a name "/"
    return safe_export_name(name)


def export_data_name(metadata: Any, name: str) -> str:
    """The data file's name for ``name`` (:func:`export_name`): ``file_ext`` added unless
    the name ends with it already or the item is gunzipped."""
    ext = metadata.file_ext
    if is_gzipped(metadata) or not ext or _go_ext(name) == ext:
        return name
    data_name = _inside(name + "".join("_" if ch in _REFUSED or ch == _RESERVED else ch for ch in ext)) or name
    folder, _, last = data_name.rpartition("/")
    last = _shorten(last, _MAX_FS_COMPONENT_BYTES)
    return f"{folder}/{last}" if folder else last


def is_gzipped(metadata: Any) -> bool:
    """Whether the item is written gunzipped (its ``file_ext`` is ``.gz``)."""
    return bool(metadata.file_ext == _GZ)


#: A ``.gz`` item is unpacked to at most this many times its packed size (and never less
#: than :data:`GUNZIP_FLOOR_BYTES`); past it, the item is not written (a gzip bomb).
GUNZIP_MAX_RATIO = 100
GUNZIP_FLOOR_BYTES = 64 * 1024 * 1024
_GUNZIP_BLOCK = 1024 * 1024


class GunzipTooLarge(ValueError):
    """A ``.gz`` item unpacks to more than the limit (:func:`gunzip_limit`)."""


def gunzip_limit(packed_size: int) -> int:
    """The most bytes a ``.gz`` item of ``packed_size`` bytes may unpack to."""
    return max(GUNZIP_FLOOR_BYTES, GUNZIP_MAX_RATIO * max(0, int(packed_size)))


def gunzip_to(source: Any, out: Any, limit: int) -> int:
    """Unpack the gzip stream ``source`` (a binary file) into ``out`` one MiB at a time,
    in constant memory (one layer, as the Viam CLI does). Returns the bytes written.

    Raises:
        GunzipTooLarge: the unpacked data passes ``limit`` bytes.
    """
    written = 0
    with gzip.GzipFile(fileobj=source, mode="rb") as packed:
        while True:
            block = packed.read(_GUNZIP_BLOCK)
            if not block:
                return written
            written += len(block)
            if written > limit:
                raise GunzipTooLarge(f"unpacks to more than {limit} bytes (gzip bomb?); not written")
            out.write(block)


def export_metadata(metadata: Any, name: str) -> Dict[str, Any]:
    """The protojson of ``metadata`` as an export writes it: ``fileName`` is the name it
    was saved as, and a ``uri`` that is a path on the server's disk is dropped."""
    document = metadata_to_json(metadata)
    document["fileName"] = name
    uri = str(document.get("uri", ""))
    if uri.startswith("file:") or uri.startswith("/"):
        document.pop("uri")
    return document


def metadata_to_json(metadata: Any) -> Dict[str, Any]:
    """``BinaryMetadata`` (or any message) as protojson (camelCase keys), like the Viam
    CLI writes it; ``Any`` fields resolve in our private pool."""
    document: Dict[str, Any] = json_format.MessageToDict(metadata, descriptor_pool=POOL)
    return document


def metadata_document(metadata: Any, name: str) -> str:
    """The text of ``metadata/<name>.json``: :func:`export_metadata`, indented."""
    return json.dumps(export_metadata(metadata, name), indent=2) + "\n"


def export_paths(root: PathLike, metadata: Any) -> Tuple[Path, Path]:
    """``(data file, metadata file)`` of one item in the export at ``root``."""
    name = export_name(metadata)
    base = Path(root)
    return base / "data" / export_data_name(metadata, name), base / "metadata" / f"{name}.json"


__all__ = [
    "GunzipTooLarge",
    "check_dest_dir",
    "check_dest_file",
    "dumps",
    "export_metadata",
    "export_name",
    "export_paths",
    "json_default",
    "jsonl_line",
    "metadata_document",
    "read_jsonl",
    "safe_component",
    "safe_export_name",
    "safe_file_name",
    "short_hash",
    "unique_export_name",
    "write_jsonl",
]
