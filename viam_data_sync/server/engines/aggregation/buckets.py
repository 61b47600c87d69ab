"""``$bucket`` and ``$bucketAuto`` (with ``granularity``).

``$bucketAuto`` follows MongoDB's algorithm: documents sorted by the ``groupBy`` value
are cut into runs of ``round(n / buckets)`` (at least one); a run grows while the next
value equals the last; the last bucket takes what is left. Each bucket's ``max`` is the
next bucket's ``min`` (the last bucket's own largest value). With ``granularity`` the
first ``min`` is rounded down and every ``max`` rounded up to the preferred-number
series (strictly greater: R20 rounds 19 up to 20, E24 rounds 39 up to 43), and values
below a rounded ``max`` join that bucket.
"""

from __future__ import annotations

import decimal
import functools
import math
from typing import Any, Dict, List, Optional, Tuple

from .accumulators import accumulate_spec, compare_first
from .bson_order import MISSING, compare, is_number, to_decimal
from .errors import AggregationError, UnsupportedError
from .expressions import Context, evaluate

__all__ = ["bucket", "bucket_auto"]

Docs = List[Dict[str, Any]]
_D = decimal.Decimal
_SERIES: Dict[str, List[str]] = {
    "R5": ["1.0", "1.6", "2.5", "4.0", "6.3"],
    "R10": ["1.0", "1.25", "1.6", "2.0", "2.5", "3.15", "4.0", "5.0", "6.3", "8.0"],
    "R20": ["1.0", "1.12", "1.25", "1.4", "1.6", "1.8", "2.0", "2.24", "2.5", "2.8", "3.15",
            "3.55", "4.0", "4.5", "5.0", "5.6", "6.3", "7.1", "8.0", "9.0"],
    "R40": ["1.0", "1.06", "1.12", "1.18", "1.25", "1.32", "1.4", "1.5", "1.6", "1.7", "1.8",
            "1.9", "2.0", "2.12", "2.24", "2.36", "2.5", "2.65", "2.8", "3.0", "3.15", "3.35",
            "3.55", "3.75", "4.0", "4.25", "4.5", "4.75", "5.0", "5.3", "5.6", "6.0", "6.3",
            "6.7", "7.1", "7.5", "8.0", "8.5", "9.0", "9.5"],
    "1-2-5": ["1", "2", "5"],
    "E6": ["1.0", "1.5", "2.2", "3.3", "4.7", "6.8"],
    "E12": ["1.0", "1.2", "1.5", "1.8", "2.2", "2.7", "3.3", "3.9", "4.7", "5.6", "6.8", "8.2"],
    "E24": ["1.0", "1.1", "1.2", "1.3", "1.5", "1.6", "1.8", "2.0", "2.2", "2.4", "2.7", "3.0",
            "3.3", "3.6", "3.9", "4.3", "4.7", "5.1", "5.6", "6.2", "6.8", "7.5", "8.2", "9.1"],
}
_KNOWN = {"R80", "E48", "E96", "E192", "POWERSOF2", *_SERIES}


def _output(spec: Dict[str, Any], stage: str) -> Dict[str, Any]:
    output = spec.get("output", {"count": {"$sum": 1}})
    if not isinstance(output, dict):
        raise AggregationError(f"{stage}: 'output' must be a document")
    for field, acc in output.items():
        if not isinstance(acc, dict) or len(acc) != 1:
            raise AggregationError(f"{stage}: the field '{field}' must be an accumulator object")
    return output


def _fields(output: Dict[str, Any], docs: Docs, variables: Dict[str, Any]) -> Dict[str, Any]:
    return {field: accumulate_spec(acc, docs, variables) for field, acc in output.items()}


