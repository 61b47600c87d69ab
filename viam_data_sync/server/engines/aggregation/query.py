"""``$match`` queries: field conditions with MongoDB's array and null rules.

A condition on ``a.b`` is tested against every value the path reaches: through arrays
(each element that is a document, and a numeric part as an index), and, when the value
reached is an array, against the array itself and each of its elements. ``{f: null}``
matches a missing field. Comparisons (``$gt``, ...) only match values of the same type
bracket ("type bracketing" in the manual).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from bson import Regex

from .bson_order import MISSING, compare, equal, is_number, to_decimal, type_rank
from .errors import AggregationError, UnsupportedError
from .expressions import Context, evaluate
from .ops_core import truthy, type_name
from .ops_strings import compile_regex

__all__ = ["matches"]

_TYPE_CODES = {1: "double", 2: "string", 3: "object", 4: "array", 5: "binData", 7: "objectId",
               8: "bool", 9: "date", 10: "null", 11: "regex", 16: "int", 17: "timestamp",
               18: "long", 19: "decimal", -1: "minKey", 127: "maxKey"}


def matches(doc: Dict[str, Any], query: Any, variables: Dict[str, Any] | None = None) -> bool:
    """True if ``doc`` satisfies the ``$match`` query document ``query``."""
    if not isinstance(query, dict):
        raise AggregationError("the match filter must be an expression in an object")
    for key, condition in query.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(condition, list) or not condition:
                raise AggregationError(f"{key} argument must be a non-empty array")
            results = (matches(doc, sub, variables) for sub in condition)
            ok = all(results) if key == "$and" else (any(results) if key == "$or" else not any(results))
        elif key == "$expr":
            ok = truthy(evaluate(condition, Context(doc, dict(variables or {}))))
        elif key == "$comment":
            ok = True
        elif key.startswith("$"):
            raise UnsupportedError(key, "$match")
        else:
            ok = _field_matches(_resolve(doc, key.split(".")), condition)
        if not ok:
            return False
    return True


def _resolve(value: Any, parts: List[str]) -> List[Any]:
    if not parts:
        return [value]
    head, rest = parts[0], parts[1:]
    if isinstance(value, dict):
        return _resolve(value.get(head, MISSING), rest)
    if isinstance(value, list):
        out: List[Any] = []
        if head.isdigit() and int(head) < len(value):
            out.extend(_resolve(value[int(head)], rest))
        for element in value:
            if isinstance(element, dict):
                out.extend(_resolve(element, parts))
        return out or [MISSING]
    return [MISSING]


def _is_operator_doc(condition: Any) -> bool:
    return isinstance(condition, dict) and bool(condition) and all(
        isinstance(k, str) and k.startswith("$") for k in condition)


def _field_matches(leaves: List[Any], condition: Any) -> bool:
    if _is_operator_doc(condition):
        options = condition.get("$options")
        for op, arg in condition.items():
            if op == "$options":
                if "$regex" not in condition:
                    raise AggregationError("$options needs a $regex")
                continue
            if not _operator(leaves, op, arg, options):
                return False
        return True
    return _eq(leaves, condition)


def _candidates(leaves: List[Any]) -> List[Any]:
    out: List[Any] = []
    for leaf in leaves:
        out.append(leaf)
        if isinstance(leaf, list):
            out.extend(leaf)
    return out


def _eq(leaves: List[Any], value: Any) -> bool:
    if isinstance(value, (Regex, re.Pattern)):
        return _regex(leaves, compile_regex(value))
    if value is None:
        return any(c is None or c is MISSING for c in _candidates(leaves))
    return any(c is not MISSING and equal(c, value) for c in _candidates(leaves))


def _regex(leaves: List[Any], pattern: "re.Pattern[str]") -> bool:
    return any(isinstance(c, str) and pattern.search(c) is not None for c in _candidates(leaves))


def _compare(leaves: List[Any], value: Any, test: Any) -> bool:
    rank = type_rank(value)
    for c in _candidates(leaves):
        if c is MISSING:
            if value is None and test(0):
                return True
            continue
        if type_rank(c) == rank and test(compare(c, value)):
            return True
    return False


def _type_matches(value: Any, wanted: Any) -> bool:
    if is_number(wanted):
        wanted = _TYPE_CODES.get(int(to_decimal(wanted)), "")
    if wanted == "number":
        return is_number(value)
    name = type_name(value)
    return name == wanted or (wanted == "double" and isinstance(value, float))


def _operator(leaves: List[Any], op: str, arg: Any, options: Any) -> bool:
    if op == "$eq":
        return _eq(leaves, arg)
    if op == "$ne":
        return not _eq(leaves, arg)
    if op in ("$gt", "$gte", "$lt", "$lte"):
        test = {"$gt": lambda c: c > 0, "$gte": lambda c: c >= 0,
                "$lt": lambda c: c < 0, "$lte": lambda c: c <= 0}[op]
        return _compare(leaves, arg, test)
    if op in ("$in", "$nin"):
        if not isinstance(arg, list):
            raise AggregationError(f"{op} needs an array")
        found = any(_eq(leaves, v) for v in arg)
        return found if op == "$in" else not found
    if op == "$exists":
        return any(leaf is not MISSING for leaf in leaves) == truthy(arg)
    if op == "$type":
        wanted = arg if isinstance(arg, list) else [arg]
        values = [c for c in _candidates(leaves) if c is not MISSING]
        return any(_type_matches(c, w) for c in values for w in wanted)
    if op == "$regex":
        return _regex(leaves, compile_regex(arg, options))
    if op == "$not":
        if isinstance(arg, (Regex, re.Pattern)):
            return not _regex(leaves, compile_regex(arg))
        if not _is_operator_doc(arg):
            raise AggregationError("$not needs a regex or a document")
        return not _field_matches(leaves, arg)
    if op == "$size":
        return any(isinstance(leaf, list) and len(leaf) == arg for leaf in leaves)
    if op == "$all":
        if not isinstance(arg, list):
            raise AggregationError("$all needs an array")
        if not arg:
            return False
        return all(_operator(leaves, "$elemMatch", v["$elemMatch"], None)
                   if isinstance(v, dict) and "$elemMatch" in v else _eq(leaves, v) for v in arg)
    if op == "$elemMatch":
        if not isinstance(arg, dict):
            raise AggregationError("$elemMatch needs an Object")
        for leaf in leaves:
            if isinstance(leaf, list):
                for element in leaf:
                    if _is_operator_doc(arg) and not any(k in ("$and", "$or", "$nor", "$expr") for k in arg):
                        if _field_matches([element], arg):
                            return True
                    elif isinstance(element, dict) and matches(element, arg):
                        return True
        return False
    if op == "$mod":
        if not isinstance(arg, list) or len(arg) != 2:
            raise AggregationError("malformed mod, needs to be an array of 2 numbers")
        divisor, remainder = int(to_decimal(arg[0])), int(to_decimal(arg[1]))
        return any(is_number(c) and int(to_decimal(c)) % divisor == remainder
                   for c in _candidates(leaves) if c is not MISSING)
    raise UnsupportedError(op, "$match")
