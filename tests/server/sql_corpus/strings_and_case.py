"""``||``, ``LIKE`` (with and without ``ESCAPE``) and ``CASE``, from the MongoSQL spec tests.

The spec's LIKE rows pair a string with a pattern field; MongoSQL compiles only literal
patterns (its own test is skipped for field patterns, SQL-330), so each row's pattern is
written into the query as a literal."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ._sources import SPEC_TESTS

#: (s, p, escape, documented result) from operators_strings.yml, datasets like and escape.
_LIKE: List[Tuple[str, str, Optional[str], bool, int]] = [
    ("abc", "abc", None, True, 36), ("abc", "a_c", None, True, 36), ("abc", "a%", None, True, 36),
    ("abc", "ab_%", None, True, 36), ("bc", "abc", None, False, 36), ("bc", "_bc", None, False, 36),
    ("bc", "ab%c", None, False, 36), ("bc", "%_bc", None, False, 36),
    ("abc", "abc", "$", True, 50), ("abc", "a$_c", "$", False, 50),
    ("a$_%c", "a$$$_$%c", "$", True, 50), ("abc", "ab$c", "$", True, 50),
]


def _like_case(index: int, s: str, p: str, escape: Optional[str], result: bool,
               line: int) -> Dict[str, Any]:
    escape_sql = f" ESCAPE '{escape}'" if escape else ""
    return {
        "name": f"like-{index}",
        "source": SPEC_TESTS + f"operators_strings.yml#L{line}",
        "docs": [{"s": s}],
        "query": f"SELECT VALUE {{'s': data.s, 'r': data.s LIKE '{p}'{escape_sql}}} FROM readings",
        "expected": [{"s": s, "r": result}],
    }


CASES: List[Dict[str, Any]] = [
    {
        "name": "concat-null-and-missing",
        "source": SPEC_TESTS + "operators_strings.yml#L2",
        "docs": [{"s1": "ab", "s2": "c"}, {"s1": "ab", "s2": None}, {"s1": "ab"}],
        "query": "SELECT VALUE {'s1': data.s1, 's2': data.s2, 's': data.s1 || data.s2} FROM readings",
        "expected": [{"s1": "ab", "s2": "c", "s": "abc"}, {"s1": "ab", "s2": None, "s": None},
                     {"s1": "ab", "s": None}],
    },
    {
        "name": "like-null-and-missing",
        "source": SPEC_TESTS + "operators_strings.yml#L26",
        "docs": [{"s": None}, {}],
        "query": "SELECT VALUE {'s': data.s, 'r': data.s LIKE 'a%'} FROM readings",
        "expected": [{"s": None, "r": None}, {"r": None}],
    },
    *(_like_case(i, *row) for i, row in enumerate(_LIKE)),
    {
        "name": "simple-case-no-match-else",
        "source": SPEC_TESTS + "operators_control_flow.yml#L2",
        "docs": [{"a": 2, "b": None, "c": 3}],
        "query": "SELECT VALUE {'a': data.a, 'b': data.b, 'c': data.c, 'r': CASE 1 WHEN data.a "
                 "THEN 'a' WHEN data.b THEN 'b' WHEN data.c THEN 'c' ELSE 'none' END} FROM readings",
        "expected": [{"a": 2, "b": None, "c": 3, "r": "none"}],
    },
    {
        "name": "simple-case-one-match",
        "source": SPEC_TESTS + "operators_control_flow.yml#L8",
        "docs": [{"a": 2, "b": 1}],
        "query": "SELECT VALUE {'r': CASE 1 WHEN data.a THEN 'a' WHEN data.b THEN 'b' "
                 "ELSE 'none' END} FROM readings",
        "expected": [{"r": "b"}],
    },
    {
        "name": "simple-case-first-match",
        "source": SPEC_TESTS + "operators_control_flow.yml#L14",
        "docs": [{"a": 1, "b": 1}],
        "query": "SELECT VALUE {'r': CASE 1 WHEN data.a THEN 'a' WHEN data.b THEN 'b' "
                 "ELSE 'none' END} FROM readings",
        "expected": [{"r": "a"}],
    },
    {
        "name": "searched-case-no-match-else",
        "source": SPEC_TESTS + "operators_control_flow.yml#L26",
        "docs": [{"a": 2, "b": None, "c": 3}],
        "query": "SELECT VALUE {'a': data.a, 'b': data.b, 'c': data.c, 'r': CASE WHEN "
                 "data.a = 1 THEN 'a' WHEN data.b = 1 THEN 'b' WHEN data.c = 1 THEN 'c' "
                 "ELSE 'none' END} FROM readings",
        "expected": [{"a": 2, "b": None, "c": 3, "r": "none"}],
    },
    {
        "name": "searched-case-first-match",
        "source": SPEC_TESTS + "operators_control_flow.yml#L38",
        "docs": [{"a": 1, "b": 1}],
        "query": "SELECT VALUE {'r': CASE WHEN data.a = 1 THEN 'a' WHEN data.b = 1 THEN 'b' "
                 "ELSE 'none' END} FROM readings",
        "expected": [{"r": "a"}],
    },
]
