"""Custom indexes in the store (table ``custom_indexes``) and the SQLite indexes on
``readings`` that serve the hot store's."""

from __future__ import annotations

import hashlib
import sqlite3
from typing import List, Optional, Sequence

Row = sqlite3.Row

DDL = """
CREATE TABLE IF NOT EXISTS custom_indexes (
    organization_id TEXT NOT NULL, collection_type INTEGER NOT NULL,
    pipeline_name TEXT NOT NULL,             -- '' for the hot store
    name TEXT NOT NULL, spec BLOB NOT NULL,  -- the BSON index_spec as sent
    sqlite_index TEXT,                       -- the SQLite index serving it, if any
    created_ns INTEGER NOT NULL,
    PRIMARY KEY (organization_id, collection_type, pipeline_name, name)) WITHOUT ROWID;
"""

_KEY = "organization_id = ? AND collection_type = ? AND pipeline_name = ?"


def get(conn: sqlite3.Connection, organization_id: str, kind: int, pipeline: str, name: str) -> Optional[Row]:
    row: Optional[Row] = conn.execute(f"SELECT * FROM custom_indexes WHERE {_KEY} AND name = ?",
                                      (organization_id, kind, pipeline, name)).fetchone()
    return row


def of_collection(conn: sqlite3.Connection, organization_id: str, kind: int, pipeline: str) -> List[Row]:
    return list(conn.execute(f"SELECT * FROM custom_indexes WHERE {_KEY} ORDER BY created_ns, name",
                             (organization_id, kind, pipeline)).fetchall())


def build_readings_index(conn: sqlite3.Connection, terms: Sequence[str]) -> str:
    """Create (once) the SQLite index on ``readings`` over ``terms`` (column or
    ``json_extract`` expressions with a direction, built by the caller from checked field
    paths); equal term lists share one index, named by their hash. Returns its name."""
    index = "custom_" + hashlib.sha256(", ".join(terms).encode()).hexdigest()[:24]
    conn.execute(f"CREATE INDEX IF NOT EXISTS {index} ON readings ({', '.join(terms)})")
    return index


def insert(conn: sqlite3.Connection, organization_id: str, kind: int, pipeline: str, name: str, spec: bytes,
           sqlite_index: Optional[str], now: int) -> None:
    conn.execute("INSERT INTO custom_indexes (organization_id, collection_type, pipeline_name, name, spec, "
                 "sqlite_index, created_ns) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (organization_id, kind, pipeline, name, spec, sqlite_index, now))


def delete(conn: sqlite3.Connection, row: Row) -> None:
    """Delete an index (a row of :func:`get`), and its SQLite index once no other uses it."""
    conn.execute(f"DELETE FROM custom_indexes WHERE {_KEY} AND name = ?",
                 (row["organization_id"], row["collection_type"], row["pipeline_name"], row["name"]))
    still_used = conn.execute("SELECT 1 FROM custom_indexes WHERE sqlite_index = ?", (row["sqlite_index"],)).fetchone()
    if row["sqlite_index"] and still_used is None:
        conn.execute(f"DROP INDEX IF EXISTS {row['sqlite_index']}")


def rename_pipeline(conn: sqlite3.Connection, organization_id: str, kind: int, old: str, new: str) -> None:
    """A pipeline sink's indexes follow its pipeline's new name."""
    conn.execute(f"UPDATE custom_indexes SET pipeline_name = ? WHERE {_KEY}", (new, organization_id, kind, old))


def delete_of_pipeline(conn: sqlite3.Connection, organization_id: str, kind: int, pipeline: str) -> None:
    conn.execute(f"DELETE FROM custom_indexes WHERE {_KEY}", (organization_id, kind, pipeline))
