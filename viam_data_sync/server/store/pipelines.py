"""Data pipelines in the store: their definitions, runs and sinks (tables
``data_pipelines``, ``data_pipeline_runs``, ``pipeline_sink``)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Set

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync.server.store import indexes

Row = sqlite3.Row

DDL = """
CREATE TABLE IF NOT EXISTS data_pipelines (
    id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, name TEXT NOT NULL,
    mql TEXT NOT NULL, schedule TEXT NOT NULL, enabled INTEGER NOT NULL,
    backfill INTEGER NOT NULL, data_source_type INTEGER NOT NULL,
    next_run_ns INTEGER NOT NULL,             -- fire time (end) of the next window to run
    created_ns INTEGER NOT NULL, updated_ns INTEGER NOT NULL,
    UNIQUE (organization_id, name));
CREATE TABLE IF NOT EXISTS data_pipeline_runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
    pipeline_id TEXT NOT NULL REFERENCES data_pipelines(id) ON DELETE CASCADE,
    start_ns INTEGER NOT NULL, end_ns INTEGER, data_start_ns INTEGER NOT NULL, data_end_ns INTEGER NOT NULL,
    status INTEGER NOT NULL, error TEXT NOT NULL DEFAULT '', data_source_type INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS data_pipeline_runs_pipeline ON data_pipeline_runs (pipeline_id, seq);
CREATE TABLE IF NOT EXISTS pipeline_sink (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_id TEXT NOT NULL REFERENCES data_pipelines(id) ON DELETE CASCADE,
    run_id TEXT NOT NULL, doc BLOB NOT NULL); -- one BSON result document
CREATE INDEX IF NOT EXISTS pipeline_sink_pipeline ON pipeline_sink (pipeline_id, id);
"""

_SINK = data_pb2.INDEXABLE_COLLECTION_PIPELINE_SINK


@dataclass(frozen=True)
class NewPipeline:
    """The columns of a pipeline being created."""

    id: str
    organization_id: str
    name: str
    mql: str
    schedule: str
    backfill: bool
    data_source_type: int
    next_run_ns: int
    created_ns: int


@dataclass(frozen=True)
class Run:
    """One finished run of a pipeline window."""

    id: str
    pipeline_id: str
    start_ns: int
    end_ns: int
    data_start_ns: int
    data_end_ns: int
    status: int
    error: str
    data_source_type: int


def name_taken(conn: sqlite3.Connection, organization_id: str, name: str) -> bool:
    return conn.execute("SELECT 1 FROM data_pipelines WHERE organization_id = ? AND name = ?",
                        (organization_id, name)).fetchone() is not None


def insert(conn: sqlite3.Connection, new: NewPipeline) -> None:
    conn.execute(
        "INSERT INTO data_pipelines (id, organization_id, name, mql, schedule, enabled, backfill, "
        "data_source_type, next_run_ns, created_ns, updated_ns) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
        (new.id, new.organization_id, new.name, new.mql, new.schedule, int(new.backfill), new.data_source_type,
         new.next_run_ns, new.created_ns, new.created_ns))


def of_organization(conn: sqlite3.Connection, organization_id: str) -> List[Row]:
    return list(conn.execute("SELECT * FROM data_pipelines WHERE organization_id = ? ORDER BY created_ns, id",
                             (organization_id,)).fetchall())


def rename(conn: sqlite3.Connection, row: Row, name: str, updated_ns: int) -> None:
    """Rename a pipeline; its sink's indexes follow it."""
    conn.execute("UPDATE data_pipelines SET name = ?, updated_ns = ? WHERE id = ?", (name, updated_ns, row["id"]))
    indexes.rename_pipeline(conn, row["organization_id"], _SINK, row["name"], name)


def delete(conn: sqlite3.Connection, row: Row) -> None:
    """Delete a pipeline, its runs, its sink and its sink's indexes."""
    indexes.delete_of_pipeline(conn, row["organization_id"], _SINK, row["name"])
    conn.execute("DELETE FROM data_pipelines WHERE id = ?", (row["id"],))


