"""Comparing an engine's answer with a case's transcribed output (engine-independent).

Numbers compare by value across int, long, double and decimal (the manual's shell prints
them alike); datetimes compare as UTC instants; field order inside documents is ignored.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
from typing import Any, Dict, List, Optional

from bson.decimal128 import Decimal128

__all__ = ["normalize", "mismatch", "is_plain_json", "server_form"]


def normalize(value: Any) -> Any:
    """A comparable, hashable-by-repr form of a decoded BSON value."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float, Decimal128)):
        if isinstance(value, float) and math.isnan(value):
            return ("num", "nan")
        number = value.to_decimal() if isinstance(value, Decimal128) else decimal.Decimal(value)
        if number.is_nan():
            return ("num", "nan")
        return ("num", number.normalize() if number.is_finite() and number else number)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return ("date", value.isoformat())
    if isinstance(value, dict):
        return {str(k): normalize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    if value is None:
        return None
    return (type(value).__name__, repr(value))


def _canon(value: Any) -> str:
    """A text form that ignores field order, for comparing documents as multisets."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_canon(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_canon(v) for v in value) + "]"
    return repr(value)


def _unordered(doc: Any, fields: List[str]) -> Any:
    if isinstance(doc, dict):
        return {k: (sorted(v, key=_canon) if k in fields and isinstance(v, list) else v) for k, v in doc.items()}
    return doc


def _key(doc: Any, field: str) -> Any:
    value = doc.get(field) if isinstance(doc, dict) else None
    return value[1] if isinstance(value, tuple) and value[0] == "num" else value


def mismatch(case: Dict[str, Any], output: List[Dict[str, Any]]) -> Optional[str]:
    """None when ``output`` is what ``case`` expects, else a message saying how it differs."""
    got = [normalize(d) for d in output]
    if "sample_of" in case:
        pool = [_canon(normalize(d)) for d in case["docs"]]
        if len(got) != case["sample_of"]:
            return f"expected {case['sample_of']} documents, got {len(got)}"
        if any(_canon(d) not in pool for d in got) or len({_canon(d) for d in got}) != len(got):
            return f"not distinct input documents: {output}"
        return None
    want = [normalize(d) for d in case["expected"]]
    loose = case.get("unordered_arrays", [])
    got, want = [_unordered(d, loose) for d in got], [_unordered(d, loose) for d in want]
    order = case.get("order", "exact")
    if order == "exact":
        return None if got == want else f"expected {want}\n     got {got}"
    if sorted(map(_canon, got)) != sorted(map(_canon, want)):
        return f"expected (any order) {want}\n     got {got}"
    if isinstance(order, tuple):
        _, field, direction = order
        keys = [_key(d, field) for d in got]
        pairs = list(zip(keys, keys[1:]))
        if any((a < b) if direction == -1 else (a > b) for a, b in pairs if a is not None and b is not None):
            return f"not sorted by {field} {direction}: {got}"
    return None


def is_plain_json(value: Any) -> bool:
    """True when ``value`` survives a trip through a protobuf Struct (a reading's data)."""
    if value is None or isinstance(value, (bool, str)):
        return True
    if isinstance(value, (int, float)):
        return not isinstance(value, float) or math.isfinite(value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(is_plain_json(v) for v in value)
    return False


def server_form(case: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The case as readings can carry it, or None when they cannot.

    A reading's ``data`` is JSON; one date per document travels as the reading's
    ``time_received`` (``date_field``, restored with ``$mergeObjects``), and ObjectId
    ``_id``s are left out of input and output alike where the case's stages pass ``_id``
    through untouched (``ids_pass_through``). Cases that depend on a distinction readings
    cannot carry (int vs double, ...) say so in ``server_skip``."""
    if "server_skip" in case:
        return None
    docs = [dict(d) for d in case["docs"]]
    expected = [dict(d) for d in case.get("expected", [])]
    if case.get("ids_pass_through"):
        docs = [{k: v for k, v in d.items() if k != "_id"} for d in docs]
        expected = [{k: v for k, v in d.items() if k != "_id"} for d in expected]
    field = case.get("date_field")
    times = None
    if field is not None:
        if not all(isinstance(d.get(field), _dt.datetime) for d in docs):
            return None
        times = [d.pop(field) for d in docs]
    if not is_plain_json(docs):
        return None
    return {**case, "docs": docs, "expected": expected, "times": times}
