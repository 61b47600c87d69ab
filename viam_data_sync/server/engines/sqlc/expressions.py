"""MongoSQL expressions as MQL aggregation expressions, with MongoSQL's semantics.

SQL's three-valued logic (NULL and MISSING are "unknown"), integer division, NULL on a
division by zero, ``CAST`` through ``$convert`` (NULL on error by default), 0-based
``POSITION`` with -1, and field access that keeps MISSING missing are written out here in
MQL, so the evaluator that answers ``TabularDataByMQL`` answers SQL too.
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Callable, Dict, List, Optional

from .parser import Node, Unsupported

__all__ = ["Compiler", "AGGREGATES", "timestamp"]

AGGREGATES = frozenset({"COUNT", "SUM", "AVG", "MIN", "MAX", "STDDEV_POP", "STDDEV_SAMP",
                        "ADD_TO_ARRAY", "FIRST", "LAST"})
_CAST_TO = {"INT": "int", "INTEGER": "int", "LONG": "long", "BIGINT": "long",
            "DOUBLE": "double", "REAL": "double", "FLOAT": "double", "DECIMAL": "decimal",
            "STRING": "string", "VARCHAR": "string", "CHAR": "string", "TEXT": "string",
            "BOOL": "bool", "BOOLEAN": "bool", "TIMESTAMP": "date", "BSON_DATE": "date",
            "OBJECTID": "objectId"}
_IS_TYPE = {"STRING": ["string"], "DOCUMENT": ["object"], "ARRAY": ["array"],
            "BOOLEAN": ["bool"], "BOOL": ["bool"], "INT": ["int"], "INTEGER": ["int"],
            "LONG": ["long"], "BIGINT": ["long"], "DOUBLE": ["double"], "REAL": ["double"],
            "DECIMAL": ["decimal"], "TIMESTAMP": ["date"], "BSON_DATE": ["date"],
            "OBJECTID": ["objectId"]}
_UNITS = {"YEAR": "year", "QUARTER": "quarter", "MONTH": "month", "WEEK": "week",
          "DAY": "day", "HOUR": "hour", "MINUTE": "minute", "SECOND": "second",
          "MILLISECOND": "millisecond"}
_EXTRACT = {"YEAR": "$year", "MONTH": "$month", "DAY": "$dayOfMonth", "HOUR": "$hour",
            "MINUTE": "$minute", "SECOND": "$second", "MILLISECOND": "$millisecond",
            "WEEK": "$week", "DAY_OF_YEAR": "$dayOfYear", "ISO_WEEK": "$isoWeek",
            "ISO_WEEKDAY": "$isoDayOfWeek", "DAYOFWEEK": "$dayOfWeek",
            "DAY_OF_WEEK": "$dayOfWeek"}
_COMPARE = {"eq": "$eq", "ne": "$ne", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
_TIME_FIELDS = frozenset({"time_received", "time_requested"})


def _is_unknown(value: Any) -> Dict[str, Any]:
    """MQL: true when ``value`` is NULL or MISSING."""
    return {"$in": [{"$type": value}, ["null", "missing", "undefined"]]}


def _let(values: List[Any], body: Callable[..., Any]) -> Dict[str, Any]:
    names = [f"v{i}" for i in range(len(values))]
    return {"$let": {"vars": dict(zip(names, values)),
                     "in": body(*[f"$${n}" for n in names])}}


def _null_if_unknown(values: List[Any], body: Callable[..., Any]) -> Dict[str, Any]:
    """``body`` over the values, NULL when any of them is NULL or MISSING."""
    return _let(values, lambda *v: {"$cond": [{"$or": [_is_unknown(x) for x in v]}, None,
                                              body(*v)]})


class Compiler:
    """Compiles expression trees; ``resolve`` maps a field path to an MQL value (or None).

    Example:
        >>> Compiler(lambda parts: "$" + ".".join(parts)).expr(("field", ("data", "b")))
        '$data.b'
    """

    def __init__(self, resolve: Callable[[tuple], Optional[Any]],  # type: ignore[type-arg]
                 aggregate: Optional[Callable[[Node], Any]] = None) -> None:
        self.resolve = resolve
        self.aggregate = aggregate

    def expr(self, node: Node) -> Any:  # noqa: C901 - one dispatch over the node kinds
        kind = node[0]
        if kind == "lit":
            return {"$literal": node[1]}
        if kind == "missing":
            return "$$REMOVE"
        if kind == "field":
            value = self.resolve(node[1])
            if value is None:
                raise Unsupported(f"invalid SQL: no such column: {'.'.join(node[1])}")
            return value
        if kind == "get":
            return {"$getField": {"field": {"$literal": node[2]}, "input": self.expr(node[1])}}
        if kind == "index":
            return _null_if_unknown([self.expr(node[1]), self.expr(node[2])],
                                    lambda a, i: {"$arrayElemAt": [a, i]})
        if kind == "array":
            return [{"$ifNull": [self.expr(item), None]} for item in node[1]]
        if kind == "doc":
            keys = [key for key, _ in node[1]]
            for key in keys:
                if key.startswith("$") or "." in key:
                    raise Unsupported(f"unsupported SQL: the document key {key!r} (keys "
                                      "with '.' or a leading '$' are not supported)")
            return {"$mergeObjects": [{}, {key: self.expr(value) for key, value in node[1]}]}
        if kind == "now":
            return {"$literal": node[1]}
        if kind == "and":
            return _let([self.expr(node[1]), self.expr(node[2])], lambda a, b: {"$switch": {
                "branches": [{"case": {"$eq": [a, False]}, "then": False},
                             {"case": {"$eq": [b, False]}, "then": False},
                             {"case": {"$or": [_is_unknown(a), _is_unknown(b)]}, "then": None}],
                "default": True}})
        if kind == "or":
            return _let([self.expr(node[1]), self.expr(node[2])], lambda a, b: {"$switch": {
                "branches": [{"case": {"$eq": [a, True]}, "then": True},
                             {"case": {"$eq": [b, True]}, "then": True},
                             {"case": {"$or": [_is_unknown(a), _is_unknown(b)]}, "then": None}],
                "default": False}})
        if kind == "not":
            return _null_if_unknown([self.expr(node[1])], lambda a: {"$not": [a]})
        if kind == "cmp":
            return self.compare(node[1], node[2], node[3])
        if kind == "between":
            _, value, low, high, negated = node
            both = ("and", ("cmp", "gte", value, low), ("cmp", "lte", value, high))
            return self.expr(("not", both) if negated else both)
        if kind == "in":
            _, value, items, negated = node
            test = {"$in": [self.expr(value), [self.expr(i) for i in items]]}
            return {"$not": [test]} if negated else test
        if kind == "is":
            return self.is_(node)
        if kind == "like":
            return self.like(node)
        if kind == "concat":
            return _null_if_unknown([self.expr(node[1]), self.expr(node[2])],
                                    lambda a, b: {"$concat": [a, b]})
        if kind == "arith":
            return self.arith(node[1], self.expr(node[2]), self.expr(node[3]))
        if kind == "neg":
            return _null_if_unknown([self.expr(node[1])], lambda a: {"$multiply": [a, -1]})
        if kind == "pos":
            # The identity: MongoSQL keeps a missing operand missing (and null null).
            return self.expr(node[1])
        if kind == "case":
            return self.case(node)
        if kind == "cast":
            return self.cast(node)
        if kind == "extract":
            operator = _EXTRACT.get(node[1])
            if operator is None:
                raise Unsupported(f"unsupported SQL: EXTRACT({node[1]} FROM ...)")
            return _null_if_unknown([self.expr(node[2])], lambda d: {operator: d})
        if kind == "call":
            return self.call(node)
        if kind == "star":
            raise Unsupported("invalid SQL: * is only allowed in the SELECT list and COUNT(*)")
        raise Unsupported(f"unsupported SQL: {kind}")

    # -------------------------------------------------------------- operators
    def compare(self, op: str, left: Node, right: Node) -> Any:
        a, b = self.expr(left), self.expr(right)
        # A time column compared with a string literal reads it as a timestamp.
        if left[0] == "field" and left[1][-1] in _TIME_FIELDS and right[0] == "lit" and \
                isinstance(right[1], str):
            b = {"$literal": timestamp(right[1])}
        elif right[0] == "field" and right[1][-1] in _TIME_FIELDS and left[0] == "lit" and \
                isinstance(left[1], str):
            a = {"$literal": timestamp(left[1])}
        return _null_if_unknown([a, b], lambda x, y: {_COMPARE[op]: [x, y]})

    def arith(self, op: str, a: Any, b: Any) -> Any:
        if op == "+":
            return _null_if_unknown([a, b], lambda x, y: {"$add": [x, y]})
        if op == "-":
            return _null_if_unknown([a, b], lambda x, y: {"$subtract": [x, y]})
        if op == "*":
            return _null_if_unknown([a, b], lambda x, y: {"$multiply": [x, y]})
        if op == "%":
            return _null_if_unknown([a, b], lambda x, y: {"$cond": [
                {"$eq": [y, 0]}, None, {"$mod": [x, y]}]})
        integral = ["int", "long"]
        return _null_if_unknown([a, b], lambda x, y: {"$switch": {"branches": [
            {"case": {"$eq": [y, 0]}, "then": None},
            {"case": {"$and": [{"$in": [{"$type": x}, integral]},
                               {"$in": [{"$type": y}, integral]}]},
             "then": {"$toLong": {"$trunc": [{"$divide": [x, y]}]}}}],
            "default": {"$divide": [x, y]}}})

    def is_(self, node: Node) -> Any:
        _, value, word, negated = node
        v = self.expr(value)
        if word == "MISSING":
            test: Any = {"$eq": [{"$type": v}, "missing"]}
        elif word == "NULL":
            test = _is_unknown(v)
        elif word == "NUMBER":
            test = {"$isNumber": v}
        else:
            test = {"$in": [{"$type": v}, _IS_TYPE[word]]}
        return {"$not": [test]} if negated else test

    def like(self, node: Node) -> Any:
        _, value, pattern, negated, escape = node
        if pattern[0] != "lit" or not isinstance(pattern[1], str):
            raise Unsupported("unsupported SQL: LIKE takes a string literal pattern")
        regex = _like_regex(pattern[1], escape)
        test = _null_if_unknown([self.expr(value)], lambda s: {"$regexMatch": {
            "input": s, "regex": regex, "options": "s"}})
        return self.expr_not(test) if negated else test

    @staticmethod
    def expr_not(test: Any) -> Any:
        return _null_if_unknown([test], lambda a: {"$not": [a]})

    def case(self, node: Node) -> Any:
        _, operand, branches, otherwise = node
        compiled = []
        for condition, result in branches:
            test = self.compare("eq", operand, condition) if operand is not None else \
                self.expr(condition)
            compiled.append({"case": {"$eq": [test, True]}, "then": self.expr(result)})
        default = self.expr(otherwise) if otherwise is not None else None
        return {"$switch": {"branches": compiled, "default": default}}

    def cast(self, node: Node) -> Any:
        _, value, target, on_null, on_error = node
        if target in ("DOCUMENT", "ARRAY"):
            wanted = "object" if target == "DOCUMENT" else "array"
            v = self.expr(value)
            return _let([v], lambda x: {"$switch": {"branches": [
                {"case": _is_unknown(x), "then": self._fallback(on_null)},
                {"case": {"$eq": [{"$type": x}, wanted]}, "then": x}],
                "default": self._fallback(on_error)}})
        to = _CAST_TO.get(target)
        if target == "DATE":
            raise Unsupported("unsupported SQL: there is no DATE type; use TIMESTAMP")
        if to is None:
            raise Unsupported(f"unsupported SQL: CAST to {target}")
        if to == "date" and value[0] == "lit" and isinstance(value[1], str):
            return {"$literal": timestamp(value[1])}
        return {"$convert": {"input": self.expr(value), "to": to,
                             "onError": self._fallback(on_error),
                             "onNull": self._fallback(on_null)}}

    def _fallback(self, node: Optional[Node]) -> Any:
        return None if node is None else self.expr(node)

    # -------------------------------------------------------------- functions
    def call(self, node: Node) -> Any:  # noqa: C901 - one table of functions
        name, args = node[1], node[2]
        if name in AGGREGATES:
            if self.aggregate is None:
                raise Unsupported(f"invalid SQL: the aggregate {name} is not allowed here "
                                  "(only in SELECT and HAVING)")
            return self.aggregate(node)
        if len(node) > 3:
            raise Unsupported(f"unsupported SQL: DISTINCT in {name}")
        if name in ("DATEADD", "TIMESTAMPADD"):
            unit, amount, date = self._date_args(name, args, 3)
            return _null_if_unknown([self.expr(amount), self.expr(date)], lambda n, d: {
                "$dateAdd": {"startDate": d, "unit": unit, "amount": n}})
        if name in ("DATEDIFF", "TIMESTAMPDIFF"):
            unit, start, end, *week = self._date_args(name, args, 3, 4)
            spec: Dict[str, Any] = {"unit": unit}
            if week:
                spec["startOfWeek"] = self.expr(week[0])
            return _null_if_unknown([self.expr(start), self.expr(end)], lambda a, b: {
                "$dateDiff": {"startDate": a, "endDate": b, **spec}})
        if name in ("DATETRUNC", "TIMESTAMPTRUNC"):
            unit, date, *week = self._date_args(name, args, 2, 3)
            spec = {"unit": unit}
            if week:
                spec["startOfWeek"] = self.expr(week[0])
            return _null_if_unknown([self.expr(date)], lambda d: {
                "$dateTrunc": {"date": d, **spec}})
        values = [self.expr(a) for a in args]
        fixed = _FUNCTIONS.get(name)
        if fixed is not None:
            arity, body = fixed
            if len(values) not in arity:
                raise Unsupported(f"invalid SQL: {name} takes {' or '.join(map(str, arity))} "
                                  f"arguments, got {len(values)}")
            return _null_if_unknown(values, body)
        if name == "COALESCE":
            if not values:
                raise Unsupported("invalid SQL: COALESCE takes at least one argument")
            return {"$ifNull": [*values, None]} if len(values) > 1 else \
                {"$ifNull": [values[0], None]}
        if name == "NULLIF":
            if len(values) != 2:
                raise Unsupported("invalid SQL: NULLIF takes 2 arguments")
            # A NULL or MISSING first argument answers NULL (spec test: NULLIF).
            return _let(values, lambda a, b: {"$cond": [{"$eq": [a, b]}, None,
                                                        {"$ifNull": [a, None]}]})
        raise Unsupported(f"unsupported SQL: the function {name.lower()} is not offered by "
                          "the local server (Atlas SQL's functions are)")

    def _date_args(self, name: str, args: List[Node], *arity: int) -> List[Any]:
        if len(args) not in arity or args[0][0] != "unit":
            raise Unsupported(f"invalid SQL: {name}(unit, ...) takes "
                              f"{' or '.join(map(str, arity))} arguments")
        unit = _UNITS.get(args[0][1])
        if unit is None:
            raise Unsupported(f"unsupported SQL: {name} unit {args[0][1]}")
        return [unit, *args[1:]]


def _substring(text: Any, start: Any, length: Any = -1) -> Any:
    return {"$substrCP": [text, start, {"$cond": [{"$lt": [length, 0]},
                                                   {"$strLenCP": text}, length]}]}


_FUNCTIONS: Dict[str, Any] = {
    "SIZE": ((1,), lambda a: {"$size": a}),
    "POSITION": ((2,), lambda needle, hay: {"$indexOfCP": [hay, needle]}),
    # MongoSQL answers NULL where MQL raises: a place outside [-20, 100], a negative SQRT.
    "ROUND": ((1, 2), lambda v, p=0: {"$cond": [
        {"$and": [{"$gte": [p, -20]}, {"$lte": [p, 100]}]}, {"$round": [v, p]}, None]}),
    "ABS": ((1,), lambda v: {"$abs": v}),
    "CEIL": ((1,), lambda v: {"$ceil": v}),
    "CEILING": ((1,), lambda v: {"$ceil": v}),
    "FLOOR": ((1,), lambda v: {"$floor": v}),
    "SQRT": ((1,), lambda v: {"$cond": [{"$lt": [v, 0]}, None, {"$sqrt": v}]}),
    "POWER": ((2,), lambda a, b: {"$pow": [a, b]}),
    "POW": ((2,), lambda a, b: {"$pow": [a, b]}),
    "MOD": ((2,), lambda a, b: {"$mod": [a, b]}),
    "LOG10": ((1,), lambda v: {"$log10": v}),
    "LN": ((1,), lambda v: {"$ln": v}),
    "UPPER": ((1,), lambda s: {"$toUpper": s}),
    "LOWER": ((1,), lambda s: {"$toLower": s}),
    "CHAR_LENGTH": ((1,), lambda s: {"$strLenCP": s}),
    "CHARACTER_LENGTH": ((1,), lambda s: {"$strLenCP": s}),
    "OCTET_LENGTH": ((1,), lambda s: {"$strLenBytes": s}),
    "BIT_LENGTH": ((1,), lambda s: {"$multiply": [{"$strLenBytes": s}, 8]}),
    "REPLACE": ((3,), lambda s, find, by: {"$replaceAll": {"input": s, "find": find,
                                                           "replacement": by}}),
    "TRIM BOTH": ((2,), lambda s, chars: {"$trim": {"input": s, "chars": chars}}),
    "TRIM LEADING": ((2,), lambda s, chars: {"$ltrim": {"input": s, "chars": chars}}),
    "TRIM TRAILING": ((2,), lambda s, chars: {"$rtrim": {"input": s, "chars": chars}}),
    "SIN": ((1,), lambda v: {"$sin": v}),
    "COS": ((1,), lambda v: {"$cos": v}),
    "TAN": ((1,), lambda v: {"$tan": v}),
    "DEGREES": ((1,), lambda v: {"$radiansToDegrees": v}),
    "RADIANS": ((1,), lambda v: {"$degreesToRadians": v}),
    "SUBSTRING": ((2, 3), _substring),
    "SLICE": ((2, 3), lambda a, *rest: {"$slice": [a, *rest]}),
}


def _like_regex(pattern: str, escape: Optional[str]) -> str:
    out = []
    escaped = False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif escape is not None and char == escape:
            escaped = True
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return "^" + "".join(out) + "$"


def timestamp(text: str) -> _dt.datetime:
    """An ISO 8601 literal as a naive UTC datetime (the evaluator's form)."""
    try:
        value = _dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Unsupported(f"unsupported SQL: {text!r} is not a timestamp; use ISO 8601, "
                          "e.g. '2024-01-01T00:00:00Z'") from None
    if value.tzinfo is not None:
        value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return value
