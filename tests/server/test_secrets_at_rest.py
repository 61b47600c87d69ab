"""The store's secrets cannot be read by another local user (issue 23, item 4).

Before: the database file was created 0644 and held the default API key in plain text
and the key that signs tokens and blob URLs; with read access alone, a 10-year token
for another organization's key id was forged and accepted. Now the database (and its
WAL files) are 0600, the blob folder 0700, and the two secrets live in an owner-only key
file beside the database, never in its bytes. A store written the old way is taken
down to these modes, and its secrets move out of it, when it opens.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import List

import grpc

from viam_data_sync import DataClient
from viam_data_sync.server import LocalDataServer

from .conftest import make_api


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _database_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists())


def _secrets_of(server: LocalDataServer) -> List[bytes]:
    assert server.authority is not None
    key = server.authority.signing_key
    return [key, key.hex().encode(), server.api_key.encode()]


def test_the_store_is_owner_only_and_its_bytes_hold_no_secret(tmp_path: Path) -> None:
    db = tmp_path / "store" / "data.db"
    with LocalDataServer(db) as server:
        other_key_id, other_key = server.create_api_key(server.organization_id)
        with grpc.insecure_channel(server.address) as channel:
            make_api(server, channel).upload_tabular([{"x": 1}])
        secrets = _secrets_of(server) + [other_key.encode()]
        assert _mode(db) == 0o600
        for suffix in ("-wal", "-shm", ".secrets"):
            if Path(f"{db}{suffix}").exists():
                assert _mode(Path(f"{db}{suffix}")) == 0o600, suffix
        assert _mode(Path(f"{db}.blobs")) == 0o700
        assert _mode(db.parent) == 0o700  # the folder the server made
        stored = _database_bytes(db)
        assert not [s for s in secrets if s in stored]
    assert not [s for s in secrets if s in _database_bytes(db)]


def test_a_store_written_the_old_way_is_tightened_and_its_secrets_moved_out(tmp_path: Path) -> None:
    db = tmp_path / "data.db"
    with LocalDataServer(db) as server:
        key_id, key = server.api_key_id, server.api_key
        token = server.token()
        signing_key = _secrets_of(server)[0]
    # What an older version left: 0644 files, both secrets in the meta table.
    conn = sqlite3.connect(db)
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('jwt_signing_key', ?)", (signing_key.hex(),))
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('default_api_key', ?)", (key,))
    conn.commit()
    conn.close()
    os.unlink(f"{db}.secrets")
    os.chmod(db, 0o644)
    os.chmod(f"{db}.blobs", 0o755)
    assert signing_key.hex().encode() in _database_bytes(db)

    with LocalDataServer(db) as server:
        assert (server.api_key_id, server.api_key) == (key_id, key)  # the same key is served
        with DataClient(grpc.insecure_channel(server.address), metadata={"authorization": f"Bearer {token}"}) as c:
            assert c.tabular_data_by_filter(count_only=True)[1] == 0  # a token of before still holds
        assert _mode(db) == 0o600 and _mode(Path(f"{db}.secrets")) == 0o600
        assert _mode(Path(f"{db}.blobs")) == 0o700
    stored = _database_bytes(db)
    assert signing_key.hex().encode() not in stored and key.encode() not in stored
