"""Database users of organizations in the store (table ``database_users``)."""

from __future__ import annotations

import sqlite3


def has_user(conn: sqlite3.Connection, organization_id: str) -> bool:
    return conn.execute("SELECT 1 FROM database_users WHERE organization_id = ?",
                        (organization_id,)).fetchone() is not None


def set_user(conn: sqlite3.Connection, organization_id: str, salt: bytes, password_hash: bytes, now: int) -> None:
    """Create or replace an organization's database user (its salted password hash)."""
    conn.execute("INSERT OR REPLACE INTO database_users (organization_id, salt, password_hash, updated_ns) "
                 "VALUES (?, ?, ?, ?)", (organization_id, salt, password_hash, now))
