"""SELECT DISTINCT from the MongoSQL spec tests (distinct.yml), recast over ``readings``:
the spec's ``db.foo``/``documents``/``arrays`` rows are readings' ``data`` (``_id`` left out)."""

from __future__ import annotations

from typing import Any, Dict, List

from ._sources import SPEC_TESTS

#: distinct.yml catalog_data db.foo, without _id.
_FOO: List[Dict[str, Any]] = [
    {"a": 1, "b": 2}, {"a": 1, "b": 2}, {"a": 2, "b": 2}, {"b": 2, "a": 1},
    {"a": 2, "b": 2, "c": True, "d": "a", "e": None}, {"a": 2, "b": 2, "c": True, "d": "a", "e": None},
]

CASES: List[Dict[str, Any]] = [
    {
        "name": "distinct-columns",
        "source": SPEC_TESTS + "distinct.yml (SELECT DISTINCT columns ensures we see unique values)",
        "docs": _FOO,
        "query": "SELECT DISTINCT data.a, data.b FROM readings",
        "expected": [{"a": 1, "b": 2}, {"a": 2, "b": 2}],
    },
    {
        "name": "distinct-columns-with-alias",
        "source": SPEC_TESTS + "distinct.yml (SELECT DISTINCT columns with alias)",
        "docs": _FOO,
        "query": "SELECT DISTINCT data.a AS col1, data.b AS col2 FROM readings",
        "expected": [{"col1": 1, "col2": 2}, {"col1": 2, "col2": 2}],
    },
    {
        "name": "distinct-documents-keep-key-order",
        "source": SPEC_TESTS + "distinct.yml (SELECT DISTINCT document column of repeated "
                  "documents)",
        "docs": [{"doc": {"a": 1, "b": 2}}, {"doc": {"a": 1, "b": 2}}, {"doc": {"a": 2, "b": 2}},
                 {"doc": {"a": 2, "b": 3}}, {"doc": {"b": 2, "a": 1}}],
        "query": "SELECT DISTINCT data.doc FROM readings",
        "expected": [{"doc": {"a": 1, "b": 2}}, {"doc": {"a": 2, "b": 2}},
                     {"doc": {"a": 2, "b": 3}}, {"doc": {"b": 2, "a": 1}}],
    },
    {
        "name": "distinct-arrays",
        "source": SPEC_TESTS + "distinct.yml (SELECT DISTINCT arr checking deduplication of "
                  "repeated arrays)",
        "docs": [{"arr": [1, 2, 3]}, {"arr": [1, 2, 3]}, {"arr": [2, 3, 4]}, {"arr": [3, 2, 1]}],
        "query": "SELECT DISTINCT data.arr FROM readings",
        "expected": [{"arr": [1, 2, 3]}, {"arr": [2, 3, 4]}, {"arr": [3, 2, 1]}],
    },
]
