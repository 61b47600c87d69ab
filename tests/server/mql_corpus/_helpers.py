"""Shorthands the corpus modules share (no logic: constructors of BSON values)."""

from __future__ import annotations

import datetime as _dt

from bson.decimal128 import Decimal128
from bson.objectid import ObjectId
from bson.regex import Regex

__all__ = ["iso", "dec", "oid", "regex", "AGG", "QUERY", "REF"]

AGG = "https://www.mongodb.com/docs/manual/reference/operator/aggregation/"
QUERY = "https://www.mongodb.com/docs/manual/reference/operator/query/"
REF = "https://www.mongodb.com/docs/manual/reference/"


def iso(text: str) -> _dt.datetime:
    """``ISODate("...")`` as pymongo decodes it (naive UTC)."""
    value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return value


def dec(text: str) -> Decimal128:
    """``NumberDecimal("...")``."""
    return Decimal128(text)


def oid(text: str) -> ObjectId:
    """``ObjectId("...")``."""
    return ObjectId(text)


def regex(pattern: str, flags: str = "") -> Regex:  # type: ignore[type-arg]
    """A ``/pattern/flags`` literal."""
    return Regex(pattern, flags)
