"""Cases for $filter (with limit), $first/$last, $arrayElemAt and array literals."""

from __future__ import annotations

from typing import Any, Dict, List

from bson.int64 import Int64

from ._helpers import AGG, regex

_SALES = [
    {"_id": 0, "items": [{"item_id": 43, "quantity": 2, "price": 10, "name": "pen"},
                         {"item_id": 2, "quantity": 1, "price": 240, "name": "briefcase"}]},
    {"_id": 1, "items": [{"item_id": 23, "quantity": 3, "price": 110, "name": "notebook"},
                         {"item_id": 103, "quantity": 4, "price": 5, "name": "pen"},
                         {"item_id": 38, "quantity": 1, "price": 300, "name": "printer"}]},
    {"_id": 2, "items": [{"item_id": 4, "quantity": 1, "price": 23, "name": "paper"}]},
]
_PEN0, _CASE0 = _SALES[0]["items"]
_NOTE1, _PEN1, _PRINTER1 = _SALES[1]["items"]
_PAPER2 = _SALES[2]["items"][0]
_MIXED = [1, "a", 2, None, 3.1, Int64(4), "5"]


def _filter(name: str, anchor: str, cond: Any, expected: List[List[Any]], **extra: Any) -> Dict[str, Any]:
    return {"name": f"filter/{name}", "source": AGG + "filter/" + anchor, "docs": _SALES,
            "pipeline": [{"$project": {"items": {"$filter": {"input": "$items", "as": "item", "cond": cond, **extra}}}}],
            "expected": [{"_id": i, "items": items} for i, items in enumerate(expected)]}


def _filter_literal(limit: Any, expected: List[Any], row: int) -> Dict[str, Any]:
    spec: Dict[str, Any] = {"input": _MIXED, "as": "num", "cond": {"$isNumber": "$$num"}}
    if limit is not None:
        spec["limit"] = limit
    return {"name": f"filter/behavior-row-{row}", "source": AGG + "filter/#behavior", "docs": [{"_id": 1}],
            "pipeline": [{"$project": {"_id": 0, "r": {"$filter": spec}}}], "expected": [{"r": expected}],
            "server_skip": "Int64 in the input is a type readings cannot hold"}


_EXAMPLE1 = [{"_id": 1, "x": [1, 2, 3]}, {"_id": 2, "x": [[]]}, {"_id": 3, "x": [None]}, {"_id": 4, "x": []},
             {"_id": 5, "x": None}, {"_id": 6}]
_RUNNING = [
    {"_id": 1, "team": "Anteater", "log": [{"run": 1, "distance": 8}, {"run2": 2, "distance": 7.5}, {"run": 3, "distance": 9.2}]},
    {"_id": 2, "team": "Bears", "log": [{"run": 1, "distance": 18}, {"run2": 2, "distance": 17}, {"run": 3, "distance": 16}]},
    {"_id": 3, "team": "Cobras", "log": [{"run": 1, "distance": 2}]},
]
_USERS = [
    {"_id": 1, "name": "dave123", "favorites": ["chocolate", "cake", "butter", "apples"]},
    {"_id": 2, "name": "li", "favorites": ["apples", "pudding", "pie"]},
    {"_id": 3, "name": "ahn", "favorites": ["pears", "pecans", "chocolate", "cherries"]},
    {"_id": 4, "name": "ty", "favorites": ["ice cream"]},
]


def _elem_at(args: List[Any], expected: Any, row: int) -> Dict[str, Any]:
    out: Dict[str, Any] = {} if expected is _NONE else {"r": expected}
    return {"name": f"arrayElemAt/behavior-row-{row}", "source": AGG + "arrayElemAt/#behavior", "docs": [{"_id": 1}],
            "pipeline": [{"$project": {"_id": 0, "r": {"$arrayElemAt": args}}}], "expected": [out]}


_NONE = object()

