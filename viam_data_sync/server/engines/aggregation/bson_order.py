"""MongoDB's order of values across BSON types, and the values' own order within a type.

The manual's comparison order (``reference/bson-type-comparison-order``): MinKey, null,
numbers (int, long, double, decimal compared by value), strings, objects, arrays, binary
data, ObjectId, booleans, dates, timestamps, regular expressions, MaxKey. In expressions a
missing value sorts before null (``$cmp`` of a missing field and null is -1); a ``$sort``
treats missing as null and sorts an array by its smallest element ascending, its largest
descending, and an empty array before null.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import functools
import math
import re
from typing import Any, Callable, List, Sequence

from bson import Regex
from bson.binary import Binary
from bson.decimal128 import Decimal128
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

__all__ = ["MISSING", "EMPTY_ARRAY_KEY", "compare", "equal", "type_rank", "is_number", "simple_key",
           "sort_key", "sort_values", "to_decimal", "value_key"]


class _Missing:
    """The value of a field that is not there (distinct from null)."""

    _instance: "_Missing | None" = None

    def __new__(cls) -> "_Missing":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


class _EmptyArrayKey:
    """The sort key of an empty array: before null and missing."""

    def __repr__(self) -> str:
        return "EMPTY_ARRAY_KEY"


EMPTY_ARRAY_KEY: Any = _EmptyArrayKey()


def is_number(value: Any) -> bool:
    """True for int, long, double and decimal (never bool)."""
    return isinstance(value, (int, float, Decimal128)) and not isinstance(value, bool)


def to_decimal(value: Any) -> decimal.Decimal:
    """A number as an exact :class:`decimal.Decimal`."""
    if isinstance(value, Decimal128):
        return value.to_decimal()
    return decimal.Decimal(value)


_FAST_RANKS = {float: 10, int: 10, str: 15, dict: 20, list: 25, bool: 40, type(None): 5, _dt.datetime: 45}


def type_rank(value: Any) -> int:
    """The canonical rank of ``value``'s BSON type in MongoDB's comparison order."""
    fast = _FAST_RANKS.get(type(value))
    if fast is not None:
        return fast
    if value is MISSING:
        return 0
    if value is EMPTY_ARRAY_KEY:
        return 1
    if value is None:
        return 5
    if isinstance(value, MinKey):
        return -1
    if isinstance(value, MaxKey):
        return 127
    if isinstance(value, bool):
        return 40
    if is_number(value):
        return 10
    if isinstance(value, str):
        return 15
    if isinstance(value, dict):
        return 20
    if isinstance(value, (list, tuple)):
        return 25
    if isinstance(value, (bytes, Binary)):
        return 30
    if isinstance(value, ObjectId):
        return 35
    if isinstance(value, _dt.datetime):
        return 45
    if isinstance(value, Timestamp):
        return 47
    if isinstance(value, (Regex, re.Pattern)):
        return 50
    return 60


def _sign(x: Any) -> int:
    return -1 if x < 0 else (1 if x > 0 else 0)


def _compare_numbers(a: Any, b: Any) -> int:
    a_nan = _is_nan(a)
    b_nan = _is_nan(b)
    if a_nan or b_nan:
        return 0 if a_nan and b_nan else (-1 if a_nan else 1)
    if isinstance(a, Decimal128) or isinstance(b, Decimal128):
        return _sign(to_decimal(a).compare(to_decimal(b)))
    if a == b:
        return 0
    return -1 if a < b else 1


def _is_nan(value: Any) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, Decimal128):
        return value.to_decimal().is_nan()
    return False


def _utc(value: _dt.datetime) -> _dt.datetime:
    return value.astimezone(_dt.timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1: ``a`` before, equal to or after ``b`` in MongoDB's order."""
    ra, rb = type_rank(a), type_rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra in (-1, 0, 1, 5, 127):
        return 0
    if ra == 10:
        return _compare_numbers(a, b)
    if ra == 15:
        return _sign((a > b) - (a < b))
    if ra == 20:
        return _compare_objects(a, b)
    if ra == 25:
        for x, y in zip(a, b):
            c = compare(x, y)
            if c:
                return c
        return _sign(len(a) - len(b))
    if ra == 30:
        return _compare_binary(a, b)
    if ra == 35:
        return _sign((a.binary > b.binary) - (a.binary < b.binary))
    if ra == 40:
        return _sign(int(a) - int(b))
    if ra == 45:
        x, y = _utc(a), _utc(b)
        return _sign((x > y) - (x < y))
    if ra == 47:
        return _sign(((a.time, a.inc) > (b.time, b.inc)) - ((a.time, a.inc) < (b.time, b.inc)))
    if ra == 50:
        ka, kb = _regex_parts(a), _regex_parts(b)
        return _sign((ka > kb) - (ka < kb))
    ka2, kb2 = repr(a), repr(b)
    return _sign((ka2 > kb2) - (ka2 < kb2))


def _compare_objects(a: dict, b: dict) -> int:  # type: ignore[type-arg]
    items_a, items_b = list(a.items()), list(b.items())
    for (ka, va), (kb, vb) in zip(items_a, items_b):
        ra, rb = type_rank(va), type_rank(vb)
        if ra != rb:
            return -1 if ra < rb else 1
        if ka != kb:
            return -1 if ka < kb else 1
        c = compare(va, vb)
        if c:
            return c
    return _sign(len(items_a) - len(items_b))


def _compare_binary(a: Any, b: Any) -> int:
    ta = (len(a), getattr(a, "subtype", 0), bytes(a))
    tb = (len(b), getattr(b, "subtype", 0), bytes(b))
    return _sign((ta > tb) - (ta < tb))


def _regex_parts(value: Any) -> tuple:  # type: ignore[type-arg]
    if isinstance(value, Regex):
        return (str(value.pattern), str(value.flags))
    return (value.pattern, str(value.flags))


def equal(a: Any, b: Any) -> bool:
    """MongoDB equality (1 == 1.0, missing != null)."""
    return compare(a, b) == 0


value_key: Callable[[Any], Any] = functools.cmp_to_key(compare)


def sort_key(values: Sequence[Any], descending: bool) -> Any:
    """The key a ``$sort`` uses for a field that resolved to ``values`` (array elements
    flattened one level): the smallest ascending, the largest descending; [] before null."""
    if not values:
        return MISSING
    best = values[0]
    for value in values[1:]:
        c = compare(value, best)
        if (c > 0) if descending else (c < 0):
            best = value
    return best


def simple_key(value: Any) -> Any:
    """A plain Python sort key agreeing with :func:`compare` for null, numbers (not
    decimal), strings, booleans and naive dates; None for any other value."""
    kind = type(value)
    if kind is float:
        return (10, 0, 0.0) if value != value else (10, 1, value)
    if kind is int:
        return (10, 1, value)
    if kind is str:
        return (15, 0, value)
    if value is None or value is MISSING:
        return (5, 0, 0)
    if kind is bool:
        return (40, 0, int(value))
    if kind is _dt.datetime and value.tzinfo is None:
        return (45, 0, value)
    return None


def sort_values(raw: Any) -> List[Any]:
    """The candidate sort values of a field's raw value (arrays contribute elements)."""
    if raw is MISSING or raw is None:
        return [None]
    if isinstance(raw, list):
        return list(raw) if raw else [EMPTY_ARRAY_KEY]
    return [raw]
