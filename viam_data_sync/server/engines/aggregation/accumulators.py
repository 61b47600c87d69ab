"""``$group`` accumulators (also used by ``$bucket``, ``$bucketAuto`` and window functions).

Each accumulator is computed over the list of documents of one group: ``$sum`` and
``$avg`` ignore non-numbers (``$sum`` of none is 0, ``$avg`` of none is null); ``$min``
and ``$max`` ignore null and missing; ``$first``/``$last`` give null for a missing value;
``$push`` and ``$addToSet`` leave missing values out.
"""

from __future__ import annotations

import decimal
import heapq
import math
from typing import Any, Callable, Dict, List, Optional, Tuple

from .bson_order import MISSING, compare, is_number, simple_key, sort_key, sort_values, to_decimal, value_key
from .errors import AggregationError, UnsupportedError
from .expressions import Context, compile_expression, evaluate, nullish
from .ops_core import add_numbers
from .paths import get_path

__all__ = ["ACCUMULATORS", "accumulate", "accumulate_spec", "compare_first", "hashable", "sort_documents"]

Accumulator = Callable[[Any, List[Dict[str, Any]], Dict[str, Any]], Any]
ACCUMULATORS: Dict[str, Accumulator] = {}


def _register(*names: str) -> Callable[[Accumulator], Accumulator]:
    def wrap(fn: Accumulator) -> Accumulator:
        for name in names:
            ACCUMULATORS[name] = fn
        return fn
    return wrap


