"""Rows <-> protobuf messages, and the binary-id rules of the local server.

Binary data ids are ``"<organization_id>/<location_id>/<file_id>"``: they contain
slashes on purpose, so client code that (wrongly) treats them as path-safe or parses
them is caught early (users.md §2.8). The deprecated ``BinaryID{file_id,
organization_id, location_id}`` names the same item.
"""

from __future__ import annotations

import json
import pathlib
import sqlite3
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from viam_data_sync._convert import Struct, dict_to_struct, ns_to_timestamp, params_to_any_map
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync.server._rpc import Scope, invalid, not_found
from viam_data_sync.server.store import binary
from viam_data_sync.server.store.binary import BinaryRef, Extras


def make_binary_data_id(organization_id: str, location_id: str, file_id: str) -> str:
    return f"{organization_id}/{location_id}/{file_id}"


def refs_from(
    binary_data_ids: Iterable[str], binary_ids: Iterable[Any], *, required: bool = True
) -> List[BinaryRef]:
    """Validate and collect ids from the string and deprecated ``BinaryID`` fields."""
    refs: List[BinaryRef] = []
    for value in binary_data_ids:
        refs.append(ref_from_string(value))
    for item in binary_ids:
        refs.append(ref_from_binary_id(item))
    if required and not refs:
        raise invalid("no binary data ids given (binary_data_ids or binary_ids)")
    return list(dict.fromkeys(refs))


def ref_from_string(value: str) -> BinaryRef:
    parts = value.split("/")
    if len(parts) != 3 or not all(parts):
        raise invalid(f"malformed binary_data_id {value[:200]!r} (expected '<org>/<location>/<file id>')")
    return BinaryRef(binary_data_id=value)


def ref_from_binary_id(item: Any) -> BinaryRef:
    if not item.file_id or not item.organization_id or not item.location_id:
        raise invalid("a BinaryID needs file_id, organization_id and location_id")
    return BinaryRef(file_id=item.file_id, organization_id=item.organization_id, location_id=item.location_id)


def single_ref(binary_data_id: str, binary_id: Any, has_binary_id: bool) -> BinaryRef:
    if binary_data_id:
        return ref_from_string(binary_data_id)
    if has_binary_id:
        return ref_from_binary_id(binary_id)
    raise invalid("binary_data_id is required")


def lookup(conn: sqlite3.Connection, ref: BinaryRef, scope: Scope) -> Optional[sqlite3.Row]:
    """The row for ``ref``, or None when absent or outside the caller's organizations."""
    row = binary.lookup(conn, ref)
    if row is None or (scope is not None and row["organization_id"] not in scope):
        return None
    return row


def resolve(
    conn: sqlite3.Connection, refs: Sequence[BinaryRef], scope: Scope, *, missing_ok: bool
) -> List[sqlite3.Row]:
    """Rows for ``refs`` in order; NOT_FOUND for the first missing one unless ``missing_ok``."""
    rows: List[sqlite3.Row] = []
    seen = set()
    for ref in refs:
        row = lookup(conn, ref, scope)
        if row is None:
            if missing_ok:
                continue
            raise not_found(f"binary data {ref.label()[:200]} not found")
        if row["id"] not in seen:
            seen.add(row["id"])
            rows.append(row)
    return rows


# ---------------------------------------------------------------- to protobuf
def load_extras(conn: sqlite3.Connection, ids: Sequence[int]) -> Dict[int, Extras]:
    """Tags, boxes, classifications and datasets of each item of ``ids``."""
    return binary.extras(conn, ids)


def capture_metadata(row: sqlite3.Row, tags: Sequence[str]) -> Any:
    meta = data_pb2.CaptureMetadata(
        organization_id=row["organization_id"],
        location_id=row["location_id"],
        robot_name=row["robot_name"],
        robot_id=row["robot_id"],
        part_name=row["part_name"],
        part_id=row["part_id"],
        component_type=row["component_type"],
        component_name=row["component_name"],
        method_name=row["method_name"],
        tags=list(tags),
        mime_type=row["mime_type"],
    )
    for key, value in params_to_any_map(json.loads(row["method_parameters"])).items():
        meta.method_parameters[key].CopyFrom(value)
    return meta


def blob_uri(path: str) -> str:
    return pathlib.Path(path).resolve().as_uri()


def binary_metadata(row: sqlite3.Row, extras: Extras, uri: str) -> Any:
    meta = data_pb2.BinaryMetadata(
        id=row["file_id"],
        capture_metadata=capture_metadata(row, extras.tags),
        time_received=ns_to_timestamp(row["time_received_ns"]),
        file_name=row["file_name"],
        file_ext=row["file_ext"],
        uri=uri,
        dataset_ids=extras.dataset_ids,
        binary_data_id=row["binary_data_id"],
        file_size_bytes=row["size_bytes"],
    )
    if row["time_requested_ns"] is not None:
        meta.time_requested.CopyFrom(ns_to_timestamp(row["time_requested_ns"]))
    for bb in extras.bboxes:
        box = meta.annotations.bboxes.add(
            id=bb["id"],
            label=bb["label"],
            x_min_normalized=bb["x_min"],
            y_min_normalized=bb["y_min"],
            x_max_normalized=bb["x_max"],
            y_max_normalized=bb["y_max"],
        )
        if bb["confidence"] is not None:
            box.confidence = bb["confidence"]
    for cl in extras.classifications:
        item = meta.annotations.classifications.add(id=cl["id"], label=cl["label"])
        if cl["confidence"] is not None:
            item.confidence = cl["confidence"]
    return meta


def reading_capture_key(row: sqlite3.Row) -> Tuple[Any, ...]:
    return tuple(
        row[c]
        for c in (
            "organization_id",
            "location_id",
            "robot_name",
            "robot_id",
            "part_name",
            "part_id",
            "component_type",
            "component_name",
            "method_name",
            "method_parameters",
            "tags",
            "mime_type",
        )
    )


def reading_capture_metadata(row: sqlite3.Row) -> Any:
    return capture_metadata(row, json.loads(row["tags"]))


def reading_struct(row: sqlite3.Row) -> Any:
    blob = row["data_pb"] if "data_pb" in row.keys() else None
    if blob is not None:
        return Struct.FromString(blob)
    return dict_to_struct(json.loads(row["data"]))
