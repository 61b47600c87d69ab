"""The local server's store: one SQLite database plus a directory of blob files.

* Tabular readings live in the shared ``readings`` table (``store/schema.py``); binary
  metadata, tags, annotations, datasets and database users live in the tables below;
  the fleet registry in ``fleet.py``, API keys in ``api_keys.py``.
* Blobs are files under ``<db>.blobs/``, named by file id. An upload is written to
  ``<db>.blobs/tmp/`` first, fsynced, renamed into place, and only then recorded, in
  one transaction; files left in ``tmp/``, and blob files no row refers to (a crash
  between the rename and the commit), are removed when the store opens.
* Concurrency: one SQLite connection per thread (WAL: readers run beside the writer);
  writers are serialized by a process lock and ``BEGIN IMMEDIATE``. SQL and MQL queries
  get a separate read-only connection per thread, so a query engine cannot write.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
import threading
import uuid
from typing import Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple

from viam_data_sync.server.store import (
    api_keys, binary, exports, fleet, indexes, pipelines, saved_queries, sequences)
from viam_data_sync.server.store._ids import FleetIds, IngestIds, PartInfo
from viam_data_sync.server.store.schema import create_schema
from viam_data_sync.server.store.keyfile import KeyFile, owner_only_dir, owner_only_file

LOG = logging.getLogger("viam_data_sync.server")

STORE_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS database_users (
    organization_id TEXT PRIMARY KEY, salt BLOB NOT NULL, password_hash BLOB NOT NULL,
    updated_ns INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS binary_data (
    id               INTEGER PRIMARY KEY AUTOINCREMENT, -- insertion order, cursor tie-break
    binary_data_id   TEXT NOT NULL UNIQUE,              -- "<org>/<location>/<file_id>"
    file_id          TEXT NOT NULL UNIQUE,
    organization_id  TEXT NOT NULL,
    location_id      TEXT NOT NULL,
    robot_id         TEXT NOT NULL,
    robot_name       TEXT NOT NULL,
    part_id          TEXT NOT NULL,
    part_name        TEXT NOT NULL,
    component_type   TEXT NOT NULL,
    component_name   TEXT NOT NULL,
    method_name      TEXT NOT NULL,
    method_parameters TEXT NOT NULL DEFAULT '{}',
    mime_type        TEXT NOT NULL DEFAULT '',
    file_name        TEXT NOT NULL DEFAULT '',
    file_ext         TEXT NOT NULL DEFAULT '',
    size_bytes       INTEGER NOT NULL,
    time_requested_ns INTEGER,
    time_received_ns INTEGER NOT NULL,                  -- the sort and interval key
    time_uploaded_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS binary_org_time ON binary_data (organization_id, time_received_ns, id);
CREATE INDEX IF NOT EXISTS binary_time ON binary_data (time_received_ns, id);
CREATE INDEX IF NOT EXISTS binary_location ON binary_data
    (organization_id, location_id, time_received_ns, id);
CREATE INDEX IF NOT EXISTS binary_robot ON binary_data (organization_id, robot_id, time_received_ns, id);
CREATE INDEX IF NOT EXISTS binary_source ON binary_data
    (organization_id, part_id, component_name, method_name, time_received_ns, id);
CREATE INDEX IF NOT EXISTS binary_mime ON binary_data (organization_id, mime_type, time_received_ns, id);
CREATE TABLE IF NOT EXISTS binary_tags (
    binary_id INTEGER NOT NULL REFERENCES binary_data(id) ON DELETE CASCADE,
    tag TEXT NOT NULL, PRIMARY KEY (binary_id, tag)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS binary_tags_tag ON binary_tags (tag, binary_id);
CREATE TABLE IF NOT EXISTS bounding_boxes (
    id TEXT PRIMARY KEY,
    binary_id INTEGER NOT NULL REFERENCES binary_data(id) ON DELETE CASCADE,
    label TEXT NOT NULL, x_min REAL NOT NULL, y_min REAL NOT NULL, x_max REAL NOT NULL,
    y_max REAL NOT NULL, confidence REAL, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS bounding_boxes_binary ON bounding_boxes (binary_id, seq);
CREATE INDEX IF NOT EXISTS bounding_boxes_label ON bounding_boxes (label, binary_id);
CREATE TABLE IF NOT EXISTS classifications (
    id TEXT PRIMARY KEY,
    binary_id INTEGER NOT NULL REFERENCES binary_data(id) ON DELETE CASCADE,
    label TEXT NOT NULL, confidence REAL, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS classifications_binary ON classifications (binary_id, seq);
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, organization_id TEXT NOT NULL,
    time_created_ns INTEGER NOT NULL, type INTEGER NOT NULL DEFAULT 0,
    UNIQUE (organization_id, name));
CREATE TABLE IF NOT EXISTS dataset_members (
    dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    binary_id INTEGER NOT NULL REFERENCES binary_data(id) ON DELETE CASCADE,
    PRIMARY KEY (dataset_id, binary_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dataset_members_binary ON dataset_members (binary_id, dataset_id);
-- Cheap time-ordered paging over every organization (auth off, no organization filter).
CREATE INDEX IF NOT EXISTS readings_time ON readings (time_received_ns, id);
"""


