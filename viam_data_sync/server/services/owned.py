"""Rows an organization owns (sequences, saved queries, pipelines, export jobs), and
the page tokens of the lists of them.

A row outside the caller's organizations is answered exactly like a row that does not
exist (NOT_FOUND naming the id the caller sent), so no error reveals that another
organization's id exists.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from typing import Any, Optional, Tuple

from viam_data_sync.server._rpc import Scope, invalid, not_found
from viam_data_sync.server.store.values import stored_ns
from viam_data_sync.server.store import owned

#: Page size when a list request gives none.
DEFAULT_PAGE_SIZE = 50


def owned_row(conn: sqlite3.Connection, table: str, row_id: str, scope: Scope, what: str) -> sqlite3.Row:
    """The row of ``table`` with ``id = row_id``, visible to ``scope``; NOT_FOUND otherwise.

    ``table`` is one of this package's table names, never a caller's value.
    """
    if not row_id:
        raise invalid(f"{what} id is required")
    row = owned.get(conn, table, row_id)
    if row is None or (scope is not None and row["organization_id"] not in scope):
        raise not_found(f"{what} {row_id[:100]} not found")
    return row


def page_size(requested: int, maximum: int) -> int:
    """A list request's page size: the default for 0, capped at ``maximum``."""
    return min(int(requested) or DEFAULT_PAGE_SIZE, maximum)


def encode_token(kind: str, position: int, context: str) -> str:
    """An opaque token for "after row ``position``" of list ``kind`` over ``context``."""
    raw = json.dumps({"k": kind, "p": position, "c": context}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_token(token: str, kind: str, context: str) -> Optional[int]:
    """The position of a token made by :func:`encode_token`; None for ``""`` (the first
    page). A token of another list, or not one of ours, is INVALID_ARGUMENT."""
    if not token:
        return None
    try:
        body: Any = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        position = body["p"]
        ok = body["k"] == kind and body["c"] == context and type(position) is int and 0 <= position < 2**63
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
        ok = False
    if not ok:
        raise invalid("malformed page_token (or one from another list)")
    result: int = body["p"]
    return result


def window_ns(start: Any, end: Any, start_field: str = "start_time", end_field: str = "end_time") -> Tuple[int, int]:
    """A stored ``[start, end]`` pair of Timestamps, both required, start not after end."""
    if start is None or end is None:
        raise invalid(f"{start_field} and {end_field} are required")
    start_ns, end_ns = stored_ns(start, start_field), stored_ns(end, end_field)
    if start_ns > end_ns:
        raise invalid(f"{start_field} must not be after {end_field}")
    return start_ns, end_ns