def bucket(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    """Runs one ``$bucket`` stage."""
    if not isinstance(spec, dict) or "groupBy" not in spec or "boundaries" not in spec:
        raise AggregationError("$bucket requires 'groupBy' and 'boundaries' to be specified")
    unknown = set(spec) - {"groupBy", "boundaries", "default", "output"}
    if unknown:
        raise AggregationError(f"Unrecognized option to $bucket: {sorted(unknown)[0]}")
    bounds = spec["boundaries"]
    if not isinstance(bounds, list) or len(bounds) < 2 or any(
            compare(a, b) >= 0 for a, b in zip(bounds, bounds[1:])):
        raise AggregationError("$bucket 'boundaries' must be an ascending array of at least two values")
    output = _output(spec, "$bucket")
    groups: List[Docs] = [[] for _ in bounds[:-1]]
    default: Docs = []
    for doc in docs:
        value = evaluate(spec["groupBy"], Context(doc, variables))
        value = None if value is MISSING else value
        for index in range(len(bounds) - 1):
            if compare(bounds[index], value) <= 0 < compare(bounds[index + 1], value) and \
                    _same_bracket(value, bounds[index]):
                groups[index].append(doc)
                break
        else:
            if "default" not in spec:
                raise AggregationError("$bucket could not find a matching branch for an input, "
                                       "and no default was specified.")
            default.append(doc)
    out = [{"_id": bounds[i], **_fields(output, g, variables)} for i, g in enumerate(groups) if g]
    if default:
        out.append({"_id": spec["default"], **_fields(output, default, variables)})
    return out


def _same_bracket(a: Any, b: Any) -> bool:
    return (is_number(a) and is_number(b)) or type(a) is type(b)


def bucket_auto(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    """Runs one ``$bucketAuto`` stage."""
    if not isinstance(spec, dict) or "groupBy" not in spec or "buckets" not in spec:
        raise AggregationError("$bucketAuto requires 'groupBy' and 'buckets' to be specified")
    unknown = set(spec) - {"groupBy", "buckets", "output", "granularity"}
    if unknown:
        raise AggregationError(f"Unrecognized option to $bucketAuto: {sorted(unknown)[0]}")
    count = spec["buckets"]
    if isinstance(count, bool) or not is_number(count) or to_decimal(count) != int(to_decimal(count)) \
            or int(to_decimal(count)) < 1:
        raise AggregationError("$bucketAuto 'buckets' field must be greater than 0")
    granularity = spec.get("granularity")
    if granularity is not None and granularity not in _KNOWN:
        raise AggregationError(f"$bucketAuto: unknown granularity {granularity!r}")
    if granularity is not None and granularity not in _SERIES and granularity != "POWERSOF2":
        raise UnsupportedError(f"granularity {granularity}", "$bucketAuto")
    output = _output(spec, "$bucketAuto")
    keyed: List[Tuple[Any, Dict[str, Any]]] = []
    for doc in docs:
        value = evaluate(spec["groupBy"], Context(doc, variables))
        value = None if value is MISSING else value
        if granularity is not None and (not is_number(value) or to_decimal(value) < 0
                                        or to_decimal(value).is_nan()):
            raise AggregationError("$bucketAuto can specify a 'granularity' with numeric boundaries "
                                   f"only, but found a value {value!r}")
        keyed.append((value, doc))
    keyed.sort(key=functools.cmp_to_key(compare_first))
    runs = _runs(keyed, int(to_decimal(count)), granularity)
    out = []
    for position, (low, high, members) in enumerate(runs):
        out.append({"_id": {"min": low, "max": high},
                    **_fields(output, [doc for _, doc in members], variables)})
    return out


def _runs(keyed: List[Tuple[Any, Dict[str, Any]]], count: int,
          granularity: Optional[str]) -> List[Tuple[Any, Any, List[Tuple[Any, Dict[str, Any]]]]]:
    size = max(1, round(len(keyed) / count))
    cuts: List[List[Tuple[Any, Dict[str, Any]]]] = []
    index = 0
    while index < len(keyed):
        end = min(index + size, len(keyed)) if len(cuts) < count - 1 else len(keyed)
        while end < len(keyed) and compare(keyed[end][0], keyed[end - 1][0]) == 0:
            end += 1
        if granularity is not None:
            upper = _round(keyed[end - 1][0], granularity, up=True)
            while end < len(keyed) and compare(keyed[end][0], upper) < 0:
                end += 1
        cuts.append(keyed[index:end])
        index = end
    runs: List[Tuple[Any, Any, List[Tuple[Any, Dict[str, Any]]]]] = []
    for position, members in enumerate(cuts):
        if granularity is None:
            low = members[0][0]
            high = cuts[position + 1][0][0] if position + 1 < len(cuts) else members[-1][0]
        else:
            low = runs[-1][1] if runs else _round(members[0][0], granularity, up=False)
            high = _round(members[-1][0], granularity, up=True)
        runs.append((low, high, members))
    return runs


def _round(value: Any, granularity: str, up: bool) -> Any:
    number = to_decimal(value)
    if number == 0:
        return value
    if granularity == "POWERSOF2":
        exponent = math.floor(math.log2(float(number)))
        candidates = [_D(2) ** e for e in range(exponent - 1, exponent + 3)]
    else:
        exponent = number.adjusted()
        candidates = [_D(s).scaleb(e) for e in range(exponent - 1, exponent + 2) for s in _SERIES[granularity]]
    if up:
        result = min(c for c in candidates if c > number)
    else:
        result = max(c for c in candidates if c < number)
    return int(result) if result == int(result) else float(result)