def set_enabled(conn: sqlite3.Connection, pipeline_id: str, enabled: bool, next_run_ns: int, updated_ns: int) -> None:
    conn.execute("UPDATE data_pipelines SET enabled = ?, next_run_ns = ?, updated_ns = ? WHERE id = ?",
                 (int(enabled), next_run_ns, updated_ns, pipeline_id))


# ---------------------------------------------------------------- the scheduler's view
def next_due_ns(conn: sqlite3.Connection) -> Optional[int]:
    """The earliest window end of an enabled pipeline, or None."""
    value = conn.execute("SELECT min(next_run_ns) FROM data_pipelines WHERE enabled = 1").fetchone()[0]
    return None if value is None else int(value)


def record_run(conn: sqlite3.Connection, run: Run, docs: Sequence[bytes], next_run_ns: int) -> bool:
    """Record a finished window, its sink documents and the next window, unless the
    pipeline was deleted, disabled or rescheduled meanwhile (then nothing; False)."""
    current = conn.execute("SELECT next_run_ns, enabled FROM data_pipelines WHERE id = ?",
                           (run.pipeline_id,)).fetchone()
    if current is None or current["next_run_ns"] != run.data_end_ns or not current["enabled"]:
        return False
    conn.execute(
        "INSERT INTO data_pipeline_runs (id, pipeline_id, start_ns, end_ns, data_start_ns, data_end_ns, "
        "status, error, data_source_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run.id, run.pipeline_id, run.start_ns, run.end_ns, run.data_start_ns, run.data_end_ns, run.status,
         run.error, run.data_source_type))
    conn.executemany("INSERT INTO pipeline_sink (pipeline_id, run_id, doc) VALUES (?, ?, ?)",
                     [(run.pipeline_id, run.id, doc) for doc in docs])
    conn.execute("UPDATE data_pipelines SET next_run_ns = ? WHERE id = ?", (next_run_ns, run.pipeline_id))
    return True


def runs_before(conn: sqlite3.Connection, pipeline_id: str, before_seq: Optional[int], limit: int) -> List[Row]:
    """Up to ``limit`` runs of a pipeline, newest first, before position ``before_seq``."""
    return list(conn.execute(
        "SELECT * FROM data_pipeline_runs WHERE pipeline_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
        (pipeline_id, 2**63 - 1 if before_seq is None else before_seq, limit)).fetchall())


def sink_batches(conn: sqlite3.Connection, pipeline_id: str, batch: int) -> Iterator[List[bytes]]:
    """A pipeline sink's BSON documents in the order they were written, ``batch`` at a
    time (each batch one keyset seek, so memory holds one batch of raw rows)."""
    after = -1
    while True:
        rows = conn.execute("SELECT id, doc FROM pipeline_sink WHERE pipeline_id = ? AND id > ? ORDER BY id LIMIT ?",
                            (pipeline_id, after, batch)).fetchall()
        if not rows:
            return
        after = rows[-1][0]
        yield [bytes(row[1]) for row in rows]


def count_of_organization(conn: sqlite3.Connection, organization_id: str) -> int:
    """How many data pipelines an organization has."""
    return int(conn.execute("SELECT count(*) FROM data_pipelines WHERE organization_id = ?",
                            (organization_id,)).fetchone()[0])


def due_by_organization(conn: sqlite3.Connection, now_ns: int, busy: Set[str], most: int) -> List[Row]:
    """Up to ``most`` due pipelines, at most one per organization and none of ``busy``:
    each organization's earliest due window, organizations in the order of that window."""
    picked: Dict[str, Row] = {}
    for row in conn.execute("SELECT * FROM data_pipelines WHERE enabled = 1 AND next_run_ns <= ? "
                            "ORDER BY next_run_ns, id", (now_ns,)):
        org = row["organization_id"]
        if org not in busy and org not in picked:
            picked[org] = row
            if len(picked) >= most:
                break
    return list(picked.values())
