"""The store's secrets at rest: an owner-only key file beside the database.

The database holds API keys only as salted hashes. Two secrets must be kept as they are:
the key that signs access tokens and blob URLs, and the default API key's secret (so a
restarted server serves the key its clients were configured with). They live in
``<db>.secrets`` (JSON, mode 0600, written atomically), never in the database file,
whose mode is 0600 too, as is the blob directory's 0700: another local user can read
neither the data nor a key to forge a token with.

A store written before this file existed kept both secrets in its ``meta`` table; on
open they move here and are erased from the database (``secure_delete``, then a WAL
checkpoint), so their bytes are gone from the file too.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
import stat
from typing import Dict, Optional

#: The ``meta`` rows that held secrets before the key file.
_LEGACY = {"jwt_signing_key": "signing_key", "default_api_key": "default_api_key"}
FILE_MODE = 0o600
DIR_MODE = 0o700


def owner_only_file(path: str) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist, else take its mode
    down to 0600 (a store written by an older version was 0644)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
        os.chmod(path, FILE_MODE)


def owner_only_dir(path: str) -> None:
    """Create the directory ``path`` with mode 0700 (or take an existing one down to it)."""
    os.makedirs(path, mode=DIR_MODE, exist_ok=True)
    if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
        os.chmod(path, DIR_MODE)


class KeyFile:
    """The owner-only file of the store's secrets.

    Example::

        keys = KeyFile("data.db.secrets")
        keys.signing_key()            # created once, the same bytes on every open
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._values: Dict[str, str] = self._read()

    def __repr__(self) -> str:
        return f"KeyFile({self.path!r})"  # never the values

    def _read(self) -> Dict[str, str]:
        try:
            with open(self.path, encoding="utf-8") as fh:
                values = json.load(fh)
        except FileNotFoundError:
            return {}
        except ValueError:
            raise RuntimeError(f"the store's key file {self.path} is damaged") from None
        if stat.S_IMODE(os.stat(self.path).st_mode) & 0o077:
            os.chmod(self.path, FILE_MODE)
        return {str(k): str(v) for k, v in values.items()}

    def _write(self) -> None:
        temp = f"{self.path}.{os.getpid()}.tmp"
        fd = os.open(temp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, FILE_MODE)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self._values, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise

    def get(self, name: str) -> Optional[str]:
        return self._values.get(name)

    def set(self, name: str, value: str) -> None:
        if self._values.get(name) != value:
            self._values[name] = value
            self._write()

    def signing_key(self) -> bytes:
        """The HMAC key tokens and blob URLs are signed with (made once)."""
        value = self.get("signing_key")
        if value is None:
            value = secrets.token_bytes(32).hex()
            self.set("signing_key", value)
        return bytes.fromhex(value)

    def take_legacy(self, conn: sqlite3.Connection) -> None:
        """Move secrets an older store kept in its ``meta`` table into this file and erase
        them from the database's bytes."""
        rows = conn.execute(
            f"SELECT key, value FROM meta WHERE key IN ({', '.join('?' * len(_LEGACY))})", tuple(_LEGACY)
        ).fetchall()
        if not rows:
            return
        for key, value in rows:
            if self.get(_LEGACY[key]) is None:
                self._values[_LEGACY[key]] = value
        self._write()
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(f"DELETE FROM meta WHERE key IN ({', '.join('?' * len(_LEGACY))})", tuple(_LEGACY))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
