"""``$densify`` and ``$fill``: adding the documents, and the values, a series lacks.

``$densify`` steps from the lower bound (the smallest value of the whole input for
``"full"``, of each partition for ``"partition"``, or the given ``[lower, upper)``) by
``step`` (in ``unit`` for dates) and adds a document holding just the field and the
partition fields for every step value no document has; documents without the field pass
through. ``$fill`` sets null or missing output fields to a ``value`` expression, the last
observation (``locf``) or a linear interpolation over ``sortBy`` (``linear``).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, List, Optional, Tuple

from .accumulators import hashable, sort_documents
from .bson_order import MISSING, compare, is_number, to_decimal
from .dates import add_units
from .errors import AggregationError
from .expressions import Context, evaluate, nullish
from .paths import get_path, set_path
from .windows import set_window_fields

__all__ = ["densify", "fill"]

Docs = List[Dict[str, Any]]
_MAX_GENERATED = 500_000


def densify(docs: Docs, spec: Any) -> Docs:
    """Runs one ``$densify`` stage."""
    if not isinstance(spec, dict) or "field" not in spec or not isinstance(spec.get("range"), dict):
        raise AggregationError("$densify requires 'field' and 'range'")
    field = spec["field"]
    if not isinstance(field, str) or field.startswith("$"):
        raise AggregationError("$densify: 'field' must be a field name that does not start with '$'")
    partition_fields = spec.get("partitionByFields", [])
    if not isinstance(partition_fields, list) or any(
            not isinstance(f, str) or f.startswith("$") for f in partition_fields):
        raise AggregationError("$densify: 'partitionByFields' must be an array of field names")
    step, unit, bounds = spec["range"].get("step"), spec["range"].get("unit"), spec["range"].get("bounds")
    if not is_number(step) or to_decimal(step) <= 0:
        raise AggregationError("$densify: the step must be a positive number")
    parts = field.split(".")
    partitions: Dict[Any, Tuple[List[Any], Docs]] = {}
    passthrough: Docs = []
    values: List[Any] = []
    for doc in docs:
        value = get_path(doc, parts)
        if nullish(value):
            passthrough.append(doc)
            continue
        _check_type(value, unit)
        values.append(value)
        key_values = [get_path(doc, f.split(".")) for f in partition_fields]
        partitions.setdefault(hashable(key_values), (key_values, []))[1].append(doc)
    out: Docs = list(passthrough)
    for key_values, members in partitions.values():
        present = [get_path(d, parts) for d in members]
        if bounds == "full":
            low, high, inclusive = min_max(values) + (True,)
        elif bounds == "partition":
            low, high, inclusive = min_max(present) + (True,)
        elif isinstance(bounds, list) and len(bounds) == 2:
            low, high, inclusive = bounds[0], bounds[1], False
            _check_type(low, unit)
            _check_type(high, unit)
        else:
            raise AggregationError("$densify: 'bounds' must be 'full', 'partition' or [lower, upper]")
        out.extend(members)
        out.extend(_generated(low, high, inclusive, step, unit, present, parts, partition_fields, key_values))
    if not partitions and isinstance(bounds, list) and not partition_fields:
        out.extend(_generated(bounds[0], bounds[1], False, step, unit, [], parts, [], []))
    return out


def min_max(values: List[Any]) -> Tuple[Any, Any]:
    """The smallest and largest of ``values`` in MongoDB's order."""
    low = high = values[0]
    for v in values[1:]:
        if compare(v, low) < 0:
            low = v
        if compare(v, high) > 0:
            high = v
    return low, high


def _check_type(value: Any, unit: Optional[str]) -> None:
    if isinstance(value, _dt.datetime):
        if unit is None:
            raise AggregationError("$densify: a date field requires a 'unit'")
    elif is_number(value):
        if unit is not None:
            raise AggregationError("$densify: a numeric field must not have a 'unit'")
    else:
        raise AggregationError("$densify: the field must hold numbers or dates")


def _generated(low: Any, high: Any, inclusive: bool, step: Any, unit: Optional[str], present: List[Any],
               parts: List[str], partition_fields: List[str], key_values: List[Any]) -> Docs:
    existing = {hashable(v) for v in present}
    out: Docs = []
    value, count = low, 0
    while compare(value, high) < 0 or (inclusive and compare(value, high) == 0):
        if hashable(value) not in existing:
            doc: Dict[str, Any] = {}
            for name, key in zip(partition_fields, key_values):
                if key is not MISSING:
                    set_path(doc, name.split("."), key)
            set_path(doc, parts, value)
            out.append(doc)
        count += 1
        if count > _MAX_GENERATED:
            raise AggregationError(f"$densify would generate more than {_MAX_GENERATED} documents")
        value = add_units(value, unit, int(step), None) if unit else value + step
    return out


def fill(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    """Runs one ``$fill`` stage."""
    if not isinstance(spec, dict) or not isinstance(spec.get("output"), dict):
        raise AggregationError("$fill requires an 'output' document")
    unknown = set(spec) - {"partitionBy", "partitionByFields", "sortBy", "output"}
    if unknown:
        raise AggregationError(f"$fill got an unknown field: {sorted(unknown)[0]}")
    if "partitionBy" in spec and "partitionByFields" in spec:
        raise AggregationError("$fill: only one of 'partitionBy' and 'partitionByFields' may be given")
    methods: Dict[str, Any] = {}
    values: Dict[str, Any] = {}
    for field, how in spec["output"].items():
        if not isinstance(how, dict) or len(how) != 1 or next(iter(how)) not in ("value", "method"):
            raise AggregationError(f"$fill: output field '{field}' needs exactly one of 'value' or 'method'")
        if "method" in how:
            if how["method"] not in ("linear", "locf"):
                raise AggregationError(f"$fill: unknown method {how['method']!r}")
            if "sortBy" not in spec:
                raise AggregationError("$fill: a 'method' needs a 'sortBy'")
            methods[field] = {"$linearFill" if how["method"] == "linear" else "$locf": "$" + field}
        else:
            values[field] = how["value"]
    out = docs
    if methods:
        window: Dict[str, Any] = {"sortBy": spec["sortBy"], "output": methods}
        if "partitionBy" in spec:
            window["partitionBy"] = spec["partitionBy"]
        elif "partitionByFields" in spec:
            window["partitionBy"] = {f: "$" + f for f in spec["partitionByFields"]}
        out = set_window_fields(out, window, variables)
    elif "sortBy" in spec:
        out = sort_documents(out, spec["sortBy"])
    if values:
        filled = []
        for doc in out:
            copy = dict(doc)
            for field, expr in values.items():
                if nullish(get_path(doc, field.split("."))):
                    set_path(copy, field.split("."), evaluate(expr, Context(doc, variables)))
            filled.append(copy)
        out = filled
    return out
