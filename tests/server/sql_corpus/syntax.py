"""FLATTEN, UNWIND, GROUP BY ... AS, literals, bracket access, IS, LIMIT/OFFSET, refusals.

Transcribed from the MongoSQL spec tests and specification, recast over ``readings``:
a documented document is a reading's ``data``, so the spec's ``a`` is ``data.a``."""

from __future__ import annotations

from typing import Any, Dict, List

from ._sources import SPEC, SPEC_TESTS

_TYPES = [  # operators_types.yml's documents that JSON can carry, with their IS results
    ("double", 1.5, {"MISSING": False, "NUMBER": True}),
    ("string", "abc", {"MISSING": False, "NUMBER": False}),
    ("document", {"a": 1}, {"MISSING": False, "NUMBER": False}),
    ("array", [1, 2], {"MISSING": False, "NUMBER": False}),
    ("boolean", True, {"MISSING": False, "NUMBER": False}),
    ("null", None, {"MISSING": False, "NUMBER": False}),
]


def _type_docs() -> List[Dict[str, Any]]:
    return [{"type": name, "v": value} for name, value, _ in _TYPES] + [{"type": "missing"}]


def _type_rows(test: str, missing: bool) -> List[Dict[str, Any]]:
    return [{"type": name, "tc": results[test]} for name, _, results in _TYPES] + [
        {"type": "missing", "tc": missing}]


_NESTED = [{"_id": 0, "a": {"b": {"c": 1}}}]
_ARRAYS = [{"_id": 0, "arr": [1, 2, 3]}, {"_id": 1, "arr": [4, 5, 6]}]
_EMPTY_NULL_MISSING = [{"_id": 0, "arr": [], "comment": "empty"},
                       {"_id": 1, "arr": [1, 2], "comment": "non-empty"},
                       {"_id": 2, "arr": None, "comment": "null"},
                       {"_id": 3, "comment": "missing"}]
_MULTI = [{"_id": 1, "a": 1, "b": 2, "c": 1}, {"_id": 2, "a": 2, "b": 2, "c": 3},
          {"_id": 3, "a": 2, "b": 2, "c": 3}, {"_id": 4, "a": 2, "b": 3, "c": 4},
          {"_id": 5, "a": 1, "b": 2, "c": 5}, {"_id": 6, "a": None, "b": None, "c": None}]
_BAR = [{"_id": 1, "a": 1, "b": 2, "c": 3}, {"_id": 2, "a": 1, "b": 12, "c": 3},
        {"_id": 3, "a": 11, "b": 22, "c": 3}, {"_id": 4, "a": 1, "b": 42, "c": 3},
        {"_id": 5, "a": 111, "b": 142, "c": 13}]
_LIMIT = [{"_id": 0, "a": 1}, {"_id": 1, "a": 2}, {"_id": 2, "a": 3}]