CASES: List[Dict[str, Any]] = [
    _filter("number-comparison", "#filter-based-on-number-comparison", {"$gte": ["$$item.price", 100]},
            [[_CASE0], [_NOTE1, _PRINTER1], []]),
    _filter("limit", "#use-the-limit-field", {"$gte": ["$$item.price", 100]}, [[_CASE0], [_NOTE1], []], limit=1),
    _filter("limit-greater", "#limit-greater-than-possible-matches", {"$gte": ["$$item.price", 100]},
            [[_CASE0], [_NOTE1, _PRINTER1], []], limit=5),
    _filter("string-equality", "#filter-based-on-string-equality-match", {"$eq": ["$$item.name", "pen"]},
            [[_PEN0], [_PEN1], []]),
    _filter("regex-no-options", "#filter-based-on-regular-expression-match",
            {"$regexMatch": {"input": "$$item.name", "regex": regex("^p")}}, [[_PEN0], [_PEN1, _PRINTER1], [_PAPER2]]),
    _filter_literal(None, [1, 2, 3.1, Int64(4)], 1),
    _filter_literal(2, [1, 2], 2),
    _filter_literal({"$add": [0, 1]}, [1], 3),
    {"name": "first/valid-operands", "source": AGG + "first-array-element/#valid-operands", "docs": _EXAMPLE1,
     "pipeline": [{"$addFields": {"firstElem": {"$first": "$x"}}}],
     "expected": [{"_id": 1, "x": [1, 2, 3], "firstElem": 1}, {"_id": 2, "x": [[]], "firstElem": []},
                  {"_id": 3, "x": [None], "firstElem": None}, {"_id": 4, "x": []},
                  {"_id": 5, "x": None, "firstElem": None}, {"_id": 6, "firstElem": None}]},
    {"name": "first/invalid-operand", "source": AGG + "first-array-element/#invalid-operands",
     "docs": [{"_id": 1, "x": [1, 2, 3]}, {"_id": 2, "x": 2}],
     "pipeline": [{"$addFields": {"firstElem": {"$first": "$x"}}}], "error": "$first's argument must be an array"},
    {"name": "first/last-runninglog", "source": AGG + "first-array-element/#example", "docs": _RUNNING,
     "pipeline": [{"$addFields": {"firstrun": {"$first": "$log"}, "lastrun": {"$last": "$log"}}}],
     "expected": [{**d, "firstrun": d["log"][0], "lastrun": d["log"][-1]} for d in _RUNNING]},
    {"name": "first/progress", "source": AGG + "first-array-element/#example", "docs": _RUNNING,
     "pipeline": [{"$addFields": {"firstrun": {"$first": "$log"}, "lastrun": {"$last": "$log"}}},
                  {"$project": {"team": 1, "progress": {"$cond": {
                      "if": {"$gt": [{"$size": "$log"}, 1]},
                      "then": {"$subtract": ["$lastrun.distance", "$firstrun.distance"]},
                      "else": "Not enough data."}}}}],
     "expected": [{"_id": 1, "team": "Anteater", "progress": 1.1999999999999993},
                  {"_id": 2, "team": "Bears", "progress": -2}, {"_id": 3, "team": "Cobras", "progress": "Not enough data."}]},
    {"name": "arrayElemAt/favorites", "source": AGG + "arrayElemAt/#example", "docs": _USERS,
     "pipeline": [{"$project": {"name": 1, "first": {"$arrayElemAt": ["$favorites", 0]},
                                "last": {"$arrayElemAt": ["$favorites", -1]}}}],
     "expected": [{"_id": 1, "name": "dave123", "first": "chocolate", "last": "apples"},
                  {"_id": 2, "name": "li", "first": "apples", "last": "pie"},
                  {"_id": 3, "name": "ahn", "first": "pears", "last": "cherries"},
                  {"_id": 4, "name": "ty", "first": "ice cream", "last": "ice cream"}]},
    _elem_at([[1, 2, 3], 0], 1, 1),
    _elem_at([[1, 2, 3], -2], 2, 2),
    _elem_at([[1, 2, 3], 15], _NONE, 3),
    {"name": "arrayElemAt/behavior-row-4-undefined-field", "source": AGG + "arrayElemAt/#behavior",
     "docs": [{"_id": 1}], "pipeline": [{"$project": {"_id": 0, "r": {"$arrayElemAt": ["$undefinedField", 0]}}}],
     "expected": [{"r": None}]},
]
