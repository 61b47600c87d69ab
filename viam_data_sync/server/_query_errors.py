"""The errors of the local server's query engines and of the pool they run in.

* :class:`QueryError`: a SQL or MQL query an engine cannot run (in a query worker); its
  message names what was not understood, e.g. ``"unsupported SQL: INSERT statements are
  read-only"`` or ``"unsupported MQL stage: $lookup"``.
* :class:`QueryFailed`: what the query pool raises in the server for a query that failed
  or was refused, with its ``kind``. ``_rpc.py`` maps it to the gRPC status (the one
  place errors become statuses): ``invalid`` INVALID_ARGUMENT, ``unavailable``
  UNIMPLEMENTED, ``time`` DEADLINE_EXCEEDED, ``memory`` / ``too_large`` / ``busy``
  RESOURCE_EXHAUSTED, ``stopping`` UNAVAILABLE, ``internal`` INTERNAL.
"""
from __future__ import annotations

__all__ = ["QueryError", "QueryFailed", "QueryLimitHit"]


class QueryError(ValueError):
    """A SQL or MQL query that the local server rejects; the message is shown to the client."""


class QueryLimitHit(QueryError):
    """A query stopped by one of the server's limits (its message names the limit):
    ``kind`` is ``"time"`` (DEADLINE_EXCEEDED) or ``"memory"`` (RESOURCE_EXHAUSTED)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class QueryFailed(Exception):
    """A query that failed in its worker or was refused by the pool; ``message`` is for
    the client and names the limit when one stopped it (``query_memory_bytes``, ...)."""

    KINDS = frozenset({"invalid", "unavailable", "time", "memory", "too_large", "busy", "stopping", "crashed",
                       "internal"})

    def __init__(self, kind: str, message: str) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown query failure kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message