CASES: List[Dict[str, Any]] = [
    {
        "name": "flatten",
        "source": SPEC_TESTS + "from_flatten.yml#L2",
        "docs": _NESTED,
        "query": "SELECT data__id, data_a_b_c FROM FLATTEN(readings)",
        "expected": [{"data__id": 0, "data_a_b_c": 1}],
    },
    {
        "name": "flatten-separator",
        "source": SPEC_TESTS + "from_flatten.yml#L14",
        "docs": _NESTED,
        "query": "SELECT `data:a:b:c` FROM FLATTEN(readings WITH SEPARATOR => ':')",
        "expected": [{"data:a:b:c": 1}],
    },
    {
        "name": "flatten-depth",
        "source": SPEC_TESTS + "from_flatten.yml#L38",
        "docs": _NESTED,
        "query": "SELECT data_a FROM FLATTEN(readings WITH DEPTH => 1)",
        "expected": [{"data_a": {"b": {"c": 1}}}],
    },
    {
        "name": "flatten-depth-must-be-integer",
        "source": SPEC_TESTS + "from_flatten.yml#L44",
        "docs": _NESTED,
        "query": "SELECT data_a FROM FLATTEN(readings WITH DEPTH => 1.2)",
        "error": "DEPTH takes an integer literal",
    },
    {
        "name": "unwind",
        "source": SPEC_TESTS + "from_unwind.yml#L2",
        "docs": _ARRAYS,
        "query": "SELECT data._id, data.arr FROM UNWIND(readings WITH PATH => data.arr)",
        "expected": [{"_id": 0, "arr": 1}, {"_id": 0, "arr": 2}, {"_id": 0, "arr": 3},
                     {"_id": 1, "arr": 4}, {"_id": 1, "arr": 5}, {"_id": 1, "arr": 6}],
    },
    {
        "name": "unwind-index",
        "source": SPEC_TESTS + "from_unwind.yml#L26",
        "docs": _ARRAYS,
        "query": "SELECT data._id, data.arr, i FROM UNWIND(readings WITH PATH => data.arr, "
                 "INDEX => i)",
        "expected": [{"_id": 0, "arr": 1, "i": 0}, {"_id": 0, "arr": 2, "i": 1},
                     {"_id": 0, "arr": 3, "i": 2}, {"_id": 1, "arr": 4, "i": 0},
                     {"_id": 1, "arr": 5, "i": 1}, {"_id": 1, "arr": 6, "i": 2}],
    },
    {
        "name": "unwind-drops-empty-null-missing",
        "source": SPEC_TESTS + "from_unwind.yml#L101",
        "docs": _EMPTY_NULL_MISSING,
        "query": "SELECT data._id, data.arr, data.comment, i FROM UNWIND(readings AS c WITH "
                 "PATH => data.arr, INDEX => i)",
        "expected": [{"_id": 1, "arr": 1, "comment": "non-empty", "i": 0},
                     {"_id": 1, "arr": 2, "comment": "non-empty", "i": 1}],
    },
    {
        "name": "unwind-outer-keeps-them",
        "source": SPEC_TESTS + "from_unwind.yml#L108",
        "docs": _EMPTY_NULL_MISSING,
        "query": "SELECT data._id, data.arr, data.comment, i FROM UNWIND(readings AS c WITH "
                 "PATH => data.arr, INDEX => i, OUTER => true)",
        "expected": [{"_id": 0, "comment": "empty", "i": None},
                     {"_id": 1, "arr": 1, "comment": "non-empty", "i": 0},
                     {"_id": 1, "arr": 2, "comment": "non-empty", "i": 1},
                     {"_id": 2, "arr": None, "comment": "null", "i": None},
                     {"_id": 3, "comment": "missing", "i": None}],
    },
    {
        "name": "group-by-expression-alias",
        "source": SPEC_TESTS + "group_by.yml#L90",
        "docs": _BAR,
        "query": "SELECT ap2 FROM readings GROUP BY data.a + 2 AS ap2",
        "expected": [{"ap2": 3}, {"ap2": 13}, {"ap2": 113}],
    },
    {
        "name": "group-by-two-keys-sum-of-nulls-is-zero",
        "source": SPEC_TESTS + "group_by.yml#L144",
        "docs": _MULTI,
        "query": "SELECT a, b, SUM(data.c) AS sumc FROM readings GROUP BY data.a AS a, "
                 "data.b AS b",
        "expected": [{"a": 1, "b": 2, "sumc": 6}, {"a": 2, "b": 2, "sumc": 6},
                     {"a": 2, "b": 3, "sumc": 4}, {"a": None, "b": None, "sumc": 0}],
    },
    {
        "name": "group-by-having",
        "source": SPEC_TESTS + "group_by.yml#L181",
        "docs": _MULTI,
        "query": "SELECT a, b, SUM(data.c) AS sumc FROM readings GROUP BY data.a AS a, "
                 "data.b AS b HAVING a IS NOT NULL AND a != 1 AND SUM(data.c) != 4",
        "expected": [{"a": 2, "b": 2, "sumc": 6}],
    },
    {
        "name": "stddev-samp",
        "source": SPEC_TESTS + "group_by.yml#L516",
        "docs": _BAR,
        "query": "SELECT a, STDDEV_SAMP(data.b) AS gstds FROM readings GROUP BY data.a AS a",
        "expected": [{"a": 1, "gstds": 20.81665999466133}, {"a": 11, "gstds": None},
                     {"a": 111, "gstds": None}],
    },
    {
        "name": "array-literal",
        "source": SPEC_TESTS + "array.yml#L8",
        "docs": [{}],
        "query": "SELECT VALUE {'_1': [1, true, 'yes', {'a': 'b'}, [1.0, false]]} FROM readings",
        "expected": [{"_1": [1, True, "yes", {"a": "b"}, [1.0, False]]}],
    },
    {
        "name": "document-literals",
        "source": SPEC_TESTS + "document.yml#L14",
        "docs": [{}],
        "query": "SELECT VALUE {'_1': {'a': 1}, '_2': {'b': 2, 'c': 3}} FROM readings",
        "expected": [{"_1": {"a": 1}, "_2": {"b": 2, "c": 3}}],
    },
    {
        "name": "dot-access-on-document-literal",
        "source": SPEC_TESTS + "document.yml#L37",
        "docs": [{}],
        "query": "SELECT VALUE {'a': {'a': 1, 'b': 2}.a} FROM readings",
        "expected": [{"a": 1}],
    },
    {
        "name": "bracket-access",
        "source": SPEC_TESTS + "document.yml#L83",
        "docs": [{"a": {"b": 100}}],
        "query": "SELECT VALUE {'b': data.a['b']} FROM readings",
        "expected": [{"b": 100}],
    },
    {
        "name": "bracket-access-nested",
        "source": SPEC_TESTS + "document.yml#L89",
        "docs": [{"a": {"b": {"c": 100}}}],
        "query": "SELECT VALUE {'c': data.a['b']['c']} FROM readings",
        "expected": [{"c": 100}],
    },
    {
        "name": "bracket-and-dot-mixed",
        "source": SPEC_TESTS + "document.yml#L119",
        "docs": [{"a": {"b": {"c": {"d": 100}}}}],
        "query": "SELECT VALUE {'d': data.a.b['c'].d} FROM readings",
        "expected": [{"d": 100}],
    },
    {
        "name": "compound-identifier-missing-on-non-document",
        "source": SPEC_TESTS + "identifier.yml#L2",
        "docs": [{"a": {"c": 1}}, {"a": 3}],
        "query": "SELECT VALUE {'c': data.a.c} FROM readings",
        "expected": [{"c": 1}, {}],
    },
    {
        "name": "is-missing",
        "source": SPEC_TESTS + "operators_types.yml#L272",
        "docs": _type_docs(),
        "query": "SELECT VALUE {'type': data.type, 'tc': data.v IS MISSING} FROM readings",
        "expected": _type_rows("MISSING", True),
    },
    {
        "name": "is-number",
        "source": SPEC_TESTS + "operators_types.yml#L596",
        "docs": _type_docs(),
        "query": "SELECT VALUE {'type': data.type, 'tc': data.v IS NUMBER} FROM readings",
        "expected": _type_rows("NUMBER", False),
    },
    {
        "name": "limit",
        "source": SPEC_TESTS + "limit_offset.yml#L2",
        "docs": _LIMIT,
        "query": "SELECT data._id, data.a FROM readings ORDER BY data.a LIMIT 1",
        "expected": [{"_id": 0, "a": 1}],
        "ordered": True,
    },
    {
        "name": "offset",
        "source": SPEC_TESTS + "limit_offset.yml#L8",
        "docs": _LIMIT,
        "query": "SELECT data._id, data.a FROM readings ORDER BY data.a OFFSET 1",
        "expected": [{"_id": 1, "a": 2}, {"_id": 2, "a": 3}],
        "ordered": True,
    },
    {
        "name": "limit-i-comma-j-is-limit-i-offset-j",
        "source": "https://github.com/mongodb/mongosql/blob/main/tests/spec_tests/rewrite_tests/"
                  "limit_offset.yml#L2",
        "docs": _LIMIT,
        # The documented rewrite, LIMIT i, j = LIMIT i OFFSET j, with i != j.
        "query": "SELECT data._id, data.a FROM readings ORDER BY data.a LIMIT 2, 1",
        "expected": [{"_id": 1, "a": 2}, {"_id": 2, "a": 3}],
        "ordered": True,
    },
    {
        "name": "limit-negative-refused",
        "source": SPEC_TESTS + "limit_offset.yml#L14",
        "docs": _LIMIT,
        "query": "SELECT * FROM readings ORDER BY data.a LIMIT -1",
        "error": "LIMIT takes a non-negative integer literal",
    },
    {
        "name": "limit-non-integer-refused",
        "source": SPEC_TESTS + "limit_offset.yml#L20",
        "docs": _LIMIT,
        "query": "SELECT * FROM readings ORDER BY data.a LIMIT 1.1",
        "error": "LIMIT takes a non-negative integer literal",
    },
    {
        "name": "order-by-expression-refused",
        "source": SPEC_TESTS + "order_by.yml#L144",
        "docs": _LIMIT,
        "query": "SELECT VALUE {'a': data.a} FROM readings ORDER BY 1 + 2 DESC",
        "error": "not an expression",
    },
    {
        "name": "order-by-negative-refused",
        "source": SPEC_TESTS + "order_by.yml#L150",
        "docs": _LIMIT,
        "query": "SELECT data.a FROM readings ORDER BY -1",
        "error": "ORDER BY takes a column, an alias or a position",
    },
    {
        "name": "unescaped-keyword-value-refused",
        "source": SPEC + "#identifiers",
        "docs": [{"value": 1}],
        "query": "SELECT data.value FROM readings",
        "error": "VALUE is a reserved word",
    },
    {
        "name": "escaped-keyword-value",
        "source": SPEC + "#identifiers",
        "docs": [{"value": 1}],
        "query": "SELECT data.`value` FROM readings",
        "expected": [{"value": 1}],
    },
]
