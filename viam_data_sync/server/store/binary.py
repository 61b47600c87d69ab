"""Binary data in the store: items, their tags, bounding boxes, classifications and
dataset memberships (tables ``binary_data``, ``binary_tags``, ``bounding_boxes``,
``classifications``, ``dataset_members``).

Functions take the connection of the caller's transaction (``Store.write()`` or
``Store.conn()``), so a service can combine several in one all-or-nothing write.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence

from viam_data_sync.server.store._ids import PartInfo, new_id, now_ns
from viam_data_sync.server.store.filters import BINARY, Where, scoped_orgs_sql

Row = sqlite3.Row


@dataclass(frozen=True)
class BinaryRef:
    """One way a request names a binary item."""

    binary_data_id: Optional[str] = None
    file_id: Optional[str] = None
    organization_id: Optional[str] = None
    location_id: Optional[str] = None

    def label(self) -> str:
        return self.binary_data_id if self.binary_data_id is not None else f"file_id {self.file_id}"


@dataclass
class Extras:
    """What is attached to one binary item."""

    tags: List[str] = field(default_factory=list)
    bboxes: List[Row] = field(default_factory=list)
    classifications: List[Row] = field(default_factory=list)
    dataset_ids: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class NewBinary:
    """The columns of a binary item being recorded (see :func:`insert_item`)."""

    binary_data_id: str
    file_id: str
    part: PartInfo
    component_type: str
    component_name: str
    method_name: str
    method_parameters: str
    mime_type: str
    file_name: str
    file_ext: str
    size_bytes: int
    time_requested_ns: Optional[int]
    time_received_ns: int


@dataclass(frozen=True)
class Box:
    """A bounding box's label, normalized corners and confidence."""

    label: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float
    confidence: Optional[float]


def chunks(ids: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    """``ids`` in slices small enough for one ``IN (...)``."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


# ---------------------------------------------------------------- items
def lookup(conn: sqlite3.Connection, ref: BinaryRef) -> Optional[Row]:
    """The item ``ref`` names (a deprecated BinaryID must match its organization and
    location too), or None."""
    if ref.binary_data_id is not None:
        row = conn.execute("SELECT * FROM binary_data WHERE binary_data_id = ?", (ref.binary_data_id,)).fetchone()
    else:
        row = conn.execute("SELECT * FROM binary_data WHERE file_id = ?", (ref.file_id,)).fetchone()
        if row is not None and (row["organization_id"] != ref.organization_id or row["location_id"] != ref.location_id):
            row = None
    found: Optional[Row] = row
    return found


def file_exists(conn: sqlite3.Connection, file_id: str) -> bool:
    """Whether an item with blob ``file_id`` is recorded."""
    return conn.execute("SELECT 1 FROM binary_data WHERE file_id = ?", (file_id,)).fetchone() is not None


def all_file_ids(conn: sqlite3.Connection) -> List[str]:
    """The blob file id of every recorded item."""
    return [row[0] for row in conn.execute("SELECT file_id FROM binary_data")]


def insert_item(conn: sqlite3.Connection, item: NewBinary) -> int:
    """Record an item; returns its row id."""
    cur = conn.execute(
        """INSERT INTO binary_data (binary_data_id, file_id, organization_id, location_id,
           robot_id, robot_name, part_id, part_name, component_type, component_name, method_name,
           method_parameters, mime_type, file_name, file_ext, size_bytes, time_requested_ns,
           time_received_ns, time_uploaded_ns) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
        (item.binary_data_id, item.file_id, item.part.organization_id, item.part.location_id, item.part.robot_id,
         item.part.robot_name, item.part.part_id, item.part.part_name, item.component_type, item.component_name,
         item.method_name, item.method_parameters, item.mime_type, item.file_name, item.file_ext,
         item.size_bytes, item.time_requested_ns, item.time_received_ns, now_ns()),
    )
    row_id = cur.lastrowid
    assert row_id is not None  # an INSERT just ran on this cursor
    return row_id


def delete_items(conn: sqlite3.Connection, ids: Sequence[int]) -> List[str]:
    """Delete items (and, by cascade, what is attached); returns their blob file ids."""
    file_ids: List[str] = []
    for chunk in chunks(list(ids)):
        marks = _marks(chunk)
        file_ids.extend(r[0] for r in conn.execute(f"SELECT file_id FROM binary_data WHERE id IN ({marks})", chunk))
        conn.execute(f"DELETE FROM binary_data WHERE id IN ({marks})", chunk)
    return file_ids


def extras(conn: sqlite3.Connection, ids: Sequence[int]) -> Dict[int, Extras]:
    """Tags, boxes, classifications and datasets of each item of ``ids``."""
    out: Dict[int, Extras] = {i: Extras() for i in ids}
    for chunk in chunks(list(ids)):
        marks = _marks(chunk)
        for r in conn.execute(
            f"SELECT binary_id, tag FROM binary_tags WHERE binary_id IN ({marks}) ORDER BY binary_id, tag", chunk
        ):
            out[r[0]].tags.append(r[1])
        for r in conn.execute(f"SELECT * FROM bounding_boxes WHERE binary_id IN ({marks}) ORDER BY seq", chunk):
            out[r["binary_id"]].bboxes.append(r)
        for r in conn.execute(f"SELECT * FROM classifications WHERE binary_id IN ({marks}) ORDER BY seq", chunk):
            out[r["binary_id"]].classifications.append(r)
        for r in conn.execute(
            f"SELECT binary_id, dataset_id FROM dataset_members WHERE binary_id IN ({marks}) ORDER BY dataset_id",
            chunk,
        ):
            out[r[0]].dataset_ids.append(r[1])
    return out