def accumulate(name: str, arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> Any:
    """The value of accumulator ``{name: arg}`` over ``docs``."""
    fn = ACCUMULATORS.get(name)
    if fn is None:
        raise UnsupportedError(name, "$group")
    return fn(arg, docs, variables)


def accumulate_spec(spec: Dict[str, Any], docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> Any:
    """The value of an accumulator document ``{name: arg}`` over ``docs``."""
    (name, arg), = spec.items()
    return accumulate(name, arg, docs, variables)


def compare_first(a: Tuple[Any, Any], b: Tuple[Any, Any]) -> int:
    """Orders pairs by their first items in MongoDB's order (a ``cmp_to_key`` comparator)."""
    return compare(a[0], b[0])


def _values(arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> List[Any]:
    if not docs:
        return []
    value = compile_expression(arg)
    return [value(Context(doc, variables)) for doc in docs]


def hashable(value: Any) -> Any:
    """A hashable stand-in equal for values MongoDB groups together (1 and 1.0, null and
    missing)."""
    if type(value) is str:  # the common key, first
        return ("s", value)
    if value is None or value is MISSING:
        return ("null",)
    if isinstance(value, bool):
        return ("b", value)
    if is_number(value):
        number = to_decimal(value)
        return ("n", "nan") if number.is_nan() else ("n", number.normalize() if number else decimal.Decimal(0))
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, dict):
        return ("o", tuple((k, hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("a", tuple(hashable(v) for v in value))
    return ("x", type(value).__name__, repr(value))


def _numbers(values: List[Any]) -> List[Any]:
    return [v for v in values if is_number(v)]


@_register("$sum")
def _sum(arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> Any:
    numbers = _numbers(_values(arg, docs, variables))
    return add_numbers(numbers) if numbers else 0


@_register("$avg")
def _avg(arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> Any:
    numbers = _numbers(_values(arg, docs, variables))
    if not numbers:
        return None
    return float(sum((to_decimal(v) for v in numbers), decimal.Decimal(0)) / len(numbers))


def _extreme(pick: Callable[..., Any]) -> Accumulator:
    def run(arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> Any:
        present = [v for v in _values(arg, docs, variables) if not nullish(v)]
        return pick(present, key=value_key) if present else None
    return run


_register("$max")(_extreme(max))
_register("$min")(_extreme(min))


@_register("$first")
def _first(arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> Any:
    if not docs:
        return None
    value = evaluate(arg, Context(docs[0], variables))
    return None if value is MISSING else value


@_register("$last")
def _last(arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> Any:
    if not docs:
        return None
    value = evaluate(arg, Context(docs[-1], variables))
    return None if value is MISSING else value


@_register("$push")
def _push(arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> Any:
    return [v for v in _values(arg, docs, variables) if v is not MISSING]


@_register("$addToSet")
def _add_to_set(arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> Any:
    out: List[Any] = []
    seen = set()
    for v in _values(arg, docs, variables):
        key = hashable(v)
        if v is not MISSING and key not in seen:
            seen.add(key)
            out.append(v)
    return out


@_register("$count")
def _count(arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> Any:
    if arg != {}:
        raise AggregationError("$count takes no arguments, i.e. $count:{}")
    return len(docs)


def _std_dev(sample: bool) -> Accumulator:
    def run(arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> Any:
        numbers = [float(to_decimal(v)) for v in _numbers(_values(arg, docs, variables))]
        if len(numbers) < (2 if sample else 1):
            return None
        count, mean, squares = 0, 0.0, 0.0
        for x in numbers:  # Welford's running update, as MongoDB's accumulator computes it
            count += 1
            delta = x - mean
            mean += delta / count
            squares += delta * (x - mean)
        return math.sqrt(squares / (count - (1 if sample else 0)))
    return run


_register("$stdDevPop")(_std_dev(False))
_register("$stdDevSamp")(_std_dev(True))


@_register("$mergeObjects")
def _merge(arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> Any:
    out: Dict[str, Any] = {}
    for value in _values(arg, docs, variables):
        if nullish(value):
            continue
        if not isinstance(value, dict):
            raise AggregationError("$mergeObjects requires object inputs")
        out.update(value)
    return out


def _n(arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any], name: str) -> int:
    if not isinstance(arg, dict) or "n" not in arg:
        raise AggregationError(f"{name} requires an 'n' field")
    n = evaluate(arg["n"], Context(docs[0] if docs else {}, variables))
    if not is_number(n) or int(to_decimal(n)) < 1:
        raise AggregationError(f"'n' must be greater than 0, found {n}")
    return int(to_decimal(n))


def _edge_n(name: str) -> Accumulator:
    def run(arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> Any:
        n = _n(arg, docs, variables, name)
        if "input" not in arg:
            raise AggregationError(f"{name} requires an 'input' field")
        values = [None if v is MISSING else v for v in _values(arg["input"], docs, variables)]
        if name == "$firstN":
            return values[:n]
        if name == "$lastN":
            return values[-n:]
        present = sorted((v for v in values if v is not None), key=value_key, reverse=name == "$maxN")
        return present[:n]
    return run


for _name in ("$firstN", "$lastN", "$maxN", "$minN"):
    _register(_name)(_edge_n(_name))


def sort_documents(docs: List[Dict[str, Any]], spec: Any, limit: Optional[int] = None) -> List[Dict[str, Any]]:
    """``docs`` in the order of ``$sort`` spec ``spec`` (stable, MongoDB's array keys);
    only the first ``limit`` of them when given (a top-k over one sort field: heapq's
    ``nsmallest``/``nlargest`` are ``sorted(...)[:limit]``, ties in input order)."""
    if not isinstance(spec, dict) or not spec:
        raise AggregationError("$sort key specification must be an object with at least one field")
    for direction in spec.values():
        if direction not in (1, -1) or isinstance(direction, bool):
            raise AggregationError("$sort key ordering must be 1 (for ascending) or -1 (for descending)")
    fields: List[Tuple[List[str], bool]] = [(f.split("."), d == -1) for f, d in spec.items()]
    if limit is not None and len(fields) == 1 and limit < len(docs):
        return _top_k(docs, *fields[0], limit)
    ordered = list(docs)
    # Stable sorts from the last key to the first: equal keys keep their input order.
    for parts, descending in reversed(fields):
        keys = [sort_key(_sort_candidates(doc, parts), descending) for doc in ordered]
        simple = [simple_key(k) for k in keys]
        if all(k is not None for k in simple):
            index = sorted(range(len(ordered)), key=simple.__getitem__, reverse=descending)
        else:
            index = sorted(range(len(ordered)), key=lambda i: value_key(keys[i]), reverse=descending)
        ordered = [ordered[i] for i in index]
    return ordered if limit is None else ordered[:limit]


def _top_k(docs: List[Dict[str, Any]], parts: List[str], descending: bool, limit: int) -> List[Dict[str, Any]]:
    keys = [sort_key(_sort_candidates(doc, parts), descending) for doc in docs]
    simple = [simple_key(k) for k in keys]
    if all(k is not None for k in simple):
        key: Callable[[int], Any] = simple.__getitem__
    else:
        key = lambda i: value_key(keys[i])  # noqa: E731 - as the full sort orders them
    pick = heapq.nlargest if descending else heapq.nsmallest
    return [docs[i] for i in pick(limit, range(len(docs)), key=key)]


def _sort_candidates(doc: Dict[str, Any], parts: List[str]) -> List[Any]:
    return sort_values(get_path(doc, parts))


def _top(name: str) -> Accumulator:
    def run(arg: Any, docs: List[Dict[str, Any]], variables: Dict[str, Any]) -> Any:
        if not isinstance(arg, dict) or "sortBy" not in arg or "output" not in arg:
            raise AggregationError(f"{name} requires 'sortBy' and 'output'")
        ordered = sort_documents(docs, arg["sortBy"])
        if name.startswith("$bottom"):
            ordered = ordered[::-1]
        outputs = [_missing_to_null(evaluate(arg["output"], Context(d, variables))) for d in ordered]
        if name.endswith("N"):
            picked = outputs[:_n(arg, docs, variables, name)]
            return picked[::-1] if name.startswith("$bottom") else picked
        return outputs[0] if outputs else None
    return run


def _missing_to_null(value: Any) -> Any:
    if value is MISSING:
        return None
    if isinstance(value, list):
        return [None if v is MISSING else v for v in value]
    return value


for _name in ("$top", "$bottom", "$topN", "$bottomN"):
    _register(_name)(_top(_name))

