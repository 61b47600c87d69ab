"""The error the local SQL and MQL engines raise for a query they cannot run.

The servicer turns a :class:`QueryError` into ``INVALID_ARGUMENT`` with the message as
details, so every message names what was not understood, e.g.
``"unsupported SQL: INSERT statements are read-only"`` or
``"unsupported MQL stage: $lookup"``.
"""
from __future__ import annotations

__all__ = ["QueryError", "QueryLimitHit"]


class QueryError(ValueError):
    """A SQL or MQL query that the local server rejects; the message is shown to the client."""


class QueryLimitHit(QueryError):
    """A query stopped by one of the server's limits (its message names the limit):
    ``kind`` is ``"time"`` (DEADLINE_EXCEEDED) or ``"memory"`` (RESOURCE_EXHAUSTED)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
