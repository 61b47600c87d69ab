"""Saved MQL queries in the store (table ``saved_queries``)."""

from __future__ import annotations

import sqlite3
import json
from typing import Any, Dict, List, Optional, Sequence

Row = sqlite3.Row

DDL = """
CREATE TABLE IF NOT EXISTS saved_queries (
    id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, name TEXT NOT NULL,
    mql TEXT NOT NULL,                       -- JSON array of the BSON stages, hex
    created_ns INTEGER NOT NULL, updated_ns INTEGER NOT NULL,
    UNIQUE (organization_id, name));
"""


def name_taken(conn: sqlite3.Connection, organization_id: str, name: str) -> bool:
    return conn.execute("SELECT 1 FROM saved_queries WHERE organization_id = ? AND name = ?",
                        (organization_id, name)).fetchone() is not None


def stages_by_name(conn: sqlite3.Connection, organization_id: str, name: str) -> Optional[str]:
    """The stored stages (JSON) of an organization's query ``name``, or None."""
    row = conn.execute("SELECT mql FROM saved_queries WHERE organization_id = ? AND name = ?",
                       (organization_id, name)).fetchone()
    return None if row is None else str(row["mql"])


def insert(conn: sqlite3.Connection, query_id: str, organization_id: str, name: str, mql: str, now: int) -> None:
    conn.execute("INSERT INTO saved_queries (id, organization_id, name, mql, created_ns, updated_ns) "
                 "VALUES (?, ?, ?, ?, ?, ?)", (query_id, organization_id, name, mql, now, now))


def update(conn: sqlite3.Connection, query_id: str, name: str, mql: str, updated_ns: int) -> None:
    conn.execute("UPDATE saved_queries SET name = ?, mql = ?, updated_ns = ? WHERE id = ?",
                 (name, mql, updated_ns, query_id))


def delete(conn: sqlite3.Connection, query_id: str) -> None:
    conn.execute("DELETE FROM saved_queries WHERE id = ?", (query_id,))


def of_organization(conn: sqlite3.Connection, organization_id: str, limit: int) -> List[Row]:
    """An organization's queries, oldest first; ``limit`` 0: all."""
    return list(conn.execute("SELECT * FROM saved_queries WHERE organization_id = ? ORDER BY created_ns, id LIMIT ?",
                             (organization_id, limit or -1)).fetchall())


def stored_stages(text: str) -> List[Dict[str, Any]]:
    """The stages of an ``mql`` column."""
    import bson

    return [bson.decode(bytes.fromhex(item)) for item in json.loads(text)]


def store_stages(raw: Sequence[bytes]) -> str:
    return json.dumps([bytes(item).hex() for item in raw])
