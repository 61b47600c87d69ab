"""Caller-supplied numbers against what the store can hold.

SQLite integers are 64-bit, and times are stored as integer nanoseconds, so the store
holds times from 1677-09-21 to 2262-04-11 UTC. A time to *store* outside that range is
INVALID_ARGUMENT naming the field; a time that only *bounds a query* is clamped to it,
which changes no answer (no stored time lies beyond).
"""

from __future__ import annotations

from typing import Any, Iterable, List, TypeVar

from viam_data_sync._convert import timestamp_to_ns
from viam_data_sync.server.store.errors import InvalidInput

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
TIME_RANGE = "1677-09-21 to 2262-04-11 UTC"
#: Most distinct values one list of a request may hold (ids, tags, labels, MIME types);
#: each becomes an SQL parameter, and SQLite caps those at 32,766 per statement.
MAX_LIST_ITEMS = 10_000

T = TypeVar("T")


def distinct(values: Iterable[T], field: str) -> List[T]:
    """``values`` without repeats, in order; INVALID_ARGUMENT beyond :data:`MAX_LIST_ITEMS`."""
    out = list(dict.fromkeys(values))
    if len(out) > MAX_LIST_ITEMS:
        raise InvalidInput(f"{field} has {len(out)} distinct values; at most {MAX_LIST_ITEMS} are accepted")
    return out


def clamp_int64(value: int) -> int:
    """``value`` limited to SQLite's integer range."""
    return min(max(int(value), INT64_MIN), INT64_MAX)


def stored_ns(ts: Any, field: str) -> int:
    """A ``Timestamp`` to store, in ns; INVALID_ARGUMENT when the store cannot hold it."""
    ns = timestamp_to_ns(ts)
    if not INT64_MIN <= ns <= INT64_MAX:
        raise InvalidInput(f"{field} is outside the times the local server can store ({TIME_RANGE})")
    return ns


def bound_ns(ts: Any) -> int:
    """A ``Timestamp`` that bounds a query, in ns, clamped to the storable range."""
    return clamp_int64(timestamp_to_ns(ts))
