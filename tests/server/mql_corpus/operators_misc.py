"""Cases for $cmp, $round, $regexMatch and $type in $match."""

from __future__ import annotations

from typing import Any, Dict, List

from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey

from ._helpers import AGG, QUERY, iso, regex

_INVENTORY = [
    {"_id": 1, "item": "abc1", "description": "product 1", "qty": 300},
    {"_id": 2, "item": "abc2", "description": "product 2", "qty": 200},
    {"_id": 3, "item": "xyz1", "description": "product 3", "qty": 250},
    {"_id": 4, "item": "VWZ1", "description": "product 4", "qty": 300},
    {"_id": 5, "item": "VWZ2", "description": "product 5", "qty": 180},
]
_SAMPLES = [{"_id": 1, "value": 19.25}, {"_id": 2, "value": 28.73}, {"_id": 3, "value": 34.32}, {"_id": 4, "value": -45.39}]
_PRODUCTS = [
    {"_id": 1, "description": "Single LINE description."},
    {"_id": 2, "description": "First lines\nsecond line"},
    {"_id": 3, "description": "Many spaces before     line"},
    {"_id": 4, "description": "Multiple\nline descriptions"},
    {"_id": 5, "description": "anchors, links and hyperlinks"},
    {"_id": 6, "description": "métier work vocation"},
]
_FEEDBACK = [
    {"_id": 1, "comment": "Hi, I'm just reading about MongoDB -- aunt.arc.tica@example.com"},
    {"_id": 2, "comment": "I wanted to concatenate a string"},
    {"_id": 3, "comment": "How do I convert a date to string? Contact me at either cam@mongodb.com or c.dia@mongodb.com"},
    {"_id": 4, "comment": "It's just me. I'm testing.  fred@MongoDB.com"},
]
_ADDRESS_BOOK = [
    {"_id": 1, "address": "2030 Martian Way", "zipCode": "90698345"},
    {"_id": 2, "address": "156 Lunar Place", "zipCode": 43339374.0},  # a shell number is a double
    {"_id": 3, "address": "2324 Pluto Place", "zipCode": Int64(3921412)},
    {"_id": 4, "address": "55 Saturn Ring", "zipCode": 88602117},  # Int32
    {"_id": 5, "address": "104 Venus Drive", "zipCode": ["834847278", "1893289032"]},
]
_GRADES = [
    {"_id": 1, "name": "Alice King", "classAverage": 87.333333333333333},
    {"_id": 2, "name": "Bob Jenkins", "classAverage": "83.52"},
    {"_id": 3, "name": "Cathy Hart", "classAverage": "94.06"},
    {"_id": 4, "name": "Drew Williams", "classAverage": 93},
]
_SENSOR = [
    {"_id": 1, "readings": [25, 23, ["Warn: High Temp!", 55], ["ERROR: SYSTEM SHUTDOWN!", 66]]},
    {"_id": 2, "readings": [25, 25, 24, 23]},
    {"_id": 3, "readings": [22, 24, []]},
    {"_id": 4, "readings": []},
    {"_id": 5, "readings": 24},
]
_TYPED = "distinguishes int, long and double, which readings (JSON numbers) cannot carry"


def _round_row(value: float, place: int, expected: Any) -> Dict[str, Any]:
    return {"name": f"round/chart-{value}-{place}", "source": AGG + "round/#rounding-numbers-ending-in-5",
            "docs": [{"_id": 1, "v": value}], "pipeline": [{"$project": {"_id": 0, "r": {"$round": ["$v", place]}}}],
            "expected": [{"r": expected}]}


def _regex_case(name: str, anchor: str, field: str, spec: Dict[str, Any], results: List[bool]) -> Dict[str, Any]:
    return {"name": f"regexMatch/{name}", "source": AGG + "regexMatch/" + anchor, "docs": _PRODUCTS,
            "pipeline": [{"$addFields": {field: {"$regexMatch": {"input": "$description", **spec}}}}],
            "expected": [{**d, field: r} for d, r in zip(_PRODUCTS, results)]}


#: Printed outputs the manual gets wrong, kept out of CASES with the reason.
ERRATA: List[Dict[str, Any]] = [
    {"name": "round/minus-one", "source": AGG + "round/#example", "docs": _SAMPLES,
     "pipeline": [{"$project": {"roundedValue": {"$round": ["$value", -1]}}}],
     "expected": [{"_id": i, "roundedValue": v} for i, v in zip(range(1, 5), [10, 20, 30, -50])],
     "erratum": "19.25 and 28.73 rounded at the tens are 20 and 30 by the page's own chart (25 -> 20, "
                "125.5 -> 130); the printed 10, 20, 30 are the $trunc page's figures"},
]

