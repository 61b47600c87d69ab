"""A ``$sort`` followed by ``$limit`` runs as one top-k: it must give the first k documents
of the full sort the manual documents, ties, missing fields, nulls, arrays and mixed types
included. The expected answers are the MQL corpus's (transcribed from MongoDB's manual,
each case citing its page): for ``$limit: k`` inserted after the ``$sort``, the first k of
the documented sorted output.
"""

import copy

import pytest

from viam_data_sync.server.engines.aggregation import fused_limit, run_pipeline

from .mql_corpus import CASES
from .mql_corpus._check import mismatch, normalize

#: Stages that keep one output document per input document, in order.
_PER_DOCUMENT = {"$project", "$set", "$addFields", "$unset"}


def _sorted_cases():
    for case in CASES:
        stages = [next(iter(s)) for s in case["pipeline"]]
        if "expected" not in case or "$sort" not in stages:
            continue
        at = stages.index("$sort")
        if all(name in _PER_DOCUMENT for name in stages[at + 1:]):
            yield pytest.param(case, at, id=case["name"])


SORTED = list(_sorted_cases())


def test_the_corpus_covers_ties_missing_nulls_arrays_and_mixed_types():
    names = {p.id for p in SORTED}
    assert {"sort/ties-any-order", "rule/sort-empty-array-before-null", "rule/sort-missing-equals-null-descending",
            "rule/sort-across-types", "rule/sort-array-descending-largest", "rule/numbers-compare-by-value"} <= names


@pytest.mark.parametrize("case, at", SORTED)
def test_top_k_is_the_documented_prefix(case, at):
    expected = case["expected"]
    for k in range(1, len(expected) + 2):
        pipeline = copy.deepcopy(case["pipeline"])
        pipeline.insert(at + 1, {"$limit": k})
        assert fused_limit(pipeline, at) == k
        got = run_pipeline(copy.deepcopy(case["docs"]), pipeline)
        want = expected[:k]
        order = case.get("order", "exact")
        if order == "exact":
            assert mismatch({"expected": want}, got) is None, (k, got)
        else:  # ties in any order: the same sort keys, each an expected document
            _, field, _ = order
            assert [normalize(d.get(field)) for d in got] == [normalize(d.get(field)) for d in want]
            assert all(normalize(d) in [normalize(e) for e in expected] for d in got)


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "2"])
def test_a_limit_that_is_not_a_positive_int_keeps_its_own_check(value):
    assert fused_limit([{"$sort": {"a": 1}}, {"$limit": value}], 0) is None
