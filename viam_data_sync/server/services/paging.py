"""A filter page request (``TabularDataByFilter``, ``BinaryDataByFilter``) resolved
into store terms: the filter compiled, the ``last`` cursor decoded and checked, and the
snapshot bound; then the page, its count and the next cursor.

Example::

    page = open_page(store.conn(), request, "tabular", filters.READINGS, scope, max_page_size=1000)
    rows = page.rows()
    response.last = page.next_cursor(rows)
"""

from __future__ import annotations

import dataclasses
import sqlite3
from typing import Any, List, Sequence

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync.server._rpc import Scope
from viam_data_sync.server.store import filters as q
from viam_data_sync.server.store.schema import INTERNAL_TYPE_PATTERN


def exclude_internal(where: q.Where, request: Any) -> None:
    """Leave out the RDK's internal resources' data unless ``include_internal_data``."""
    if not request.include_internal_data:
        where.add("t.component_type NOT LIKE ?", INTERNAL_TYPE_PATTERN)


def empty_filter() -> Any:
    return data_pb2.Filter()


@dataclasses.dataclass
class Page:
    """One filter page request, resolved: the filter compiled, the cursor decoded, and
    the snapshot bound (from the cursor, or the newest row id on the first page)."""

    conn: sqlite3.Connection
    table: str
    kind: str
    where: Any
    descending: bool
    limit: int
    qhash: str
    cursor: Any
    snapshot: int
    previous: str

    def count(self, size_expr: str) -> Any:
        """``(count, total_size_bytes)`` of every matching row (``count_only``)."""
        return q.count_rows(self.conn, self.table, self.where, self.snapshot, size_expr)

    def rows(self) -> List[sqlite3.Row]:
        """The page: up to ``limit`` rows after the cursor, within the snapshot."""
        cursor = self.cursor
        after = (cursor.time_ns, cursor.row_id) if cursor and cursor.row_id is not None else None
        return q.fetch_page(self.conn, self.table, self.where, descending=self.descending, limit=self.limit,
                            snapshot=self.snapshot, after=after)

    def next_cursor(self, rows: Sequence[sqlite3.Row]) -> str:
        """The ``last`` to return: after the page's last row; an empty page returns the
        request's own cursor, so a loop stopping on an empty page ends."""
        if not rows:
            return self.previous
        last = rows[-1]
        return q.Cursor(self.kind, self.descending, last["time_received_ns"], last["id"], self.snapshot,
                        self.qhash).encode()


def open_page(conn: sqlite3.Connection, request: Any, kind: str, table: str, scope: Scope,
              max_page_size: int) -> Page:
    """The page a filter request asks for (``request.data_request``), over ``table``."""
    data_request = request.data_request
    flt = data_request.filter if data_request.HasField("filter") else empty_filter()
    descending = q.descending_of(data_request.sort_order)
    qhash = q.query_hash(kind, flt, descending)
    where = q.compile_filter(conn, flt, scope, table)
    exclude_internal(where, request)
    cursor = q.Cursor.decode(data_request.last, kind, descending, qhash) if data_request.last else None
    return Page(
        conn=conn, table=table, kind=kind, where=where, descending=descending,
        limit=q.page_limit(data_request.limit, max_page_size), qhash=qhash, cursor=cursor,
        snapshot=cursor.snapshot if cursor else q.max_row_id(conn, table), previous=data_request.last,
    )
