"""Tabular readings in the store (table ``readings``, its shape in ``schema.py``)."""

from __future__ import annotations

import sqlite3
from typing import Any, Iterator, List, Optional, Sequence, Tuple

from viam_data_sync.server.store._ids import IngestIds, now_ns
from viam_data_sync.server.store.filters import Where

Row = sqlite3.Row

READING_INSERT = """INSERT INTO readings (reading_id, organization_id, location_id, robot_id, robot_name,
    part_id, part_name, component_type, component_name, method_name, method_parameters, tags, mime_type,
    time_requested_ns, time_received_ns, data, data_pb, time_synced_ns) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"""


def insert(conn: sqlite3.Connection, rows: Sequence[Tuple[Any, ...]], ids: Optional[IngestIds] = None) -> None:
    """Insert ``readings`` rows (tuples in ``READING_INSERT`` column order up to
    ``data_pb``, which may be left off), synced now; caller holds the transaction. With
    ``ids``, each row's id is replaced by the next ingestion-ordered id."""
    synced = now_ns()
    fresh = ids.take(conn, len(rows)) if ids is not None else None
    conn.executemany(READING_INSERT, (
        ((fresh[k], *row[1:]) if fresh is not None else row) + ((synced,) if len(row) == 17 else (None, synced))
        for k, row in enumerate(rows)))


def delete(conn: sqlite3.Connection, organization_id: str, where: Where) -> int:
    """Delete an organization's readings matching ``where``; returns how many."""
    cur = conn.execute(f"DELETE FROM readings AS t WHERE t.organization_id = ? AND {where.sql()}",
                       [organization_id] + where.params)
    return max(cur.rowcount, 0)


def oldest_received_ns(conn: sqlite3.Connection, organization_id: str) -> Optional[int]:
    """The oldest ``time_received`` of an organization's readings, or None."""
    value = conn.execute("SELECT min(time_received_ns) FROM readings WHERE organization_id = ?",
                         (organization_id,)).fetchone()[0]
    return None if value is None else int(value)


def scan(conn: sqlite3.Connection, organization_ids: Sequence[str], columns: str, where: Sequence[str],
         params: Sequence[Any], order: Sequence[str], limit: Optional[int], offset: int,
         batch: int) -> Iterator[List[Row]]:
    """Batches of the organizations' readings (``columns``) matching the conditions
    ``where`` (SQL over reading columns, compiled by the MQL engine's pushdown with
    ``params`` for its values), in ``order`` then id; ``limit``/``offset`` as in SQL."""
    orgs = [str(o) for o in organization_ids]
    if not orgs:
        return
    clauses = [f"organization_id IN ({', '.join('?' * len(orgs))})", *where]
    sql = f"SELECT {columns} FROM readings WHERE {' AND '.join(clauses)} ORDER BY {', '.join([*order, 'id ASC'])}"
    args: List[Any] = [*orgs, *params]
    if limit is not None or offset:
        sql += " LIMIT ? OFFSET ?"
        args += [-1 if limit is None else limit, offset]
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    try:
        cursor.execute(sql, args)
        while True:
            rows = cursor.fetchmany(batch)
            if not rows:
                return
            yield rows
    finally:
        cursor.close()
