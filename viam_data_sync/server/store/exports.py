"""Sequence dataset export jobs in the store (table ``sequence_exports``)."""

from __future__ import annotations

import sqlite3
from typing import Optional

DDL = """
CREATE TABLE IF NOT EXISTS sequence_exports (
    id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, dataset_id TEXT NOT NULL,
    status INTEGER NOT NULL, file_name TEXT, error TEXT NOT NULL DEFAULT '',
    created_ns INTEGER NOT NULL, completed_ns INTEGER);
"""


def insert(conn: sqlite3.Connection, job_id: str, organization_id: str, dataset_id: str, status: int,
           file_name: Optional[str], error: str, created_ns: int, completed_ns: int) -> None:
    conn.execute(
        "INSERT INTO sequence_exports (id, organization_id, dataset_id, status, file_name, error, "
        "created_ns, completed_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (job_id, organization_id, dataset_id, status, file_name, error, created_ns, completed_ns))