def connect(db_path: str, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection to the store's database as every user of it opens one (autocommit,
    rows by name, WAL-friendly pragmas); ``read_only`` cannot write."""
    if read_only:
        uri = "file:" + _quote_path(db_path) + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None, timeout=30.0)
    else:
        conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None, timeout=30.0)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def hash_password(password: str, salt: bytes) -> bytes:
    """Slow hash for a user-chosen database password."""
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, 100_000)


class Store:
    """SQLite database + blob directory. Thread-safe.

    Args:
        db_path: the SQLite file.
        blob_dir: where blobs live (``tmp/`` inside it holds uploads in progress).
    """

    def __init__(self, db_path: str, blob_dir: str) -> None:
        self.db_path = db_path
        self.blob_dir = blob_dir
        self.tmp_dir = os.path.join(blob_dir, "tmp")
        owner_only_dir(blob_dir)
        owner_only_dir(self.tmp_dir)
        # SQLite gives the -wal and -shm files the database file's mode.
        owner_only_file(db_path)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db_path + suffix):
                owner_only_file(db_path + suffix)
        #: The secrets kept as they are (the signing key, the default key's secret).
        self.keys = KeyFile(db_path + ".secrets")
        self._local = threading.local()
        self._all: List[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self.write_lock = threading.RLock()
        #: Reading ids in the order readings are stored (see ``IngestIds``).
        self.ingest_ids = IngestIds()
        self._closed = False
        conn = self.conn()
        conn.execute("PRAGMA journal_mode=WAL")
        with self.write_lock:  # DDL is idempotent (IF NOT EXISTS)
            create_schema(conn)
            conn.executescript(STORE_DDL)
            for area in (fleet, api_keys, sequences, exports, saved_queries, pipelines, indexes):
                conn.executescript(area.DDL)
            self.keys.take_legacy(conn)
        self._clean_blobs()

    # ------------------------------------------------------------ connections
    def _open(self, read_only: bool) -> sqlite3.Connection:
        conn = connect(self.db_path, read_only=read_only)
        with self._all_lock:
            self._all.append(conn)
        return conn

    def conn(self) -> sqlite3.Connection:
        """This thread's read-write connection (autocommit; use :meth:`write`)."""
        if self._closed:
            raise RuntimeError("store is closed")
        conn = getattr(self._local, "rw", None)
        if conn is None:
            conn = self._local.rw = self._open(read_only=False)
        return conn

    def query_conn(self) -> sqlite3.Connection:
        """This thread's read-only connection, for the SQL and MQL engines."""
        if self._closed:
            raise RuntimeError("store is closed")
        conn = getattr(self._local, "ro", None)
        if conn is None:
            conn = self._local.ro = self._open(read_only=True)
        return conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed on success, rolled back on any exception.

        The exception that ended the transaction is the one raised, even when SQLite had
        already rolled back (a full disk does) or the rollback fails too.
        """
        conn = self.conn()
        with self.write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: a consistent snapshot across several statements."""
        conn = self.conn()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        self._closed = True
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.close()

    # ------------------------------------------------------------ blobs
    def blob_path(self, file_id: str) -> str:
        return os.path.join(self.blob_dir, file_id[:2], file_id)

    def new_temp_file(self) -> Tuple[str, str]:
        name = f"{uuid.uuid4().hex}.part"
        return name, os.path.join(self.tmp_dir, name)

    def _clean_blobs(self) -> None:
        removed = 0
        for name in os.listdir(self.tmp_dir):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self.tmp_dir, name))
                removed += 1
        known = set(binary.all_file_ids(self.conn()))
        for entry in os.listdir(self.blob_dir):
            sub = os.path.join(self.blob_dir, entry)
            if entry == "tmp" or not os.path.isdir(sub):
                continue
            for name in os.listdir(sub):
                if name not in known:
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(sub, name))
                        removed += 1
        if removed:
            LOG.info("removed %d incomplete upload file(s) from %s", removed, self.blob_dir)

    # ------------------------------------------------------------ meta
    def get_meta(self, key: str) -> Optional[str]:
        row = self.conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def signing_key(self) -> bytes:
        """The HMAC key tokens are signed with (created once, kept in the key file)."""
        with self.write_lock:
            return self.keys.signing_key()

    # ------------------------------------------------------------ fleet (store/fleet.py)
    def create_fleet(
        self,
        organization_name: str,
        location_name: str = "local-location",
        robot_name: str = "local-robot",
        part_name: str = "local-robot-main",
        organization_id: Optional[str] = None,
    ) -> FleetIds:
        """Create (or extend) an organization with one location, robot and part."""
        with self.write() as conn:
            return fleet.create(conn, organization_name, location_name, robot_name, part_name, organization_id)

    def add_part(self, robot_id: str, part_name: str) -> str:
        with self.write() as conn:
            return fleet.add_part(conn, robot_id, part_name)

    def add_robot(self, location_id: str, robot_name: str, part_name: str) -> Tuple[str, str]:
        with self.write() as conn:
            return fleet.add_robot(conn, location_id, robot_name, part_name)

    def fleet_of_part(self, part_id: str) -> FleetIds:
        return fleet.of_part(self.conn(), part_id)

    def part_info(self, part_id: str) -> Optional[PartInfo]:
        try:
            ids = self.fleet_of_part(part_id)
        except KeyError:
            return None
        return PartInfo(ids.organization_id, ids.location_id, ids.robot_id, ids.robot_name, ids.part_id,
                        ids.part_name)

    def organization_exists(self, organization_id: str) -> bool:
        return fleet.organization_exists(self.conn(), organization_id)

    def all_organizations(self) -> Dict[str, str]:
        return fleet.organizations(self.conn())

    # ------------------------------------------------------------ API keys (store/api_keys.py)
    def create_api_key(
        self, organization_ids: Sequence[str], key_id: Optional[str] = None, secret: Optional[str] = None
    ) -> Tuple[str, str]:
        """Create (or reset the secret of) an API key scoped to ``organization_ids``."""
        with self.write() as conn:
            return api_keys.create(conn, organization_ids, key_id, secret)

    def check_api_key(self, key_id: str, secret: str) -> bool:
        return api_keys.check(self.conn(), key_id, secret)

    def key_organizations(self, key_id: str) -> Optional[FrozenSet[str]]:
        return api_keys.organizations_of(self.conn(), key_id)


def _quote_path(path: str) -> str:
    from urllib.parse import quote

    return quote(os.path.abspath(path))
