"""``$setWindowFields``: window functions over partitions sorted by ``sortBy``.

Documents come out grouped by partition (partitions in ascending order of their key) and
sorted by ``sortBy`` within one, as MongoDB's internal sort leaves them. A window is
``documents: [lower, upper]`` (positions relative to the current document, or
``"current"``/``"unbounded"``) or ``range: [lower, upper]`` over the ``sortBy`` value
(with ``unit`` for dates); an accumulator without a window covers the whole partition.
"""

from __future__ import annotations

import datetime as _dt
import functools
from typing import Any, Dict, List, Optional, Tuple

from .accumulators import ACCUMULATORS, compare_first, hashable, sort_documents
from .bson_order import MISSING, compare, is_number, to_decimal
from .dates import UNIT_DELTAS, add_units
from .errors import AggregationError, UnsupportedError
from .expressions import Context, evaluate, nullish
from .paths import get_path, set_path

__all__ = ["set_window_fields"]

Docs = List[Dict[str, Any]]
_ORDER_FUNCTIONS = {"$rank", "$denseRank", "$documentNumber", "$shift", "$locf", "$linearFill",
                    "$expMovingAvg"}
_WINDOWED = {"$derivative", "$integral", "$covariancePop", "$covarianceSamp"}


def set_window_fields(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    """Runs one ``$setWindowFields`` stage."""
    if not isinstance(spec, dict) or not isinstance(spec.get("output"), dict):
        raise AggregationError("$setWindowFields requires an 'output' document")
    unknown = set(spec) - {"partitionBy", "sortBy", "output"}
    if unknown:
        raise AggregationError(f"$setWindowFields got an unknown field: {sorted(unknown)[0]}")
    sort_by = spec.get("sortBy")
    partitions: Dict[Any, Tuple[Any, Docs]] = {}
    for doc in docs:
        key = evaluate(spec["partitionBy"], Context(doc, variables)) if "partitionBy" in spec else None
        key = None if key is MISSING else key
        partitions.setdefault(hashable(key), (key, []))[1].append(doc)
    ordered = sorted(partitions.values(), key=functools.cmp_to_key(compare_first))
    out: Docs = []
    for _, members in ordered:
        rows = sort_documents(members, sort_by) if sort_by is not None else list(members)
        results = [dict(row) for row in rows]
        for field, function in spec["output"].items():
            values = _window_function(rows, function, sort_by, variables)
            for row, value in zip(results, values):
                set_path(row, field.split("."), value)
        out.extend(results)
    return out


def _window_function(rows: Docs, function: Any, sort_by: Any, variables: Dict[str, Any]) -> List[Any]:
    if not isinstance(function, dict):
        raise AggregationError("each $setWindowFields output must be a window function document")
    window = function.get("window")
    ops = [k for k in function if k != "window"]
    if len(ops) != 1:
        raise AggregationError("a window function must name exactly one operator")
    name, arg = ops[0], function[ops[0]]
    if name in _ORDER_FUNCTIONS:
        if sort_by is None:
            raise AggregationError(f"{name} requires a sortBy in $setWindowFields")
        return _ordered(name, arg, rows, sort_by, variables)
    if name not in ACCUMULATORS and name not in _WINDOWED:
        raise UnsupportedError(name, "$setWindowFields")
    results = []
    for index in range(len(rows)):
        members = _members(rows, index, window, sort_by, variables)
        results.append(_apply(name, arg, members, sort_by, variables))
    return results


def _sort_field(sort_by: Any) -> Tuple[List[str], int]:
    if not isinstance(sort_by, dict) or len(sort_by) != 1:
        raise AggregationError("a range window requires a sortBy on exactly one field")
    (field, direction), = sort_by.items()
    return field.split("."), direction


def _members(rows: Docs, index: int, window: Any, sort_by: Any, variables: Dict[str, Any]) -> Docs:
    if window is None:
        return rows
    if not isinstance(window, dict) or len(window) - ("unit" in window) != 1:
        raise AggregationError("window must have either 'documents' or 'range'")
    if "documents" in window:
        lower, upper = window["documents"]
        lo = 0 if lower == "unbounded" else index + (0 if lower == "current" else int(lower))
        hi = len(rows) - 1 if upper == "unbounded" else index + (0 if upper == "current" else int(upper))
        return rows[max(lo, 0):max(hi + 1, 0)]
    if "range" not in window:
        raise AggregationError("window must have either 'documents' or 'range'")
    parts, direction = _sort_field(sort_by)
    lower, upper = window["range"]
    here = get_path(rows[index], parts)
    unit = window.get("unit")

    def shifted(bound: Any) -> Any:
        if bound == "current":
            return here
        if unit is None:
            if not is_number(here):
                raise AggregationError("a range window over non-numbers needs a unit")
            return here + bound * direction
        if not isinstance(here, _dt.datetime):
            raise AggregationError("a range window with a unit needs dates in sortBy")
        return add_units(here, unit, int(bound) * direction, None)

    low = None if lower == "unbounded" else shifted(lower)
    high = None if upper == "unbounded" else shifted(upper)
    if direction == -1:
        low, high = high, low
    out = []
    for row in rows:
        value = get_path(row, parts)
        if nullish(value):
            continue
        if (low is None or compare(value, low) >= 0) and (high is None or compare(value, high) <= 0):
            out.append(row)
    return out


def _apply(name: str, arg: Any, members: Docs, sort_by: Any, variables: Dict[str, Any]) -> Any:
    if name in ("$derivative", "$integral"):
        return _calculus(name, arg, members, sort_by, variables)
    if name in ("$covariancePop", "$covarianceSamp"):
        pairs = [(evaluate(arg[0], Context(d, variables)), evaluate(arg[1], Context(d, variables)))
                 for d in members]
        nums = [(float(to_decimal(x)), float(to_decimal(y))) for x, y in pairs if is_number(x) and is_number(y)]
        sample = name == "$covarianceSamp"
        if len(nums) < (2 if sample else 1):
            return None
        mx = sum(x for x, _ in nums) / len(nums)
        my = sum(y for _, y in nums) / len(nums)
        return sum((x - mx) * (y - my) for x, y in nums) / (len(nums) - (1 if sample else 0))
    if name == "$count" and not members:
        return 0
    return ACCUMULATORS[name](arg, members, variables)


def _as_number(value: Any, unit: Optional[str]) -> float:
    if isinstance(value, _dt.datetime):
        if unit is None:
            raise AggregationError("a date sortBy needs a 'unit'")
        return (value - _dt.datetime(1970, 1, 1)) / UNIT_DELTAS[unit]
    return float(to_decimal(value))


def _calculus(name: str, arg: Any, members: Docs, sort_by: Any, variables: Dict[str, Any]) -> Any:
    if not isinstance(arg, dict) or "input" not in arg:
        raise AggregationError(f"{name} requires an 'input'")
    parts, _ = _sort_field(sort_by)
    unit = arg.get("unit")
    points = [(_as_number(get_path(d, parts), unit), evaluate(arg["input"], Context(d, variables)))
              for d in members]
    points = [(x, float(to_decimal(y))) for x, y in points if is_number(y)]
    if name == "$derivative":
        if len(points) < 2:
            return None
        (x0, y0), (x1, y1) = points[0], points[-1]
        return (y1 - y0) / (x1 - x0) if x1 != x0 else None
    if not points:
        return None
    return sum((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in zip(points, points[1:]))


def _ordered(name: str, arg: Any, rows: Docs, sort_by: Any, variables: Dict[str, Any]) -> List[Any]:
    n = len(rows)
    if name == "$documentNumber":
        return list(range(1, n + 1))
    if name in ("$rank", "$denseRank"):
        keys = [[get_path(r, f.split(".")) for f in sort_by] for r in rows]
        out, rank, dense = [], 0, 0
        for i in range(n):
            if i == 0 or any(compare(a, b) for a, b in zip(keys[i], keys[i - 1])):
                rank, dense = i + 1, dense + 1
            out.append(rank if name == "$rank" else dense)
        return out
    if name == "$shift":
        if not isinstance(arg, dict) or "output" not in arg or "by" not in arg:
            raise AggregationError("$shift requires 'output' and 'by'")
        default = arg.get("default", None)
        shifted: List[Any] = []
        for i in range(n):
            j = i + int(arg["by"])
            value = evaluate(arg["output"], Context(rows[j], variables)) if 0 <= j < n else default
            shifted.append(None if value is MISSING else value)
        return shifted
    values = [evaluate(arg.get("input") if name == "$expMovingAvg" else arg, Context(r, variables))
              for r in rows]
    if name == "$locf":
        filled: List[Any] = []
        last: Any = None
        for value in values:
            if not nullish(value):
                last = value
            filled.append(last)
        return filled
    if name == "$linearFill":
        return _linear_fill(values, rows, sort_by)
    return _moving_average(arg, values)


def _linear_fill(values: List[Any], rows: Docs, sort_by: Any) -> List[Any]:
    parts, _ = _sort_field(sort_by)
    xs = [get_path(r, parts) for r in rows]
    if any(compare(a, b) == 0 for a, b in zip(xs, xs[1:])):
        raise AggregationError("$linearFill (and $fill's linear method) needs distinct sortBy values "
                               "within a partition")
    known = [i for i, v in enumerate(values) if not nullish(v)]
    out = [None if nullish(v) else v for v in values]
    for a, b in zip(known, known[1:]):
        for i in range(a + 1, b):
            span = _distance(xs[a], xs[b])
            fraction = _distance(xs[a], xs[i]) / span if span else 0
            out[i] = values[a] + (values[b] - values[a]) * fraction
    return out


def _distance(a: Any, b: Any) -> float:
    if isinstance(a, _dt.datetime):
        return float((b - a).total_seconds())
    return float(to_decimal(b)) - float(to_decimal(a))


def _moving_average(arg: Any, values: List[Any]) -> List[Any]:
    if not isinstance(arg, dict) or ("N" in arg) == ("alpha" in arg):
        raise AggregationError("$expMovingAvg requires exactly one of 'N' and 'alpha'")
    alpha = 2 / (int(arg["N"]) + 1) if "N" in arg else float(arg["alpha"])
    out: List[Any] = []
    average: Optional[float] = None
    for value in values:
        if is_number(value):
            x = float(to_decimal(value))
            average = x if average is None else x * alpha + average * (1 - alpha)
            out.append(average)
        else:
            out.append(None)
    return out

