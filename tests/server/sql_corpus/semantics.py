"""MISSING vs NULL, booleans and three-valued logic, comparisons, arithmetic, IN.

Transcribed from the MongoSQL spec tests; a documented document becomes a reading's
``data`` and ``a`` becomes ``data.a``. Expected rows are the documented ``result``
(the ``''`` namespace unwrapped, see README "Assumptions")."""

from __future__ import annotations

from typing import Any, Dict, List

from ._sources import SPEC_TESTS

_M = object()  # a MISSING field in a truth table


def _doc(**fields: Any) -> Dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not _M}


def _pairs(values: List[Any]) -> List[Dict[str, Any]]:
    return [_doc(a=a, b=b) for a in values for b in values]


_TRUTH = [True, False, None, _M]

CASES: List[Dict[str, Any]] = [
    {
        "name": "missing-vs-null-direct-field",
        "source": SPEC_TESTS + "null_and_missing.yml#L9",
        "docs": [{"_id": 0, "a": 42, "b": None, "c": {"d": "hello", "e": 142}},
                 {"_id": 1, "a": 52, "c": {"d": "world"}}],
        "query": "SELECT data.b FROM readings",
        "expected": [{"b": None}, {}],
    },
    {
        "name": "missing-nested-field",
        "source": SPEC_TESTS + "null_and_missing.yml#L23",
        "docs": [{"_id": 0, "a": 42, "b": None, "c": {"d": "hello", "e": 142}},
                 {"_id": 1, "a": 52, "c": {"d": "world"}}],
        "query": "SELECT data.c.e FROM readings",
        "expected": [{"e": 142}, {}],
    },
    {
        "name": "missing-upgraded-to-null-by-plus",
        "source": SPEC_TESTS + "null_and_missing.yml#L30",
        "docs": [{"_id": 0, "a": 42, "b": None, "c": {"d": "hello", "e": 142}},
                 {"_id": 1, "a": 52, "c": {"d": "world"}}],
        "query": "SELECT data.a, data.c.e, data.a + data.c.e FROM readings",
        "expected": [{"a": 42, "e": 142, "_3": 184}, {"a": 52, "_3": None}],
    },
    {
        "name": "null-and-missing-plus",
        "source": SPEC_TESTS + "null_and_missing.yml#L37",
        "docs": [{"_id": 0, "a": 42, "b": None, "c": {"d": "hello", "e": 142}},
                 {"_id": 1, "a": 52, "c": {"d": "world"}}],
        "query": "SELECT data.b, data.c.e, data.b + data.c.e FROM readings",
        "expected": [{"b": None, "e": 142, "_3": None}, {"_3": None}],
    },
    {
        "name": "missing-in-array-literal-becomes-null",
        "source": SPEC_TESTS + "null_and_missing.yml#L44",
        "docs": [{"_id": 0, "a": 42, "b": None, "c": {"d": "hello", "e": 142}},
                 {"_id": 1, "a": 52, "c": {"d": "world"}}],
        "query": "SELECT [data.b, 2, data.c.e] AS arr FROM readings",
        "expected": [{"arr": [None, 2, 142]}, {"arr": [None, 2, None]}],
    },
    {
        "name": "not-truth-table",
        "source": SPEC_TESTS + "operators_bools.yml#L2",
        "docs": [_doc(a=a) for a in _TRUTH],
        "query": "SELECT VALUE {'a': data.a, 'not_a': NOT data.a} FROM readings",
        "expected": [{"a": True, "not_a": False}, {"a": False, "not_a": True},
                     {"a": None, "not_a": None}, {"not_a": None}],
    },
    {
        "name": "and-truth-table",
        "source": SPEC_TESTS + "operators_bools.yml#L11",
        "docs": _pairs(_TRUTH),
        "query": "SELECT VALUE {'a': data.a, 'b': data.b, 'a_and_b': data.a AND data.b} "
                 "FROM readings",
        "expected": [
            {"a": True, "b": True, "a_and_b": True}, {"a": True, "b": False, "a_and_b": False},
            {"a": True, "b": None, "a_and_b": None}, {"a": True, "a_and_b": None},
            {"a": False, "b": True, "a_and_b": False}, {"a": False, "b": False, "a_and_b": False},
            {"a": False, "b": None, "a_and_b": False}, {"a": False, "a_and_b": False},
            {"a": None, "b": True, "a_and_b": None}, {"a": None, "b": False, "a_and_b": False},
            {"a": None, "b": None, "a_and_b": None}, {"a": None, "a_and_b": None},
            {"b": True, "a_and_b": None}, {"b": False, "a_and_b": False},
            {"b": None, "a_and_b": None}, {"a_and_b": None},
        ],
    },
    {
        "name": "or-truth-table",
        "source": SPEC_TESTS + "operators_bools.yml#L32",
        "docs": _pairs(_TRUTH),
        "query": "SELECT VALUE {'a': data.a, 'b': data.b, 'a_or_b': data.a OR data.b} "
                 "FROM readings",
        "expected": [
            {"a": True, "b": True, "a_or_b": True}, {"a": True, "b": False, "a_or_b": True},
            {"a": True, "b": None, "a_or_b": True}, {"a": True, "a_or_b": True},
            {"a": False, "b": True, "a_or_b": True}, {"a": False, "b": False, "a_or_b": False},
            {"a": False, "b": None, "a_or_b": None}, {"a": False, "a_or_b": None},
            {"a": None, "b": True, "a_or_b": True}, {"a": None, "b": False, "a_or_b": None},
            {"a": None, "b": None, "a_or_b": None}, {"a": None, "a_or_b": None},
            {"b": True, "a_or_b": True}, {"b": False, "a_or_b": None},
            {"b": None, "a_or_b": None}, {"a_or_b": None},
        ],
    },
    {
        "name": "between-numeric",
        "source": SPEC_TESTS + "operators_comparison.yml#L620",
        "docs": [{"a": 2, "b": 1, "c": 3.1}, {"a": 3, "b": 1, "c": 3}, {"a": 0, "b": 1, "c": 3},
                 {"a": 4, "b": 1, "c": 3}, {"a": None, "b": 1, "c": 3},
                 {"a": 2, "b": None, "c": 3}, {"a": 2, "b": 1, "c": None}, {"b": 1, "c": 3}],
        "query": "SELECT VALUE {'a': data.a, 'b': data.b, 'c': data.c, "
                 "'r': data.a BETWEEN data.b AND data.c} FROM readings",
        "expected": [{"a": 2, "b": 1, "c": 3.1, "r": True}, {"a": 3, "b": 1, "c": 3, "r": True},
                     {"a": 0, "b": 1, "c": 3, "r": False}, {"a": 4, "b": 1, "c": 3, "r": False},
                     {"a": None, "b": 1, "c": 3, "r": None},
                     {"a": 2, "b": None, "c": 3, "r": None},
                     {"a": 2, "b": 1, "c": None, "r": None}, {"b": 1, "c": 3, "r": None}],
    },
    {
        "name": "between-strings",
        "source": SPEC_TESTS + "operators_comparison.yml#L636",
        "docs": [{"a": "y", "b": "x", "c": "z"}, {"a": "x", "b": "x", "c": "z"},
                 {"a": "z", "b": "x", "c": "z"}, {"a": "w", "b": "x", "c": "z"},
                 {"a": "d", "b": "a", "c": "c"}, {"a": None, "b": "x", "c": "z"},
                 {"a": "y", "b": None, "c": "z"}, {"a": "y", "b": "x", "c": None},
                 {"b": "x", "c": "z"}],
        "query": "SELECT VALUE {'a': data.a, 'b': data.b, 'c': data.c, "
                 "'r': data.a BETWEEN data.b AND data.c} FROM readings",
        "expected": [{"a": "y", "b": "x", "c": "z", "r": True},
                     {"a": "x", "b": "x", "c": "z", "r": True},
                     {"a": "z", "b": "x", "c": "z", "r": True},
                     {"a": "w", "b": "x", "c": "z", "r": False},
                     {"a": "d", "b": "a", "c": "c", "r": False},
                     {"a": None, "b": "x", "c": "z", "r": None},
                     {"a": "y", "b": None, "c": "z", "r": None},
                     {"a": "y", "b": "x", "c": None, "r": None},
                     {"b": "x", "c": "z", "r": None}],
    },
    {
        "name": "integer-division-truncates",
        "source": SPEC_TESTS + "operators_arithmetic.yml#L297",
        "docs": [{"_id": 1, "a": 5, "b": 2, "c": 5, "d": 2}],
        "query": "SELECT VALUE {'a': data.a, 'b': data.b, 'c': data.c, 'd': data.d, "
                 "'a/b': data.a / data.b, 'c/d': data.c / data.d} FROM readings",
        "expected": [{"a": 5, "b": 2, "c": 5, "d": 2, "a/b": 2, "c/d": 2}],
    },
    {
        "name": "division-of-doubles",
        "source": SPEC_TESTS + "operators_arithmetic.yml#L219",
        "docs": [{"a": 6, "b": 2.0}, {"a": 6, "b": None}, {"a": 6}],
        "query": "SELECT VALUE {'a': data.a, 'b': data.b, 'a/b': data.a / data.b} FROM readings",
        "expected": [{"a": 6, "b": 2.0, "a/b": 3.0}, {"a": 6, "b": None, "a/b": None},
                     {"a": 6, "a/b": None}],
    },
    {
        "name": "division-by-zero-is-null",
        "source": SPEC_TESTS + "operators_arithmetic.yml#L279",
        "docs": [{"a": 1}, {"a": -1}, {"a": 1.0}],
        "query": "SELECT VALUE {'a': data.a, 'n': data.a / 0} FROM readings",
        "expected": [{"a": 1, "n": None}, {"a": -1, "n": None}, {"a": 1.0, "n": None}],
    },
    {
        "name": "unary-minus-null-and-missing",
        "source": SPEC_TESTS + "operators_arithmetic.yml#L21",
        "docs": [{"a": 1}, {"a": -1}, {"a": -1.0}, {"a": None}, {}],
        "query": "SELECT VALUE {'a': data.a, '-a': -data.a} FROM readings",
        "expected": [{"a": 1, "-a": -1}, {"a": -1, "-a": 1}, {"a": -1.0, "-a": 1.0},
                     {"a": None, "-a": None}, {"-a": None}],
    },
    {
        "name": "in-list",
        "source": SPEC_TESTS + "scalar_functions.yml#L628",
        "docs": [{"_id": 0, "a": 1, "s": "hello", "n": 1}, {"_id": 1, "a": 2, "s": "world", "n": 2},
                 {"_id": 2, "a": 4, "s": "foo", "n": 4}, {"_id": 3, "a": None, "s": None, "n": None},
                 {"_id": 4}, {"_id": 5, "n": 10}, {"_id": 6, "n": 20}],
        "query": "SELECT data.a, data.s FROM readings WHERE data.a IN (1, 2, 3)",
        "expected": [{"a": 1, "s": "hello"}, {"a": 2, "s": "world"}],
    },
    {
        "name": "not-in-keeps-null-and-missing",
        "source": SPEC_TESTS + "scalar_functions.yml#L635",
        "docs": [{"_id": 0, "a": 1, "s": "hello", "n": 1}, {"_id": 1, "a": 2, "s": "world", "n": 2},
                 {"_id": 2, "a": 4, "s": "foo", "n": 4}, {"_id": 3, "a": None, "s": None, "n": None},
                 {"_id": 4}, {"_id": 5, "n": 10}, {"_id": 6, "n": 20}],
        "query": "SELECT data._id, data.a, data.s FROM readings WHERE data.a NOT IN (1, 2, 3)",
        "expected": [{"_id": 2, "a": 4, "s": "foo"}, {"_id": 3, "a": None, "s": None},
                     {"_id": 4}, {"_id": 5}, {"_id": 6}],
    },
    {
        "name": "in-string-list",
        "source": SPEC_TESTS + "scalar_functions.yml#L657",
        "docs": [{"_id": 0, "a": 1, "s": "hello", "n": 1}, {"_id": 1, "a": 2, "s": "world", "n": 2},
                 {"_id": 2, "a": 4, "s": "foo", "n": 4}, {"_id": 3, "a": None, "s": None, "n": None},
                 {"_id": 4}],
        "query": "SELECT data.a, data.s FROM readings WHERE data.s IN ('hello', 'world')",
        "expected": [{"a": 1, "s": "hello"}, {"a": 2, "s": "world"}],
    },
]
