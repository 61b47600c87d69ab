"""The store's errors: what a caller asked for that the store cannot give.

The store knows nothing of RPCs; ``server/_rpc.py`` (the one place errors become
statuses) maps each of these to its gRPC status, keeping the message as the details::

    StoreError
     ├── InvalidInput   INVALID_ARGUMENT: a filter, cursor, sort order, list or time the
     │                  store cannot use
     ├── AccessDenied   PERMISSION_DENIED: an organization outside the caller's scope
     └── NotFound       NOT_FOUND: a row the caller named does not exist (or is not theirs)

Each message is for the caller and names what was wrong, never a secret.

Example::

    from viam_data_sync.server.store.errors import InvalidInput

    try:
        filters.descending_of(9)
    except InvalidInput as err:
        print(err.message)   # unknown sort_order 9
"""

from __future__ import annotations

__all__ = ["AccessDenied", "InvalidInput", "NotFound", "StoreError"]


class StoreError(Exception):
    """A request the store refuses; ``message`` is shown to the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(StoreError):
    """A filter, cursor, sort order, list or time the store cannot use."""


class AccessDenied(StoreError):
    """An organization outside the caller's scope."""


class NotFound(StoreError):
    """A row the caller named that does not exist, or that the caller may not see."""
