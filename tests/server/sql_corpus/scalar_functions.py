"""Scalar functions from the MongoSQL spec tests (scalar_functions.yml), recast over
``readings``: each test's dataset rows are readings' ``data`` and the spec's field
references are ``data.<field>``. Rows the readings cannot hold (decimal, long as a separate
type, NaN and infinities) are left out; the rest are transcribed as documented."""

from __future__ import annotations

from typing import Any, Dict, List

from ._build import select_value_case
from ._sources import SPEC_TESTS


def _case(name: str, description: str, docs: List[Dict[str, Any]], select: str,
          expected: List[Dict[str, Any]]) -> Dict[str, Any]:
    return select_value_case(f"function-{name}", SPEC_TESTS + f"scalar_functions.yml "
                             f"({description})", docs, select, expected)


_LENGTH_DOCS: List[Dict[str, Any]] = [{"s": ""}, {"s": "a"}, {"s": "ã"}, {"s": "abc"},
                                      {"s": "$€λG"}, {"s": "寿司"}, {"s": None}, {}]
_FOLD_DOCS: List[Dict[str, Any]] = [{"s": ""}, {"s": "abcd"}, {"s": "aBcD"}, {"s": "ABCD"},
                                    {"s": None}, {}]
_TRIM_DOCS: List[Dict[str, Any]] = [
    {"substr": "", "str": ""}, {"substr": " ", "str": ""}, {"substr": " ", "str": "   "},
    {"substr": " ", "str": "abc"}, {"substr": " ", "str": "  abc  "},
    {"substr": "x", "str": "x abc x"}, {"substr": "123", "str": "123abc123"},
    {"substr": None, "str": "abc"}, {"str": "abc"}, {"substr": " ", "str": None},
    {"substr": " "},
]
_TRIM_RESULTS: Dict[str, List[Any]] = {
    "BOTH": ["", "", "", "abc", "abc", " abc ", "abc", None, None, None, None],
    "LEADING": ["", "", "", "abc", "abc  ", " abc x", "abc123", None, None, None, None],
    "TRAILING": ["", "", "", "abc", "  abc", "x abc ", "123abc", None, None, None, None],
}


def _with(docs: List[Dict[str, Any]], key: str, values: List[Any]) -> List[Dict[str, Any]]:
    return [{**doc, key: value} for doc, value in zip(docs, values)]


def _length_case(function: str, values: List[Any]) -> Dict[str, Any]:
    return _case(function.lower().replace("_", "-"), f"{function} correctness tests",
                 _LENGTH_DOCS, f"'s': data.s, 'len': {function}(data.s)",
                 _with(_LENGTH_DOCS, "len", values))


def _fold_case(function: str, call: str, values: List[Any]) -> Dict[str, Any]:
    return _case(function.lower(), f"{function} correctness test", _FOLD_DOCS,
                 f"'s': data.s, 'v': {call}", _with(_FOLD_DOCS, "v", values))


def _trim_case(side: str) -> Dict[str, Any]:
    return _case(f"trim-{side.lower()}", f"TRIM({side} substr FROM str) correctness test",
                 _TRIM_DOCS, f"'substr': data.substr, 'str': data.str, "
                 f"'v': TRIM({side} data.substr FROM data.str)",
                 _with(_TRIM_DOCS, "v", _TRIM_RESULTS[side]))


