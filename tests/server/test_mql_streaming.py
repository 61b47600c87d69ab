"""Stages that map one document at a time, then a ``$limit``: the store is read only until
the limit has its documents, and the answer is the one of the whole evaluation.

Expected answers are the stored readings themselves, in the store's order (insertion);
``$limit`` passes "the first n documents" (MongoDB manual, ``$limit``:
https://www.mongodb.com/docs/manual/reference/operator/aggregation/limit/), ``$unwind``
one document per element in order, and a ``$project`` without fields is refused ("must be
an object with at least one field") whether or not any document reaches it.
"""

import datetime as dt

import pytest

from tests.server._readings_fixture import T0, open_store, row
from viam_data_sync.server._query_errors import QueryError
from viam_data_sync.server.engines.mql import run_mql
from viam_data_sync.server.engines.sql import run_sql

ROWS = 2500


@pytest.fixture()
def many(tmp_path):
    rows = [row(component_name="c", time_received=T0 + dt.timedelta(seconds=i), data={"x": i})
            for i in range(ROWS)]
    connection = open_store(tmp_path / "many.db", rows)
    yield connection
    connection.close()


def xs(docs):
    return [d["data"]["x"] if "data" in d else d["x"] for d in docs]


def test_a_sparse_match_across_batches_gives_the_first_matches(many, loaded):
    got = run_mql(many, ["org-1"], [{"$match": {"$expr": {"$eq": [{"$mod": ["$data.x", 700]}, 699]}}},
                                    {"$limit": 2}])
    assert xs(got) == [699, 1399]
    assert loaded["rows"] < ROWS


def test_reading_stops_at_the_limit(many, loaded):
    got = run_mql(many, ["org-1"], [{"$set": {"y": "$data.x"}}, {"$limit": 3}, {"$project": {"_id": 0, "y": 1}}])
    assert got == [{"y": 0}, {"y": 1}, {"y": 2}]
    assert loaded["rows"] <= 100


def test_fewer_documents_than_the_limit(many):
    got = run_mql(many, ["org-1"], [{"$match": {"data.x": {"$gte": ROWS - 3}}}, {"$limit": 100}])
    assert xs(got) == [ROWS - 3, ROWS - 2, ROWS - 1]


def test_unwind_then_limit_keeps_element_order(tmp_path):
    conn = open_store(tmp_path / "u.db", [row(data={"a": [1, 2, 3]}), row(data={"a": [4, 5]})])
    got = run_mql(conn, ["org-1"], [{"$unwind": "$data.a"}, {"$limit": 4},
                                    {"$project": {"_id": 0, "a": "$data.a"}}])
    assert got == [{"a": 1}, {"a": 2}, {"a": 3}, {"a": 4}]


def test_a_bad_stage_is_refused_even_when_no_document_reaches_it(many):
    with pytest.raises(QueryError, match="at least one field"):
        run_mql(many, ["org-1"], [{"$match": {"data.x": -1}}, {"$project": {}}, {"$limit": 1}])


def test_sql_limit_without_order_reads_a_batch(many, loaded):
    got = run_sql(many, ["org-1"], "SELECT data.x AS x FROM readings WHERE data.x > 1000 LIMIT 2")
    assert got == [{"x": 1001}, {"x": 1002}]
    assert loaded["rows"] < ROWS


def test_now_is_one_instant_for_the_whole_pipeline(many):
    # Aggregation variables, NOW: "returns the same value for all members of the
    # deployment and remains the same throughout all stages of the aggregation pipeline"
    # (https://www.mongodb.com/docs/manual/reference/aggregation-variables/#mongodb-variable-variable.NOW)
    got = run_mql(many, ["org-1"], [{"$set": {"a": "$$NOW"}}, {"$limit": 1500},
                                    {"$set": {"b": "$$NOW"}},
                                    {"$group": {"_id": None, "a": {"$addToSet": "$a"}, "b": {"$addToSet": "$b"}}}])
    assert len(got[0]["a"]) == 1 and got[0]["a"] == got[0]["b"]
