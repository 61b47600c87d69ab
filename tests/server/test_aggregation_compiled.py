"""Expressions read once per stage (``compile_expression``) answer and fail as the manual says.

Sources, MongoDB manual: "Expressions" (field paths, ``$$ROOT``/``$$CURRENT``/``$$REMOVE``),
https://www.mongodb.com/docs/manual/reference/aggregation-variables/ and
https://www.mongodb.com/docs/manual/core/document/#dot-notation (a path through an
array of documents gives the array of each element's value); ``$group``
https://www.mongodb.com/docs/manual/reference/operator/aggregation/group/ (a missing
``_id`` value groups with null); ``$addFields``
https://www.mongodb.com/docs/manual/reference/operator/aggregation/addFields/ (a field
set to ``$$REMOVE`` is removed; a document value adds into the embedded document).
"""

import pytest

from viam_data_sync.server.engines.aggregation import AggregationError, UnsupportedError, run_pipeline
from viam_data_sync.server.engines.aggregation.expressions import Context, compile_expression, evaluate

GONE = object()  #: a missing value: $set leaves the field out
DOCS = [
    {"_id": 1, "a": {"b": 1}, "arr": [{"b": 10}, {"c": 2}, {"b": 30}, 5], "s": "x"},
    {"_id": 2, "a": None, "arr": [], "s": "y"},
    {"_id": 3, "s": "x"},
    {"_id": 4, "a": {"b": 1.0}, "s": None},
]


@pytest.mark.parametrize("expr, expected", [
    ("$a.b", [1, GONE, GONE, 1.0]),
    ("$arr.b", [[10, 30], [], GONE, GONE]),
    ("$s", ["x", "y", "x", None]),
    ({"k": "$a.b", "t": "$s"}, [{"k": 1, "t": "x"}, {"t": "y"}, {"t": "x"}, {"k": 1.0, "t": None}]),
    (["$a.b", "$nope"], [[1, None], [None, None], [None, None], [1.0, None]]),
    ("$$ROOT._id", [1, 2, 3, 4]),
    ({"$add": ["$_id", 1]}, [2, 3, 4, 5]),
    ("plain", ["plain"] * 4),
    (7, [7] * 4),
])
def test_set_builds_the_manuals_values(expr, expected):
    got = run_pipeline(DOCS, [{"$set": {"v": expr}}, {"$project": {"_id": 0, "v": 1}}])
    assert got == [{} if e is GONE else {"v": e} for e in expected]


def test_group_keys_missing_with_null_and_numbers_by_value():
    got = run_pipeline(DOCS, [{"$group": {"_id": "$a.b", "ids": {"$push": "$_id"}}}])
    assert sorted(got, key=lambda g: str(g["_id"])) == [{"_id": 1, "ids": [1, 4]}, {"_id": None, "ids": [2, 3]}]


def test_remove_and_embedded_documents_in_set():
    got = run_pipeline(DOCS[:1], [{"$set": {"s": "$$REMOVE", "a": {"c": "$_id"}}}])
    assert got == [{"_id": 1, "a": {"b": 1, "c": 1}, "arr": DOCS[0]["arr"]}]


def test_errors_come_when_reached_as_before():
    with pytest.raises(AggregationError, match="only one operator"):
        run_pipeline(DOCS, [{"$replaceWith": {"ok": "$s", "$bad": 1}}])
    with pytest.raises(UnsupportedError):
        run_pipeline(DOCS, [{"$group": {"_id": {"$noSuchOperator": 1}}}])
    with pytest.raises(AggregationError, match="'\\$' by itself"):
        run_pipeline(DOCS, [{"$set": {"v": "$"}}])
    # over no documents nothing is evaluated, so nothing fails (as before)
    assert run_pipeline([], [{"$set": {"v": "$"}}, {"$group": {"_id": {"$noSuchOperator": 1}}}]) == []
    # the first field's error wins over the bad key after it
    with pytest.raises(AggregationError, match="by itself"):
        compile_expression({"k": "$", "$bad": 1})(Context(DOCS[0]))


@pytest.mark.parametrize("expr", ["$a.b", "$arr.b", {"x": ["$s", {"$literal": "$s"}]}, "$$CURRENT.s"])
def test_compiled_is_evaluate(expr):
    for doc in DOCS:
        assert compile_expression(expr)(Context(doc)) == evaluate(expr, Context(doc))


@pytest.mark.parametrize("spec", [
    {"specs.fuel_type": "unleaded", "specs.doors": "$$REMOVE"},
    {"specs": {"fuel_type": "unleaded", "doors": "$$REMOVE"}},
])
def test_set_into_embedded_documents_arrays_and_scalars(spec):
    # addFields manual, "Adding Fields to an Embedded Document": the fields are added into
    # specs; over an array of documents, into each document element.
    docs = [{"_id": 1, "specs": {"doors": 4, "wheels": 4}},
            {"_id": 2, "specs": [{"doors": 2}, {"wheels": 3}]},
            {"_id": 3}]
    got = run_pipeline(docs, [{"$set": spec}])
    assert got == [{"_id": 1, "specs": {"wheels": 4, "fuel_type": "unleaded"}},
                   {"_id": 2, "specs": [{"fuel_type": "unleaded"}, {"wheels": 3, "fuel_type": "unleaded"}]},
                   {"_id": 3, "specs": {"fuel_type": "unleaded"}}]
    assert docs[0] == {"_id": 1, "specs": {"doors": 4, "wheels": 4}}  # the input is not changed