CASES: List[Dict[str, Any]] = [
    {"name": "cmp/qty-250", "source": AGG + "cmp/#example", "docs": _INVENTORY,
     "pipeline": [{"$project": {"item": 1, "qty": 1, "cmpTo250": {"$cmp": ["$qty", 250]}, "_id": 0}}],
     "expected": [{"item": d["item"], "qty": d["qty"], "cmpTo250": c} for d, c in zip(_INVENTORY, [1, -1, 0, 1, -1])]},
    {"name": "round/one-place", "source": AGG + "round/#example", "docs": _SAMPLES,
     "pipeline": [{"$project": {"roundedValue": {"$round": ["$value", 1]}}}],
     "expected": [{"_id": i, "roundedValue": v} for i, v in zip(range(1, 5), [19.2, 28.7, 34.3, -45.4])]},
    {"name": "round/whole", "source": AGG + "round/#example", "docs": _SAMPLES,
     "pipeline": [{"$project": {"roundedValue": {"$round": ["$value", 0]}}}],
     "expected": [{"_id": i, "roundedValue": v} for i, v in zip(range(1, 5), [19, 29, 34, -45])]},
    *[_round_row(v, p, e) for v, row in (
        (124.5, (124.5, 124, 120)), (125.5, (125.5, 126, 130)), (25, (25, 25, 20)), (12.5, (12.5, 12, 10)),
        (2.25, (2.2, 2, 0)), (2.45, (2.5, 2, 0))) for p, e in zip((1, 0, -1), row)],
    {"name": "round/null", "source": AGG + "round/#null--nan--and---infinity", "docs": [{"_id": 1}],
     "pipeline": [{"$project": {"_id": 0, "r": {"$round": [None, 1]}}}], "expected": [{"r": None}]},
    {"name": "round/infinity", "source": AGG + "round/#null--nan--and---infinity", "docs": [{"_id": 1}],
     "pipeline": [{"$project": {"_id": 0, "r": {"$round": [float("inf"), 1]}, "s": {"$round": [float("-inf"), 1]}}}],
     "expected": [{"r": float("inf"), "s": float("-inf")}], "server_skip": "infinity is not JSON"},
    _regex_case("no-options", "#-regexmatch-and-its-options", "result", {"regex": regex("line")},
                [False, True, True, True, False, False]),
    _regex_case("grouping", "#-regexmatch-and-its-options", "result", {"regex": regex("lin(e|k)")},
                [False, True, True, True, True, False]),
    _regex_case("i-option", "#i-option", "result", {"regex": regex("line", "i")},
                [True, True, True, True, False, False]),
    _regex_case("im-options", "#m-option", "result", {"regex": regex("^s", "im")},
                [True, True, False, False, False, False]),
    _regex_case("x-option", "#x-option", "returns", {"regex": regex("lin(e|k) # matches line or link"), "options": "x"},
                [False, True, True, True, True, False]),
    _regex_case("si-options", "#s-option", "returns", {"regex": regex("m.*line"), "options": "si"},
                [False, False, True, True, False, False]),
    {"name": "regexMatch/email", "source": AGG + "regexMatch/#use--regexmatch-to-check-email-address", "docs": _FEEDBACK,
     "pipeline": [{"$addFields": {"category": {"$cond": {
         "if": {"$regexMatch": {"input": "$comment", "regex": regex("[a-z0-9_.+-]+@mongodb.com", "i")}},
         "then": "Employee", "else": "External"}}}}],
     "expected": [{**d, "category": c} for d, c in zip(_FEEDBACK, ["External", "External", "Employee", "Employee"])]},
    {"name": "type/string", "source": QUERY + "type/#querying-by-data-type", "docs": _ADDRESS_BOOK,
     "pipeline": [{"$match": {"zipCode": {"$type": "string"}}}], "expected": [_ADDRESS_BOOK[0], _ADDRESS_BOOK[4]]},
    {"name": "type/string-number-code", "source": QUERY + "type/#querying-by-data-type", "docs": _ADDRESS_BOOK,
     "pipeline": [{"$match": {"zipCode": {"$type": 2}}}], "expected": [_ADDRESS_BOOK[0], _ADDRESS_BOOK[4]]},
    {"name": "type/double", "source": QUERY + "type/#querying-by-data-type", "docs": _ADDRESS_BOOK, "server_skip": _TYPED,
     "pipeline": [{"$match": {"zipCode": {"$type": "double"}}}], "expected": [_ADDRESS_BOOK[1]]},
    {"name": "type/number-alias", "source": QUERY + "type/#querying-by-data-type", "docs": _ADDRESS_BOOK,
     "pipeline": [{"$match": {"zipCode": {"$type": "number"}}}], "expected": _ADDRESS_BOOK[1:4]},
    {"name": "type/multiple", "source": QUERY + "type/#querying-by-multiple-data-types", "docs": _GRADES,
     "server_skip": _TYPED, "pipeline": [{"$match": {"classAverage": {"$type": ["string", "double"]}}}],
     "expected": _GRADES[:3]},
    {"name": "type/multiple-codes", "source": QUERY + "type/#querying-by-multiple-data-types", "docs": _GRADES,
     "server_skip": _TYPED, "pipeline": [{"$match": {"classAverage": {"$type": [2, 1]}}}], "expected": _GRADES[:3]},
    {"name": "type/array", "source": QUERY + "type/#querying-by-array-type", "docs": _SENSOR,
     "pipeline": [{"$match": {"readings": {"$type": "array"}}}], "expected": _SENSOR[:4]},
    {"name": "type/minkey", "source": QUERY + "type/#minkey-and-maxkey", "server_skip": "MinKey is not JSON",
     "docs": [{"_id": 1, "x": MinKey()}, {"_id": 2, "y": MaxKey()}],
     "pipeline": [{"$match": {"x": {"$type": "minKey"}}}], "expected": [{"_id": 1, "x": MinKey()}]},
    {"name": "type/sort-minkey-maxkey", "source": "https://www.mongodb.com/docs/v2.6/reference/operator/query/type/#minkey-and-maxkey",
     "server_skip": "MinKey, MaxKey and dates are not JSON",
     "docs": [{"_id": 1, "x": 3}, {"_id": 2, "x": 2.9}, {"_id": 3, "x": iso("2012-07-25T23:42:03Z")},
              {"_id": 4, "x": True}, {"_id": 5, "x": MaxKey()}, {"_id": 6, "x": MinKey()}],
     "pipeline": [{"$sort": {"x": 1}}, {"$project": {"_id": 0}}],
     "expected": [{"x": MinKey()}, {"x": 2.9}, {"x": 3}, {"x": True}, {"x": iso("2012-07-25T23:42:03Z")}, {"x": MaxKey()}]},
]
