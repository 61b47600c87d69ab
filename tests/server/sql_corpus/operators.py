"""Comparison and arithmetic operators over every BSON type pairing the readings can hold,
from the MongoSQL spec tests (operators_comparison.yml, operators_arithmetic.yml).

Each spec test runs ``SELECT VALUE {'a': a, 'b': b, 'c': a OP b} FROM <dataset>``; here the
dataset's rows are readings' ``data`` (their ``_id`` left out) and ``a``/``b`` are ``data.a``
and ``data.b``. int and long are both Python ints here, so the long rows fold into the int
ones; decimal rows are left out (readings hold no Decimal128)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ._build import select_value_case
from ._sources import SPEC_TESTS

_MISSING = object()

#: The spec's datasets (operators_comparison.yml catalog_data.foo), as (a, b) pairs.
_DATASETS: Dict[str, List[Tuple[Any, Any]]] = {
    "strings": [("abc", "def"), ("xyz", "xyz"), ("xyz", "abc"), ("", None), (None, "abc"),
                ("abc", _MISSING), (_MISSING, "")],
    "bools": [(False, True), (True, True), (True, False), (False, None), (None, True),
              (False, _MISSING), (_MISSING, True)],
    "nullAndMissing": [(None, None), (None, _MISSING), (_MISSING, None), (_MISSING, _MISSING)],
}

#: (dataset, operator word in the spec test's description, SQL operator, documented c per row).
_COMPARISONS: List[Tuple[str, str, str, List[Optional[bool]]]] = [
    ("strings", "neq", "<>", [True, False, True, None, None, None, None]),
    ("strings", "eq", "=", [False, True, False, None, None, None, None]),
    ("strings", "gt", ">", [False, False, True, None, None, None, None]),
    ("strings", "gte", ">=", [False, True, True, None, None, None, None]),
    ("bools", "lt", "<", [True, False, False, None, None, None, None]),
    ("bools", "lte", "<=", [True, True, False, None, None, None, None]),
    ("bools", "neq", "<>", [True, False, True, None, None, None, None]),
    ("bools", "eq", "=", [False, True, False, None, None, None, None]),
    ("bools", "gt", ">", [False, False, True, None, None, None, None]),
    ("bools", "gte", ">=", [False, True, True, None, None, None, None]),
    *(("nullAndMissing", word, op, [None] * 4) for word, op in
      (("lt", "<"), ("lte", "<="), ("neq", "<>"), ("eq", "="), ("gt", ">"), ("gte", ">="))),
]


def _doc(pairs: Dict[str, Any]) -> Dict[str, Any]:
    return {key: value for key, value in pairs.items() if value is not _MISSING}


def _comparison_case(dataset: str, word: str, op: str,
                     results: List[Optional[bool]]) -> Dict[str, Any]:
    rows = _DATASETS[dataset]
    return {
        "name": f"compare-{word}-{dataset}",
        "source": SPEC_TESTS + f"operators_comparison.yml (correctness test for {word} for "
                  f"{'null and missing' if dataset == 'nullAndMissing' else dataset})",
        "docs": [_doc({"a": a, "b": b}) for a, b in rows],
        "query": f"SELECT VALUE {{'a': data.a, 'b': data.b, 'c': data.a {op} data.b}} "
                 "FROM readings",
        "expected": [_doc({"a": a, "b": b, "c": c}) for (a, b), c in zip(rows, results)],
    }


#: operators_arithmetic.yml, dataset binary: a in {6, 6.0, null, missing} x b in {2, 2.0,
#: null, missing}; the documented result is int for int-int, double when either is double,
#: null when either is null or missing.
_BINARY_A = [6, 6.0, None, _MISSING]
_BINARY_B = [2, 2.0, None, _MISSING]


def _arith(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None or a is _MISSING or b is _MISSING:
        return None
    return {"+": a + b, "-": a - b, "*": a * b}[op]


def _binary_case(word: str, op: str) -> Dict[str, Any]:
    pairs = [(a, b) for a in _BINARY_A for b in _BINARY_B]
    key = f"a{op}b"
    return {
        "name": f"arithmetic-{word.lower()}",
        "source": SPEC_TESTS + f"operators_arithmetic.yml ({word} correctness tests)",
        "docs": [_doc({"a": a, "b": b}) for a, b in pairs],
        "query": f"SELECT VALUE {{'a': data.a, 'b': data.b, '{key}': data.a {op} data.b}} "
                 "FROM readings",
        "expected": [_doc({"a": a, "b": b, key: _arith(op, a, b)}) for a, b in pairs],
    }


CASES: List[Dict[str, Any]] = [
    *(_comparison_case(*row) for row in _COMPARISONS),
    {
        "name": "arithmetic-unary-plus",
        "source": SPEC_TESTS + "operators_arithmetic.yml (Unary plus correctness tests)",
        "docs": [{"a": 1}, {"a": -1}, {"a": 1.0}, {"a": -1.0}, {"a": None}, {}],
        "query": "SELECT VALUE {'a': data.a, '+a': +data.a} FROM readings",
        # Unary plus of a missing field is missing: the documented row is empty.
        "expected": [{"a": 1, "+a": 1}, {"a": -1, "+a": -1}, {"a": 1.0, "+a": 1.0},
                     {"a": -1.0, "+a": -1.0}, {"a": None, "+a": None}, {}],
    },
    {
        "name": "arithmetic-unary-minus",
        "source": SPEC_TESTS + "operators_arithmetic.yml (Unary minus correctness tests)",
        "docs": [{"a": 1}, {"a": -1}, {"a": 1.0}, {"a": -1.0}, {"a": None}, {}],
        "query": "SELECT VALUE {'a': data.a, '-a': -data.a} FROM readings",
        "expected": [{"a": 1, "-a": -1}, {"a": -1, "-a": 1}, {"a": 1.0, "-a": -1.0},
                     {"a": -1.0, "-a": 1.0}, {"a": None, "-a": None}, {"-a": None}],
    },
    _binary_case("Addition", "+"),
    _binary_case("Subtraction", "-"),
    _binary_case("Multiplication", "*"),
]

#: operators_types.yml's ``bar`` rows that readings' JSON data can carry: (type, v).
_TYPED: List[Tuple[str, Any]] = [("double", 1.5), ("string", "abc"), ("document", {"a": 1}),
                                 ("array", [1, 2]), ("boolean", True), ("null", None),
                                 ("missing", _MISSING)]
#: The spec's ``IS <type>`` checks and the rows each is documented true for.
_TYPE_CHECKS: List[Tuple[str, Tuple[str, ...]]] = [
    ("DOUBLE", ("double",)), ("STRING", ("string",)), ("DOCUMENT", ("document",)),
    ("ARRAY", ("array",)), ("BOOL", ("boolean",)), ("BSON_DATE", ()),
    ("NULL", ("null", "missing")),
]


def _type_case(check: str, true_for: Tuple[str, ...]) -> Dict[str, Any]:
    return {
        "name": f"type-check-is-{check.lower()}",
        "source": SPEC_TESTS + f"operators_types.yml (Correctness test for IS {check})",
        "docs": [_doc({"type": name, "v": value}) for name, value in _TYPED],
        "query": f"SELECT VALUE {{'type': data.type, 'tc': data.v IS {check}}} FROM readings",
        "expected": [{"type": name, "tc": name in true_for} for name, _ in _TYPED],
    }


CASES.extend(_type_case(*check) for check in _TYPE_CHECKS)


def _precedence(name: str, description: str, docs: List[Dict[str, Any]], select: str,
                expected: List[Dict[str, Any]]) -> Dict[str, Any]:
    return select_value_case(f"precedence-{name}", SPEC_TESTS + f"operators_precedence.yml "
                             f"({description})", docs, select, expected)


CASES.extend([
    _precedence("and-or", "AND binds tighter than OR",
                [{"a": False, "b": True, "c": True}, {"a": False, "b": False, "c": True}],
                "'v': data.a AND data.b OR data.c, 'alt': data.a AND (data.b OR data.c)",
                [{"v": True, "alt": False}, {"v": True, "alt": False}]),
    _precedence("not-and", "NOT binds tighter than AND",
                [{"a": True, "b": False}, {"a": True, "b": None}, {"a": False, "b": None}],
                "'a': data.a, 'b': data.b, 'v': NOT data.a AND data.b, "
                "'alt': NOT (data.a AND data.b)",
                [{"a": True, "b": False, "v": False, "alt": True},
                 {"a": True, "b": None, "v": False, "alt": None},
                 {"a": False, "b": None, "v": None, "alt": True}]),
    _precedence("is-not", "IS binds tighter than NOT", [{"a": True}, {"a": None}],
                "'a': data.a, 'v': NOT data.a IS BOOL, 'alt': (NOT data.a) IS BOOL",
                [{"a": True, "v": False, "alt": True}, {"a": None, "v": True, "alt": False}]),
    _precedence("between-in", "BETWEEN binds tighter than IN", [{"a": 1}, {"a": 3}],
                "'a': data.a, 'v': data.a BETWEEN 0 AND 2 IN (true)",
                [{"a": 1, "v": True}, {"a": 3, "v": False}]),
    _precedence("concat-comparison", "|| binds tighter than comparison ops",
                [{"a": "a", "b": "b", "c": "ab"}], "'v': data.a || data.b = data.c",
                [{"v": True}]),
    _precedence("mul-add", "mul/div bind tighter than add/sub",
                [{"a": 1, "b": 1, "c": 1}, {"a": 6, "b": 3, "c": 3}],
                "'v': data.a * data.b + data.c, 'alt': data.a * (data.b + data.c)",
                [{"v": 2, "alt": 2}, {"v": 21, "alt": 36}]),
    _precedence("unary-mul", "unary ops bind tighter than mul/div", [{"a": -1, "b": 1}],
                "'a': data.a, 'b': data.b, 'v': - data.a * data.b, 'alt': - (data.a * data.b)",
                [{"a": -1, "b": 1, "v": 1, "alt": 1}]),
    _precedence("subpath-type-op", "subpath op binds tighter than type ops",
                [{"a": {"b": True, "c": 1}}], "'a': data.a, 'v': data.a.b::INT",
                [{"a": {"b": True, "c": 1}, "v": 1}]),
    {
        "name": "where-is-null-covers-missing",
        "source": SPEC_TESTS + "is_null.yml (IS NULL covers missing fields)",
        "docs": [{"x": True}, {"x": None}, {}, {"x": False}],
        "query": "SELECT VALUE {'x': data.x} FROM readings WHERE data.x IS NULL",
        "expected": [{"x": None}, {}],
    },
    {
        "name": "where-is-not-null-covers-missing",
        "source": SPEC_TESTS + "is_null.yml (IS NOT NULL covers missing fields)",
        "docs": [{"x": True}, {"x": None}, {}, {"x": False}],
        "query": "SELECT VALUE {'x': data.x} FROM readings WHERE data.x IS NOT NULL",
        "expected": [{"x": True}, {"x": False}],
    },
])
