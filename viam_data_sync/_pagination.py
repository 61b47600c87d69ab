"""Resume tokens (``.cursor``) of the iterators (:mod:`viam_data_sync._iterators`), and
the keyset tokens of MQL pages.

A token is ``vds1.`` followed by urlsafe base64 of a small JSON object naming the kind
of iterator, a hash of the query it belongs to, and the position. It is opaque to
users, survives processes, and a token from another query or kind is refused.
"""
from __future__ import annotations

import base64
import json
from typing import Any, Dict

import bson

_CURSOR_PREFIX = "vds1."


def encode_cursor(state: Dict[str, Any]) -> str:
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return _CURSOR_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str, context: str, what: str = "query") -> Dict[str, Any]:
    """Parse a resume token made by :func:`encode_cursor` for an iterator of ``kind``
    over the query whose hash is ``context`` (``what`` names it in the error)."""
    if not isinstance(cursor, str) or not cursor.startswith(_CURSOR_PREFIX):
        raise ValueError("start_after must be a cursor from a viam-data-sync iterator's .cursor")
    body = cursor[len(_CURSOR_PREFIX):]
    try:
        state = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, TypeError) as exc:
        raise ValueError("start_after is not a valid cursor (corrupted?)") from exc
    if not isinstance(state, dict) or state.get("k") != kind:
        raise ValueError(f"start_after is a cursor of another kind of iterator, not {kind!r}")
    if state.get("c") != context:
        raise ValueError(f"start_after was made by an iterator over a different {what}")
    return state


def keyset_token(value: Any) -> str:
    """A keyset position (the last key value read) as a page token: hex BSON, so any
    BSON value (an ObjectId, a date, a number) survives a process."""
    return bson.encode({"v": value}).hex()


def keyset_value(token: str) -> Any:
    """The key value a :func:`keyset_token` holds."""
    return bson.decode(bytes.fromhex(token))["v"]
