"""Rows of the store's per-organization tables, by id."""

from __future__ import annotations

import sqlite3
from typing import Optional

#: The tables :func:`get` reads (each has ``id`` and ``organization_id`` columns).
OWNED_TABLES = frozenset({"datasets", "sequences", "saved_queries", "data_pipelines", "sequence_exports"})


def get(conn: sqlite3.Connection, table: str, row_id: str) -> Optional[sqlite3.Row]:
    """The row of ``table`` (one of :data:`OWNED_TABLES`) with ``id = row_id``, or None."""
    if table not in OWNED_TABLES:
        raise ValueError(f"not an owned table: {table}")
    row: Optional[sqlite3.Row] = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()  # noqa: S608 - checked name
    return row
