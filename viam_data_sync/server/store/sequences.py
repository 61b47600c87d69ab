"""Sequences in the store (tables ``sequences`` and ``sequence_datasets``): time windows
over some resources of one part, kept in sequence datasets."""

from __future__ import annotations

import sqlite3
from typing import Any, Dict, List, Optional, Sequence, Tuple

from viam_data_sync.server.store import binary

Row = sqlite3.Row

DDL = """
CREATE TABLE IF NOT EXISTS sequences (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,   -- creation order, the page position
    id TEXT NOT NULL UNIQUE, organization_id TEXT NOT NULL, part_id TEXT NOT NULL,
    resources TEXT NOT NULL,                 -- JSON [[resource_name, method_name], ...]
    tags TEXT NOT NULL,                      -- JSON array of strings
    start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,
    created_ns INTEGER NOT NULL, updated_ns INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sequences_org ON sequences (organization_id, seq);
CREATE TABLE IF NOT EXISTS sequence_datasets (
    dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    sequence_id TEXT NOT NULL REFERENCES sequences(id) ON DELETE CASCADE,
    added INTEGER NOT NULL,
    PRIMARY KEY (dataset_id, sequence_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sequence_datasets_sequence ON sequence_datasets (sequence_id, dataset_id);
"""

#: Columns :func:`update` may set.
COLUMNS = frozenset({"resources", "tags", "start_ns", "end_ns", "updated_ns"})


def insert(conn: sqlite3.Connection, sequence_id: str, organization_id: str, part_id: str, resources: str,
           tags: str, start_ns: int, end_ns: int, now: int) -> None:
    conn.execute(
        "INSERT INTO sequences (id, organization_id, part_id, resources, tags, start_ns, end_ns, "
        "created_ns, updated_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (sequence_id, organization_id, part_id, resources, tags, start_ns, end_ns, now, now))


def update(conn: sqlite3.Connection, sequence_id: str, changes: Dict[str, Any]) -> None:
    """Set ``changes`` (column -> value; columns of :data:`COLUMNS` only)."""
    unknown = set(changes) - COLUMNS
    if unknown:
        raise ValueError(f"not a sequence column: {sorted(unknown)}")
    assignments = ", ".join(f"{column} = ?" for column in changes)
    conn.execute(f"UPDATE sequences SET {assignments} WHERE id = ?", [*changes.values(), sequence_id])


def delete(conn: sqlite3.Connection, sequence_id: str) -> None:
    conn.execute("DELETE FROM sequences WHERE id = ?", (sequence_id,))


def dataset_ids(conn: sqlite3.Connection, sequence_id: str) -> List[str]:
    """The datasets holding a sequence, in the order it was added to them."""
    return [r[0] for r in conn.execute(
        "SELECT dataset_id FROM sequence_datasets WHERE sequence_id = ? ORDER BY added, dataset_id", (sequence_id,))]


def page_of_organization(conn: sqlite3.Connection, organization_id: str, after: int, limit: int) -> List[Row]:
    """Up to ``limit`` of an organization's sequences after position ``after``."""
    return list(conn.execute("SELECT * FROM sequences WHERE organization_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                             (organization_id, after, limit)).fetchall())


_IN_DATASET = "FROM sequences s JOIN sequence_datasets d ON d.sequence_id = s.id WHERE d.dataset_id = ?"


def count_in_dataset(conn: sqlite3.Connection, dataset_id: str) -> int:
    return int(conn.execute(f"SELECT count(*) {_IN_DATASET}", (dataset_id,)).fetchone()[0])


def page_of_dataset(conn: sqlite3.Connection, dataset_id: str, after: int, limit: int) -> List[Row]:
    """Up to ``limit`` of a dataset's sequences after position ``after``."""
    return list(conn.execute(f"SELECT s.* {_IN_DATASET} AND s.seq > ? ORDER BY s.seq LIMIT ?",
                             (dataset_id, after, limit)).fetchall())


def add_to_dataset(conn: sqlite3.Connection, dataset_id: str, sequence_ids: Sequence[str], now: int) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO sequence_datasets (dataset_id, sequence_id, added) VALUES (?, ?, ?)",
        [(dataset_id, sequence_id, now + i) for i, sequence_id in enumerate(sequence_ids)])


def remove_from_dataset(conn: sqlite3.Connection, dataset_id: str, sequence_ids: Sequence[str]) -> None:
    conn.executemany("DELETE FROM sequence_datasets WHERE dataset_id = ? AND sequence_id = ?",
                     [(dataset_id, sequence_id) for sequence_id in sequence_ids])


def in_dataset(conn: sqlite3.Connection, dataset_id: str) -> List[Row]:
    """A dataset's sequences, in creation order."""
    return list(conn.execute(f"SELECT s.* {_IN_DATASET} ORDER BY s.seq", (dataset_id,)).fetchall())


def _binary_where(row: Row) -> Tuple[str, List[Any]]:
    # The resources go in as one JSON parameter (json_each), so any number of them makes
    # one fixed-size condition.
    sql = ("organization_id = ? AND part_id = ? AND time_received_ns BETWEEN ? AND ? "
           "AND EXISTS (SELECT 1 FROM json_each(?) AS r WHERE json_extract(r.value, '$[0]') = component_name "
           "AND json_extract(r.value, '$[1]') IN ('', method_name))")
    return sql, [row["organization_id"], row["part_id"], row["start_ns"], row["end_ns"], row["resources"]]


def binary_items(conn: sqlite3.Connection, sequence: Row, after_id: Optional[int] = None,
                 limit: Optional[int] = None) -> List[Row]:
    """A sequence's binary data, in upload order: every binary item of its part whose
    component is one of its resources (and method the resource's ``method_name``, when
    one is given) received within ``[start, end]``; after row ``after_id``, at most ``limit``."""
    where, params = _binary_where(sequence)
    if after_id is not None:
        where += " AND id > ?"
        params.append(after_id)
    return binary.items_where(conn, where, params, limit)