# ---------------------------------------------------------------- tags
def add_tags(conn: sqlite3.Connection, ids: Sequence[int], tags: Sequence[str]) -> None:
    conn.executemany("INSERT OR IGNORE INTO binary_tags (binary_id, tag) VALUES (?, ?)",
                     [(i, t) for i in ids for t in tags])


def remove_tags(conn: sqlite3.Connection, ids: Sequence[int], tags: Sequence[str]) -> int:
    """Removes ``tags``; returns how many items lost at least one tag."""
    touched = 0
    marks = _marks(tags)
    for binary_id in ids:
        cur = conn.execute(f"DELETE FROM binary_tags WHERE binary_id = ? AND tag IN ({marks})",
                           [binary_id] + list(tags))
        touched += cur.rowcount > 0
    return touched


def distinct_tags(conn: sqlite3.Connection, where: Where) -> List[str]:
    """Every tag of the items ``where`` matches, sorted."""
    return _distinct(conn, where, "SELECT DISTINCT bt.tag FROM binary_tags bt "
                     "JOIN binary_data t ON t.id = bt.binary_id WHERE {where} ORDER BY bt.tag")


def distinct_box_labels(conn: sqlite3.Connection, where: Where) -> List[str]:
    """Every bounding box label of the items ``where`` matches, sorted."""
    return _distinct(conn, where, "SELECT DISTINCT b.label FROM bounding_boxes b "
                     "JOIN binary_data t ON t.id = b.binary_id WHERE {where} ORDER BY b.label")


def _distinct(conn: sqlite3.Connection, where: Where, sql: str) -> List[str]:
    if where.nothing or (where.orgs is not None and not where.orgs):
        return []
    org_sql, org_params = scoped_orgs_sql(where)
    return [r[0] for r in conn.execute(sql.format(where=org_sql + where.sql()), org_params + where.params)]


# ---------------------------------------------------------------- annotations
def insert_box(conn: sqlite3.Connection, binary_id: int, box: Box, seq: Optional[int] = None) -> str:
    """Attach a bounding box; returns its id."""
    bbox_id = new_id()
    conn.execute(
        "INSERT INTO bounding_boxes (id, binary_id, label, x_min, y_min, x_max, y_max, confidence, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (bbox_id, binary_id, box.label, box.x_min, box.y_min, box.x_max, box.y_max, box.confidence,
         now_ns() if seq is None else seq),
    )
    return bbox_id


def get_box(conn: sqlite3.Connection, binary_id: int, bbox_id: str) -> Optional[Row]:
    row: Optional[Row] = conn.execute("SELECT * FROM bounding_boxes WHERE id = ? AND binary_id = ?",
                                      (bbox_id, binary_id)).fetchone()
    return row


def delete_box(conn: sqlite3.Connection, bbox_id: str) -> None:
    conn.execute("DELETE FROM bounding_boxes WHERE id = ?", (bbox_id,))


def update_box(conn: sqlite3.Connection, bbox_id: str, box: Box) -> None:
    conn.execute("UPDATE bounding_boxes SET label = ?, x_min = ?, y_min = ?, x_max = ?, y_max = ?, confidence = ? "
                 "WHERE id = ?", (box.label, box.x_min, box.y_min, box.x_max, box.y_max, box.confidence, bbox_id))


def insert_classification(conn: sqlite3.Connection, binary_id: int, label: str, confidence: Optional[float],
                          seq: int) -> str:
    item_id = new_id()
    conn.execute("INSERT INTO classifications (id, binary_id, label, confidence, seq) VALUES (?, ?, ?, ?, ?)",
                 (item_id, binary_id, label, confidence, seq))
    return item_id


# ---------------------------------------------------------------- dataset membership
def add_to_dataset(conn: sqlite3.Connection, dataset_id: str, ids: Sequence[int]) -> None:
    conn.executemany("INSERT OR IGNORE INTO dataset_members (dataset_id, binary_id) VALUES (?, ?)",
                     [(dataset_id, i) for i in ids])


def remove_from_dataset(conn: sqlite3.Connection, dataset_id: str, ids: Sequence[int]) -> None:
    conn.executemany("DELETE FROM dataset_members WHERE dataset_id = ? AND binary_id = ?",
                     [(dataset_id, i) for i in ids])


def items_where(conn: sqlite3.Connection, where_sql: str, params: Sequence[Any],
                limit: Optional[int] = None) -> List[Row]:
    """Items matching an SQL condition built by the store's callers from fixed column
    names (``where_sql``), in insertion order."""
    sql = f"SELECT * FROM {BINARY} WHERE {where_sql} ORDER BY id"
    args: List[Any] = list(params)
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    return list(conn.execute(sql, args).fetchall())

