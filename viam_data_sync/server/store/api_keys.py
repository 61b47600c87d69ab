"""API keys in the store (tables ``api_keys`` and ``api_key_orgs``): a key id, the salted
hash of its secret, and the organizations it may see. The secret itself is never stored.

Functions over the connection of the caller's transaction; ``Store`` wraps each in one.

Example::

    with store.write() as conn:
        key_id, secret = api_keys.create(conn, [organization_id])
    assert api_keys.check(store.conn(), key_id, secret)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from typing import FrozenSet, Optional, Sequence, Tuple

from viam_data_sync.server.store import fleet
from viam_data_sync.server.store._ids import new_id, now_ns

DDL = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY, salt BLOB NOT NULL, secret_hash BLOB NOT NULL, created_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS api_key_orgs (
    key_id TEXT NOT NULL REFERENCES api_keys(id), organization_id TEXT NOT NULL,
    PRIMARY KEY (key_id, organization_id));
"""


def hash_secret(secret: str, salt: bytes) -> bytes:
    """Hash of a random, high-entropy API key secret (a salted HMAC suffices)."""
    return hmac.new(salt, secret.encode("utf-8"), hashlib.sha256).digest()


def create(
    conn: sqlite3.Connection,
    organization_ids: Sequence[str],
    key_id: Optional[str] = None,
    secret: Optional[str] = None,
) -> Tuple[str, str]:
    """Create (or reset the secret of) an API key scoped to ``organization_ids``;
    ``KeyError`` naming an organization that does not exist."""
    key_id = key_id or new_id()
    secret = secret or secrets.token_urlsafe(24)
    salt = secrets.token_bytes(16)
    for org in organization_ids:
        if not fleet.organization_exists(conn, org):
            raise KeyError(f"unknown organization {org}")
    conn.execute(
        "INSERT OR REPLACE INTO api_keys (id, salt, secret_hash, created_ns) VALUES (?, ?, ?, ?)",
        (key_id, salt, hash_secret(secret, salt), now_ns()),
    )
    for org in organization_ids:
        conn.execute("INSERT OR IGNORE INTO api_key_orgs (key_id, organization_id) VALUES (?, ?)", (key_id, org))
    return key_id, secret


def check(conn: sqlite3.Connection, key_id: str, secret: str) -> bool:
    """Whether ``secret`` is the secret of ``key_id`` (the same work for an unknown key)."""
    row = conn.execute("SELECT salt, secret_hash FROM api_keys WHERE id = ?", (key_id,)).fetchone()
    if row is None:
        hash_secret(secret, b"0" * 16)  # same work either way
        return False
    return hmac.compare_digest(hash_secret(secret, row["salt"]), row["secret_hash"])


def organizations_of(conn: sqlite3.Connection, key_id: str) -> Optional[FrozenSet[str]]:
    """The organizations ``key_id`` may see, or None if there is no such key."""
    if conn.execute("SELECT 1 FROM api_keys WHERE id = ?", (key_id,)).fetchone() is None:
        return None
    rows = conn.execute("SELECT organization_id FROM api_key_orgs WHERE key_id = ?", (key_id,))
    return frozenset(r[0] for r in rows)