CASES: List[Dict[str, Any]] = [
    _case("nullif", "NULLIF correctness test",
          [{"v1": "a", "v2": "a"}, {"v1": "a", "v2": "b"}, {"v1": "a", "v2": None},
           {"v1": None, "v2": "b"}, {"v1": "a"}, {"v2": "b"}, {}],
          "'v1': data.v1, 'v2': data.v2, 'v': NULLIF(data.v1, data.v2)",
          [{"v1": "a", "v2": "a", "v": None}, {"v1": "a", "v2": "b", "v": "a"},
           {"v1": "a", "v2": None, "v": "a"}, {"v1": None, "v2": "b", "v": None},
           {"v1": "a", "v": "a"}, {"v2": "b", "v": None}, {"v": None}]),
    _case("coalesce-two", "COALESCE(v1, v2) correctness tests",
          [{"v1": 123, "v2": 456}, {"v1": None, "v2": 456}, {"v2": 456}],
          "'v1': data.v1, 'v2': data.v2, 'v': COALESCE(data.v1, data.v2)",
          [{"v1": 123, "v2": 456, "v": 123}, {"v1": None, "v2": 456, "v": 456},
           {"v2": 456, "v": 456}]),
    _case("coalesce-many", "COALESCE(v1, ..., vn) correctness tests",
          [{"v1": 123, "v2": None, "v4": 789, "v5": None}, {"v1": None, "v3": 456, "v4": 789},
           {"v2": None, "v3": None, "v5": 789}, {"v1": None, "v2": None, "v5": None}],
          "'v1': data.v1, 'v2': data.v2, 'v3': data.v3, 'v4': data.v4, 'v5': data.v5, "
          "'v': COALESCE(data.v1, data.v2, data.v3, data.v4, data.v5)",
          [{"v1": 123, "v2": None, "v4": 789, "v5": None, "v": 123},
           {"v1": None, "v3": 456, "v4": 789, "v": 456},
           {"v2": None, "v3": None, "v5": 789, "v": 789},
           {"v1": None, "v2": None, "v5": None, "v": None}]),
    _length_case("CHAR_LENGTH", [0, 1, 1, 3, 4, 2, None, None]),
    _length_case("OCTET_LENGTH", [0, 1, 2, 3, 7, 6, None, None]),
    _length_case("BIT_LENGTH", [0, 8, 16, 24, 56, 48, None, None]),
    _fold_case("REPLACE", "REPLACE(data.s, 'c', 'fff')", ["", "abfffd", "aBfffD", "ABCD", None,
                                                          None]),
    _fold_case("UPPER", "UPPER(data.s)", ["", "ABCD", "ABCD", "ABCD", None, None]),
    _fold_case("LOWER", "LOWER(data.s)", ["", "abcd", "abcd", "abcd", None, None]),
    *(_trim_case(side) for side in ("BOTH", "LEADING", "TRAILING")),
    _case("current-timestamps-are-equal", "Multiple CURRENT_TIMESTAMPs are equal across a query",
          [{}], "'v': CURRENT_TIMESTAMP(6) = CURRENT_TIMESTAMP(6)", [{"v": True}]),
    _case("abs", "ABS correctness tests", [{"v": 1}, {"v": -1}, {"v": -1.0}, {"v": None}, {}],
          "'v': data.v, 'n': ABS(data.v)",
          [{"v": 1, "n": 1}, {"v": -1, "n": 1}, {"v": -1.0, "n": 1.0}, {"v": None, "n": None},
           {"n": None}]),
    _case("ceil", "CEIL correctness tests", [{"v": 7}, {"v": -7.8}, {"v": None}, {}],
          "'v': data.v, 'n': CEIL(data.v)",
          [{"v": 7, "n": 7}, {"v": -7.8, "n": -7.0}, {"v": None, "n": None}, {"n": None}]),
    _case("floor", "FLOOR correctness tests", [{"v": 7}, {"v": -7.8}, {"v": None}, {}],
          "'v': data.v, 'n': FLOOR(data.v)",
          [{"v": 7, "n": 7}, {"v": -7.8, "n": -8.0}, {"v": None, "n": None}, {"n": None}]),
    _case("cos", "COS correctness tests",
          [{"radians": 1}, {"radians": -1}, {"radians": 0.0}, {"radians": None}, {}],
          "'radians': data.radians, 'n': COS(data.radians)",
          [{"radians": 1, "n": 0.5403023058681398}, {"radians": -1, "n": 0.5403023058681398},
           {"radians": 0.0, "n": 1.0}, {"radians": None, "n": None}, {"n": None}]),
    _case("degrees", "DEGREES correctness tests",
          [{"radians": 1}, {"radians": -1}, {"radians": 0.0}, {"radians": None}, {}],
          "'radians': data.radians, 'n': DEGREES(data.radians)",
          [{"radians": 1, "n": 57.29577951308232}, {"radians": -1, "n": -57.29577951308232},
           {"radians": 0.0, "n": 0.0}, {"radians": None, "n": None}, {"n": None}]),
    _case("mod", "MOD correctness tests",
          [{"v": -80, "divisor": 7}, {"v": 80.0, "divisor": 7}, {"v": 80, "divisor": None},
           {"v": 80}, {"v": None, "divisor": 7}, {}],
          "'v': data.v, 'divisor': data.divisor, 'n': MOD(data.v, data.divisor)",
          [{"v": -80, "divisor": 7, "n": -3}, {"v": 80.0, "divisor": 7, "n": 3.0},
           {"v": 80, "divisor": None, "n": None}, {"v": 80, "n": None},
           {"v": None, "divisor": 7, "n": None}, {"n": None}]),
    _case("pow", "POW correctness tests",
          [{"v": -5, "exponent": 2}, {"v": 5, "exponent": -2.0}, {"v": 5.0, "exponent": 2},
           {"v": 5, "exponent": None}, {"v": 5}, {"v": None, "exponent": 2}],
          "'v': data.v, 'exponent': data.exponent, 'n': POW(data.v, data.exponent)",
          [{"v": -5, "exponent": 2, "n": 25}, {"v": 5, "exponent": -2.0, "n": 0.04},
           {"v": 5.0, "exponent": 2, "n": 25.0}, {"v": 5, "exponent": None, "n": None},
           {"v": 5, "n": None}, {"v": None, "exponent": 2, "n": None}]),
    _case("radians", "RADIANS correctness tests",
          [{"degrees": 90}, {"degrees": -90}, {"degrees": 0.0}, {"degrees": None}, {}],
          "'degrees': data.degrees, 'n': RADIANS(data.degrees)",
          [{"degrees": 90, "n": 1.5707963267948966}, {"degrees": -90, "n": -1.5707963267948966},
           {"degrees": 0.0, "n": 0.0}, {"degrees": None, "n": None}, {"n": None}]),
    _case("round", "ROUND correctness tests",
          [{"v": -1234, "place": -2}, {"v": 1234, "place": None}, {"v": 1234},
           {"v": 1234.5678, "place": 2}, {"v": 1234, "place": -21}, {"v": 1234, "place": 101},
           {"v": None, "place": -2}, {}],
          "'v': data.v, 'place': data.place, 'n': ROUND(data.v, data.place)",
          [{"v": -1234, "place": -2, "n": -1200}, {"v": 1234, "place": None, "n": None},
           {"v": 1234, "n": None}, {"v": 1234.5678, "place": 2, "n": 1234.57},
           {"v": 1234, "place": -21, "n": None}, {"v": 1234, "place": 101, "n": None},
           {"v": None, "place": -2, "n": None}, {"n": None}]),
    _case("sin", "SIN correctness tests",
          [{"radians": 1}, {"radians": -1}, {"radians": 0.0}, {"radians": None}, {}],
          "'radians': data.radians, 'n': SIN(data.radians)",
          [{"radians": 1, "n": 0.8414709848078965}, {"radians": -1, "n": -0.8414709848078965},
           {"radians": 0.0, "n": 0.0}, {"radians": None, "n": None}, {"n": None}]),
    _case("sqrt", "SQRT correctness tests",
          [{"v": 16}, {"v": -16}, {"v": 0.0}, {"v": None}, {}],
          "'v': data.v, 'n': SQRT(data.v)",
          [{"v": 16, "n": 4.0}, {"v": -16, "n": None}, {"v": 0.0, "n": 0.0},
           {"v": None, "n": None}, {"n": None}]),
    _case("tan", "TAN correctness tests",
          [{"radians": 1}, {"radians": -1}, {"radians": 0.0}, {"radians": None}, {}],
          "'radians': data.radians, 'n': TAN(data.radians)",
          [{"radians": 1, "n": 1.5574077246549023}, {"radians": -1, "n": -1.5574077246549023},
           {"radians": 0.0, "n": 0.0}, {"radians": None, "n": None}, {"n": None}]),
]
