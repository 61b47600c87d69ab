"""Filters, keyset pagination and the opaque ``last`` cursor.

Semantics (the local server's documented choices):

* ``Filter`` fields are ANDed; ``tags`` and ``bbox_labels`` are ORed within themselves.
* Time: every record has one sort and interval key, ``time_received`` (the capture
  time the machine reported in ``SensorMetadata.time_received``; if the upload carried
  none, its ``time_requested``; if neither, the moment the server stored it). Both
  tabular and binary data use it. ``CaptureInterval`` is half-open: ``start <= t < end``
  (either bound may be absent).
* Order: ``ORDER_UNSPECIFIED`` and ``ORDER_ASCENDING`` sort oldest first;
  ``ORDER_DESCENDING`` newest first; ties are broken by insertion order.
* Cursor: urlsafe base64 (no padding) of a JSON object holding the sort key and row id
  of the last row returned, the direction, the kind of data, a hash of the filter, and
  a *snapshot bound*: the largest row id that existed when the first page was served.
  Rows stored after that are not part of the paging session, so paging while data
  arrives never skips or repeats a row. Pages are index range scans (keyset, no
  OFFSET) that seek on the full order key (organization, time, id), so a page costs
  the same at any depth and any store size, however many rows share a timestamp.
* An organization scope is applied to every query: one range scan per organization,
  merged (so each scan stays an ordered index scan). With no scope (auth off, no
  organization named), the organizations are those with rows, found by a loose index
  scan, so such a page is no full sort either.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import heapq
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync.server.store.errors import AccessDenied, InvalidInput, NotFound
from viam_data_sync.server.store.values import INT64_MAX, INT64_MIN, bound_ns, distinct

DEFAULT_LIMIT = 50

#: The organizations a call may see: their ids, or ``None`` when auth is off (all).
Scope = Optional[FrozenSet[str]]

TAGS_UNSPECIFIED = data_pb2.TAGS_FILTER_TYPE_UNSPECIFIED
TAGS_MATCH_BY_OR = data_pb2.TAGS_FILTER_TYPE_MATCH_BY_OR
TAGS_TAGGED = data_pb2.TAGS_FILTER_TYPE_TAGGED
TAGS_UNTAGGED = data_pb2.TAGS_FILTER_TYPE_UNTAGGED

READINGS = "readings"
BINARY = "binary_data"


@dataclass
class Where:
    """A compiled filter: extra SQL clauses on alias ``t`` and the organizations to scan.

    ``orgs`` is ``None`` for "no organization constraint" (auth off, none named).
    ``nothing`` is True when the filter can match nothing (e.g. bbox labels on tabular).
    """

    clauses: List[str] = field(default_factory=list)
    params: List[Any] = field(default_factory=list)
    orgs: Optional[List[str]] = None
    nothing: bool = False

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "1"


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def resolve_orgs(requested: Iterable[str], scope: Scope) -> Optional[List[str]]:
    """The organizations a query may read. Naming one outside the scope is PERMISSION_DENIED."""
    named = distinct(requested, "filter.organization_ids")
    if any(not o for o in named):
        raise InvalidInput("organization_ids must not contain an empty id")
    if named:
        if scope is not None:
            outside = [o for o in named if o not in scope]
            if outside:
                raise AccessDenied(f"no access to organization {outside[0]}")
        return named
    return None if scope is None else sorted(scope)


def compile_filter(conn: sqlite3.Connection, f: Any, scope: Scope, table: str) -> Where:
    """Compile a ``Filter`` (possibly unset) for ``table`` (``readings`` or ``binary_data``)."""
    where = Where(orgs=resolve_orgs(f.organization_ids, scope))
    for attr, column in (
        ("component_name", "component_name"),
        ("component_type", "component_type"),
        ("method", "method_name"),
        ("robot_name", "robot_name"),
        ("robot_id", "robot_id"),
        ("part_name", "part_name"),
        ("part_id", "part_id"),
    ):
        value = getattr(f, attr)
        if value:
            where.add(f"t.{column} = ?", value)
    if f.location_ids:
        ids = distinct(f.location_ids, "filter.location_ids")
        where.add(f"t.location_id IN ({_placeholders(ids)})", *ids)
    if f.mime_type:
        mimes = distinct(f.mime_type, "filter.mime_type")
        where.add(f"t.mime_type IN ({_placeholders(mimes)})", *mimes)
    if f.HasField("interval"):
        add_interval(where, f.interval)
    if f.HasField("tags_filter"):
        add_tags(where, f.tags_filter, table)
    if f.bbox_labels:
        labels = distinct(f.bbox_labels, "filter.bbox_labels")
        if table == READINGS:
            where.nothing = True
        else:
            where.add(
                "EXISTS (SELECT 1 FROM bounding_boxes bb WHERE bb.binary_id = t.id "
                f"AND bb.label IN ({_placeholders(labels)}))",
                *labels,
            )
    if f.dataset_id:
        row = conn.execute("SELECT organization_id FROM datasets WHERE id = ?", (f.dataset_id,)).fetchone()
        if row is None or (scope is not None and row[0] not in scope):
            raise NotFound(f"dataset {f.dataset_id} not found")
        if table == READINGS:
            where.nothing = True  # datasets hold binary data only
        else:
            where.add(
                "EXISTS (SELECT 1 FROM dataset_members dm WHERE dm.binary_id = t.id AND dm.dataset_id = ?)",
                f.dataset_id,
            )
    return where


def add_interval(where: Where, interval: Any) -> None:
    start = bound_ns(interval.start) if interval.HasField("start") else None
    end = bound_ns(interval.end) if interval.HasField("end") else None
    if start is not None and end is not None and end < start:
        raise InvalidInput("interval.end is before interval.start")
    if start is not None:
        where.add("t.time_received_ns >= ?", start)
    if end is not None:
        where.add("t.time_received_ns < ?", end)


def add_tags(where: Where, tags_filter: Any, table: str) -> None:
    kind = tags_filter.type
    tags = distinct(tags_filter.tags, "tags_filter.tags")
    if any(not tag for tag in tags):
        raise InvalidInput("tags_filter.tags must not contain an empty tag")
    if kind in (TAGS_UNSPECIFIED, TAGS_MATCH_BY_OR):
        if not tags:
            return  # no constraint
        if table == READINGS:
            where.add(
                f"EXISTS (SELECT 1 FROM json_each(t.tags) j WHERE j.value IN ({_placeholders(tags)}))", *tags
            )
        else:
            where.add(
                f"EXISTS (SELECT 1 FROM binary_tags bt WHERE bt.binary_id = t.id "
                f"AND bt.tag IN ({_placeholders(tags)}))",
                *tags,
            )
    elif kind == TAGS_TAGGED:
        where.add(
            "t.tags <> '[]'"
            if table == READINGS
            else "EXISTS (SELECT 1 FROM binary_tags bt WHERE bt.binary_id = t.id)"
        )
    elif kind == TAGS_UNTAGGED:
        where.add(
            "t.tags = '[]'"
            if table == READINGS
            else "NOT EXISTS (SELECT 1 FROM binary_tags bt WHERE bt.binary_id = t.id)"
        )
    else:
        raise InvalidInput(f"unknown tags_filter.type {kind}")


# ---------------------------------------------------------------- cursor
@dataclass(frozen=True)
class Cursor:
    """Where a paging session stands; see the module docstring."""

    kind: str
    descending: bool
    time_ns: Optional[int]
    row_id: Optional[int]
    snapshot: int
    query_hash: str

    def encode(self) -> str:
        body = {
            "v": 1,
            "k": self.kind,
            "d": int(self.descending),
            "t": self.time_ns,
            "i": self.row_id,
            "s": self.snapshot,
            "h": self.query_hash,
        }
        raw = json.dumps(body, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    @classmethod
    def decode(cls, text: str, kind: str, descending: bool, query_hash: str) -> "Cursor":
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            body = json.loads(raw)
            cursor = cls(
                kind=body["k"],
                descending=bool(body["d"]),
                time_ns=_opt_int(body["t"]),
                row_id=_opt_int(body["i"]),
                snapshot=_int(body["s"]),
                query_hash=str(body["h"]),
            )
            if body.get("v") != 1:
                raise ValueError("version")
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
            raise InvalidInput("malformed 'last' cursor") from None
        if cursor.kind != kind or cursor.descending != descending or cursor.query_hash != query_hash:
            raise InvalidInput("the 'last' cursor belongs to a different query (filter or sort order changed)")
        return cursor


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not INT64_MIN <= value <= INT64_MAX:
        raise ValueError("not a 64-bit int")
    return value


def _opt_int(value: Any) -> Optional[int]:
    return None if value is None else _int(value)


def query_hash(*parts: Any) -> str:
    digest = hashlib.sha256()
    for part in parts:
        if hasattr(part, "SerializeToString"):
            digest.update(part.SerializeToString(deterministic=True))
        else:
            digest.update(repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


def descending_of(order: int) -> bool:
    if order == data_pb2.ORDER_DESCENDING:
        return True
    if order in (data_pb2.ORDER_UNSPECIFIED, data_pb2.ORDER_ASCENDING):
        return False
    raise InvalidInput(f"unknown sort_order {order}")


def page_limit(limit: int, max_page_size: int) -> int:
    return DEFAULT_LIMIT if limit == 0 else min(int(limit), max_page_size)


def max_row_id(conn: sqlite3.Connection, table: str) -> int:
    row = conn.execute(f"SELECT MAX(id) FROM {table}").fetchone()
    return int(row[0] or 0)


def fetch_page(
    conn: sqlite3.Connection,
    table: str,
    where: Where,
    *,
    descending: bool,
    limit: int,
    snapshot: int,
    after: Optional[Tuple[int, int]],
    columns: str = "t.*",
) -> List[sqlite3.Row]:
    """Up to ``limit`` rows after ``after`` = (time_ns, id), in order, ids <= ``snapshot``.

    After a cursor, the page is two seeks on the full order key: the rest of the
    cursor's timestamp (``time = T AND id > I``), then the later timestamps
    (``time > T``). A single ``(time, id) > (T, I)`` would seek on ``time`` alone and
    rescan every row tied at ``T`` on each page.
    """
    if where.nothing or (where.orgs is not None and not where.orgs):
        return []
    orgs = present_orgs(conn, table) if where.orgs is None else where.orgs
    if after is None:
        return _seek(conn, table, where, orgs, columns, descending, limit, snapshot, [], [])
    time_ns, row_id = after
    past = "<" if descending else ">"
    if descending:  # one upper bound on id, or SQLite may seek on the snapshot's instead
        ties = ["t.time_received_ns = ?", "t.id <= ?"], [time_ns, min(row_id - 1, snapshot)]
    else:
        ties = ["t.time_received_ns = ?", "t.id > ?", "t.id <= ?"], [time_ns, row_id, snapshot]
    rows = _seek(conn, table, where, orgs, columns, descending, limit, None, *ties)
    if len(rows) < limit:
        rows += _seek(conn, table, where, orgs, columns, descending, limit - len(rows), snapshot,
                      [f"t.time_received_ns {past} ?"], [time_ns])
    return rows


def present_orgs(conn: sqlite3.Connection, table: str) -> List[str]:
    """Every organization with rows in ``table``, one index seek each (a loose index
    scan), so a query of every organization can still be one ordered scan per organization."""
    sql = (f"WITH RECURSIVE o(org) AS (SELECT min(organization_id) FROM {table} UNION ALL "
           f"SELECT (SELECT min(organization_id) FROM {table} WHERE organization_id > o.org) FROM o "
           "WHERE o.org IS NOT NULL) SELECT org FROM o WHERE org IS NOT NULL")
    return [str(row[0]) for row in conn.execute(sql)]


def _seek(conn: sqlite3.Connection, table: str, where: Where, orgs: List[str], columns: str, descending: bool,
          limit: int,
          snapshot: Optional[int], seek: List[str], seek_params: List[Any]) -> List[sqlite3.Row]:
    """Up to ``limit`` rows matching ``where`` and the ``seek`` conditions (and ids up to
    ``snapshot``, unless None: then ``seek`` bounds the id), in order, one ordered index
    range scan per organization, merged."""
    direction = "DESC" if descending else "ASC"
    bound = ([], []) if snapshot is None else (["t.id <= ?"], [snapshot])
    clauses = [where.sql(), *bound[0], *seek]
    params: List[Any] = list(where.params) + bound[1] + seek_params
    base = (
        f"SELECT {columns} FROM {table} t WHERE {{org}}{' AND '.join(clauses)} "
        f"ORDER BY t.time_received_ns {direction}, t.id {direction} LIMIT ?"
    )
    sql = base.format(org="t.organization_id = ? AND ")
    runs = [conn.execute(sql, [org] + params + [limit]).fetchall() for org in orgs]
    if len(runs) == 1:
        return runs[0]

    def key(row: sqlite3.Row) -> Tuple[int, int]:
        return (row["time_received_ns"], row["id"])

    merged = heapq.merge(*runs, key=key, reverse=descending)
    return [row for _, row in zip(range(limit), merged)]


def count_rows(
    conn: sqlite3.Connection, table: str, where: Where, snapshot: int, size_expr: str
) -> Tuple[int, int]:
    """(number of matching rows, sum of ``size_expr``) with ids <= ``snapshot``."""
    if where.nothing or (where.orgs is not None and not where.orgs):
        return 0, 0
    total, size = 0, 0
    sql = (
        f"SELECT COUNT(*), COALESCE(SUM({size_expr}), 0) FROM {table} t "
        f"WHERE {{org}}{where.sql()} AND t.id <= ?"
    )
    if where.orgs is None:
        row = conn.execute(sql.format(org=""), where.params + [snapshot]).fetchone()
        return int(row[0]), int(row[1])
    for org in where.orgs:
        row = conn.execute(
            sql.format(org="t.organization_id = ? AND "), [org] + where.params + [snapshot]
        ).fetchone()
        total += int(row[0])
        size += int(row[1])
    return total, size


def select_ids(conn: sqlite3.Connection, where: Where) -> List[int]:
    """Row ids of every binary item matching ``where`` (for by-filter writes)."""
    if where.nothing or (where.orgs is not None and not where.orgs):
        return []
    sql = f"SELECT t.id FROM {BINARY} t WHERE {{org}}{where.sql()}"
    if where.orgs is None:
        return [r[0] for r in conn.execute(sql.format(org=""), where.params)]
    out: List[int] = []
    for org in where.orgs:
        out.extend(
            r[0] for r in conn.execute(sql.format(org="t.organization_id = ? AND "), [org] + where.params)
        )
    return out


def scoped_orgs_sql(where: Where) -> Tuple[str, List[Any]]:
    """``"t.organization_id IN (...) AND "`` and its parameters for ``where.orgs`` (``""``
    when every organization is visible)."""
    if where.orgs is None:
        return "", []
    return f"t.organization_id IN ({_placeholders(where.orgs)}) AND ", list(where.orgs)
