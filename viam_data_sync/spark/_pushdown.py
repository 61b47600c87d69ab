"""Spark's pushed filters as a narrower read: comparisons on ``time_received`` shrink
the window, equalities on capture columns become filter fields.

Spark sees times in microseconds (a stored time is truncated), the service in
nanoseconds, so ``time_received > X`` is the window from ``X + 1 µs``, and
``<= X`` ends before ``X + 1 µs``: the narrowed window holds exactly the rows the
filter keeps. Filters this module does not understand change nothing. Every filter is
still handed back to Spark, which applies it again after the scan.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, Iterable, Optional, Tuple

from viam_data_sync._convert import datetime_to_ns
from viam_data_sync.spark._options import ReadOptions

_US = 1000
#: Capture columns whose equality is a ``create_filter`` field of one value.
_TEXT_COLUMNS = {"component_name": "component_name", "component_type": "component_type",
                 "method_name": "method", "robot_name": "robot_name", "robot_id": "robot_id",
                 "part_name": "part_name", "part_id": "part_id"}
#: Capture columns whose equality (or ``IN``) is a ``create_filter`` list field.
_LIST_COLUMNS = {"location_id": "location_ids", "organization_id": "organization_ids"}


def _time_range(kind: str, ns: int) -> Optional[Tuple[Optional[int], Optional[int]]]:
    """The ``[lo, hi)`` of stored times a comparison keeps (``None``: not a comparison)."""
    return {
        "GreaterThan": (ns + _US, None),
        "GreaterThanOrEqual": (ns, None),
        "LessThan": (None, ns),
        "LessThanOrEqual": (None, ns + _US),
        "EqualTo": (ns, ns + _US),
    }.get(kind)


def _tighter(a: Optional[int], b: Optional[int], pick: Any) -> Optional[int]:
    return b if a is None else a if b is None else pick(a, b)


def narrow(read: ReadOptions, filters: Iterable[Any]) -> ReadOptions:
    """``read`` narrowed by Spark's pushed filters (``pyspark.sql.datasource.Filter``s,
    ANDed).

    Example::

        narrow(read, [GreaterThanOrEqual(("time_received",), datetime(2025, 1, 1, tzinfo=timezone.utc))])
    """
    lo, hi = read.start_ns, read.end_ns
    fields: Dict[str, Any] = dict(read.fields)
    for spark_filter in filters:
        kind = type(spark_filter).__name__
        attribute: Tuple[str, ...] = tuple(getattr(spark_filter, "attribute", ()))
        value: Any = getattr(spark_filter, "value", None)
        if len(attribute) != 1:
            continue
        column = attribute[0]
        if column == "time_received" and isinstance(value, _dt.datetime):
            window = _time_range(kind, datetime_to_ns(value))
            if window is not None:
                lo, hi = _tighter(lo, window[0], max), _tighter(hi, window[1], min)
        elif column in _TEXT_COLUMNS and kind == "EqualTo" and isinstance(value, str):
            fields.setdefault(_TEXT_COLUMNS[column], value)
        elif column in _LIST_COLUMNS and kind in ("EqualTo", "In"):
            values = (value,) if kind == "EqualTo" else tuple(value)
            if values and all(isinstance(v, str) for v in values):
                fields.setdefault(_LIST_COLUMNS[column], values)
    return read.replace(fields=tuple(sorted(fields.items())), start_ns=lo, end_ns=hi)
