"""Datasets in the store (table ``datasets``; members in ``binary.py`` and
``sequences.py``)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence


@dataclass(frozen=True)
class Dataset:
    """One dataset (a row of ``datasets``)."""

    id: str
    name: str
    organization_id: str
    time_created_ns: int
    type: int

    @classmethod
    def of(cls, row: sqlite3.Row) -> "Dataset":
        return cls(row["id"], row["name"], row["organization_id"], row["time_created_ns"], row["type"])


def get(conn: sqlite3.Connection, dataset_id: str) -> Optional[Dataset]:
    row = conn.execute("SELECT * FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
    return None if row is None else Dataset.of(row)


def organization_of(conn: sqlite3.Connection, dataset_id: str) -> Optional[str]:
    """The organization a dataset belongs to, or None if there is no such dataset."""
    row = conn.execute("SELECT organization_id FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
    return None if row is None else str(row[0])


def name_taken(conn: sqlite3.Connection, organization_id: str, name: str) -> bool:
    return conn.execute("SELECT 1 FROM datasets WHERE organization_id = ? AND name = ?",
                        (organization_id, name)).fetchone() is not None


def insert(conn: sqlite3.Connection, dataset_id: str, name: str, organization_id: str, kind: int, now: int) -> None:
    conn.execute("INSERT INTO datasets (id, name, organization_id, time_created_ns, type) VALUES (?, ?, ?, ?, ?)",
                 (dataset_id, name, organization_id, now, kind))


def delete(conn: sqlite3.Connection, dataset_id: str) -> None:
    conn.execute("DELETE FROM datasets WHERE id = ?", (dataset_id,))


def rename(conn: sqlite3.Connection, dataset_id: str, name: str) -> None:
    conn.execute("UPDATE datasets SET name = ? WHERE id = ?", (name, dataset_id))


def of_organization(conn: sqlite3.Connection, organization_id: str, kind: Optional[int] = None) -> List[Dataset]:
    """An organization's datasets (of type ``kind`` if given), oldest first."""
    sql = "SELECT * FROM datasets WHERE organization_id = ?"
    params: List[Any] = [organization_id]
    if kind is not None:
        sql += " AND type = ?"
        params.append(kind)
    return [Dataset.of(row) for row in conn.execute(sql + " ORDER BY time_created_ns, id", params)]


def copy_members(conn: sqlite3.Connection, target: str, sources: Sequence[str]) -> None:
    """Add every binary member of ``sources`` to dataset ``target``."""
    marks = ", ".join("?" for _ in sources)
    conn.execute(f"INSERT OR IGNORE INTO dataset_members (dataset_id, binary_id) "
                 f"SELECT ?, binary_id FROM dataset_members WHERE dataset_id IN ({marks})", [target, *sources])
