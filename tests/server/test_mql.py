"""The local MQL engine against a real SQLite store file."""
from __future__ import annotations

import datetime as dt

import bson
import pytest

from tests.server._readings_fixture import T0, open_store, row
from viam_data_sync.server.engines import mql as _mql
from viam_data_sync.server.engines.mql import run_mql
from viam_data_sync.server._query_errors import QueryError

NAIVE_T0 = T0.replace(tzinfo=None)  # what bson.decode gives the servicer


def mql(conn, stages, orgs=("org-1",), **kwargs):
    result = run_mql(conn, list(orgs), stages, **kwargs)
    for doc in result:
        assert bson.decode(bson.encode(doc), codec_options=bson.CodecOptions(tz_aware=True)) == doc
    return result


def test_documents_have_the_cloud_shape(conn):
    [doc] = mql(conn, [{"$match": {"component_name": "temp"}}, {"$limit": 1}])
    assert list(doc) == ["_id", "organization_id", "location_id", "robot_id", "part_id",
                         "component_type", "component_name", "method_name", "time_requested",
                         "time_received", "tags", "additional_parameters", "data"]
    assert doc["time_received"] == T0 and doc["time_received"].tzinfo is not None
    assert doc["data"]["readings"]["temperature"] == 20 and doc["tags"] == ["lab"]


def test_match_nested_fields_comparisons_and_logic(conn):
    def names(match):
        return [d["data"]["readings"]["temperature"] for d in mql(conn, [{"$match": match}])]

    assert names({"data.readings.temperature": {"$gte": 23, "$lt": 25}}) == [23, 24]
    assert names({"data.readings.temperature": {"$in": [20, 25]}}) == [20, 25]
    assert names({"data.readings.ok": True, "data.readings.temperature": {"$ne": 20}}) == [22, 24]
    assert names({"$or": [{"data.readings.temperature": 21},
                          {"additional_parameters.pin_name": "p5"}]}) == [21, 25]
    assert names({"$and": [{"tags": "lab"}, {"data.readings.temperature": {"$nin": [20]}}]}) == [
        21, 22]
    # $nor and $not also match documents without the field, as in MongoDB
    assert names({"component_name": "temp",
                  "$nor": [{"data.readings.temperature": {"$lte": 23}}]}) == [24, 25]
    assert names({"component_name": "temp",
                  "data.readings.temperature": {"$not": {"$gt": 20}}}) == [20]
    assert names({"data.readings.nested.a": {"$exists": True}, "component_name": {
        "$regex": "^te"}}) == [20, 21, 22, 23, 24, 25]


def test_match_dates_naive_and_aware(conn):
    start = NAIVE_T0 + dt.timedelta(hours=4)
    for value in (start, start.replace(tzinfo=dt.timezone.utc)):
        docs = mql(conn, [{"$match": {"component_name": "temp", "time_received": {"$gte": value}}}])
        assert [d["time_received"] for d in docs] == [
            T0 + dt.timedelta(hours=4), T0 + dt.timedelta(hours=5)]


def test_group_accumulators_and_sort(conn):
    docs = mql(conn, [
        {"$group": {"_id": "$component_name", "n": {"$count": {}}, "s": {"$sum": 1},
                    "avg": {"$avg": "$data.readings.temperature"},
                    "lo": {"$min": "$time_received"}, "hi": {"$max": "$time_received"},
                    "first": {"$first": "$data.readings.temperature"},
                    "last": {"$last": "$data.readings.temperature"},
                    "pos": {"$push": "$data.position"},
                    "robots": {"$addToSet": "$robot_id"}}},
        {"$sort": {"_id": 1}},
    ])
    assert [d["_id"] for d in docs] == ["cam", "motor", "temp"]
    temp = docs[2]
    assert temp["n"] == temp["s"] == 6 and temp["avg"] == 22.5
    assert (temp["lo"], temp["hi"]) == (T0, T0 + dt.timedelta(hours=5))
    assert (temp["first"], temp["last"]) == (20, 25)
    assert docs[1]["pos"] == [0, 10, 20] and docs[1]["robots"] == ["robot-2"]


def test_project_addfields_set_unset_skip_limit_count(conn):
    docs = mql(conn, [
        {"$match": {"component_name": "temp"}},
        {"$addFields": {"t": "$data.readings.temperature"}},
        {"$set": {"hot": {"$gt": ["$t", 22]}}},
        {"$unset": ["data", "tags", "additional_parameters"]},
        {"$project": {"_id": 0, "t": 1, "hot": 1}},
        {"$skip": 2}, {"$limit": 2},
    ])
    assert docs == [{"t": 22, "hot": False}, {"t": 23, "hot": True}]
    assert mql(conn, [{"$match": {"data.readings.temperature": {"$gt": 23}}},
                      {"$count": "n"}]) == [{"n": 2}]


def test_unwind_replace_root_replace_with_sort_by_count(conn):
    detections = [{"$match": {"component_name": "cam"}}, {"$unwind": "$data.detections"}]
    assert mql(conn, detections + [{"$replaceWith": "$data.detections"}]) == [
        {"class_name": "cat", "confidence": 0.9}, {"class_name": "dog", "confidence": 0.4}]
    assert mql(conn, detections + [{"$replaceRoot": {"newRoot": "$data.detections"}},
                                   {"$match": {"confidence": {"$gt": 0.5}}}]) == [
        {"class_name": "cat", "confidence": 0.9}]
    assert mql(conn, [{"$sortByCount": "$component_name"}]) == [
        {"_id": "temp", "count": 6}, {"_id": "motor", "count": 3}, {"_id": "cam", "count": 1}]


def test_org_isolation(conn):
    assert mql(conn, [{"$match": {"organization_id": "org-2"}}]) == []
    assert mql(conn, [{"$match": {"$or": [{"organization_id": "org-2"}, {"x": 1}]}}]) == []
    assert mql(conn, [{"$count": "n"}]) == [{"n": 10}]
    assert mql(conn, [{"$count": "n"}], orgs=("org-2",)) == [{"n": 4}]
    assert all(d["organization_id"] == "org-2" for d in mql(conn, [], orgs=("org-2",)))
    assert mql(conn, [{"$match": {}}], orgs=()) == []


def test_pushdown_loads_only_matching_rows(conn, loaded):
    docs = mql(conn, [{"$match": {"component_name": "motor", "method_name": "Position",
                                  "data.position": {"$gte": 10}}}])
    assert [d["data"]["position"] for d in docs] == [10, 20]
    assert loaded["rows"] == 3  # the three motor rows, not all ten

    loaded["rows"] = 0
    since = NAIVE_T0 + dt.timedelta(hours=3)
    mql(conn, [{"$match": {"$and": [{"time_received": {"$gt": since}},
                                    {"time_received": {"$lt": since + dt.timedelta(hours=2)}}],
                           "_id": {"$exists": True}}}])
    assert loaded["rows"] == 1  # 04:00 only

    loaded["rows"] = 0
    latest = mql(conn, [{"$match": {"component_name": {"$in": ["temp", "motor"]}}},
                        {"$sort": {"time_received": -1}}, {"$skip": 1}, {"$limit": 2},
                        {"$project": {"_id": 0, "component_name": 1}}])
    assert latest == [{"component_name": "motor"}, {"component_name": "motor"}]
    assert loaded["rows"] == 2  # sort, skip and limit ran in SQLite


def test_pushdown_time_bounds_follow_millisecond_truncation(tmp_path, loaded):
    conn = open_store(tmp_path / "ms.db", [row(time_received=T0, extra_ns=1_500_000)])
    at = NAIVE_T0 + dt.timedelta(milliseconds=1)  # the document's time is 00:00:00.001
    for condition, expected in [({"$eq": at}, 1), ({"$gte": at}, 1), ({"$gt": at}, 0),
                                ({"$lte": at}, 1), ({"$lt": at}, 0),
                                ({"$gte": at + dt.timedelta(microseconds=500)}, 0)]:
        assert len(mql(conn, [{"$match": {"time_received": condition}}])) == expected, condition


def test_non_pushable_match_still_filters_correctly(conn, loaded):
    docs = mql(conn, [{"$match": {"component_name": {"$regex": "^mot"},
                                  "robot_id": "robot-2"}}])
    assert len(docs) == 3
    assert loaded["rows"] == 3  # robot_id was pushed; the regex ran in the evaluator


@pytest.mark.parametrize("stages, message", [
    ([{"$lookup": {"from": "x", "as": "y"}}], r"unsupported MQL stage: \$lookup$"),
    ([{"$out": "x"}], r"unsupported MQL stage: \$out"),
    ([{"$geoNear": {"near": [0, 0], "distanceField": "d"}}],
     r"unsupported MQL stage: \$geoNear \(the cloud accepts it; the local server does not\)"),
    ([{"$densify": {"field": "time_received"}}], r"invalid MQL in \$densify: \$densify requires 'field' and 'range'"),
    ([{"$project": {"x": {"$function": {"body": "f", "args": [], "lang": "js"}}}}],
     r"unsupported MQL operator: \$function in \$project"),
    ([{"$group": {"_id": None, "x": {"$accumulator": {}}}}],
     r"unsupported MQL operator: \$accumulator in \$group"),
    ([{"$match": {"component_name": {"$foo": 1}}}], r"unsupported MQL operator: \$foo in \$match"),
    ([{"$match": {}, "$limit": 1}], "exactly one field"),
    (["$match"], "exactly one field"),
    ([{"$unset": 5}], r"\$unset specification must be a string or an array of strings"),
])
def test_query_errors(conn, stages, message):
    with pytest.raises(QueryError, match=message):
        run_mql(conn, ["org-1"], stages)


def test_max_docs(conn):
    assert len(mql(conn, [], max_docs=10)) == 10
    with pytest.raises(QueryError, match=r"more than 9 documents; add \$limit"):
        run_mql(conn, ["org-1"], [], max_docs=9)


def test_max_scanned_docs(conn, monkeypatch):
    monkeypatch.setattr(_mql, "MAX_SCANNED_DOCS", 5)
    monkeypatch.setattr(_mql, "_BATCH", 2)
    with pytest.raises(QueryError, match="scans more than 5 documents"):
        run_mql(conn, ["org-1"], [{"$count": "n"}])
    assert mql(conn, [{"$match": {"component_name": "motor"}}, {"$count": "n"}]) == [{"n": 3}]


def test_integers_past_a_long_become_doubles_and_encode(conn):
    """MongoDB widens an integer result past 64 bits to a double; BSON cannot hold more."""
    [doc] = mql(conn, [{"$limit": 1}, {"$project": {"_id": 0, "p": {"$pow": [10, 30]},
                                                    "m": {"$multiply": [2 ** 62, 4]},
                                                    "s": {"$add": [2 ** 62, 2 ** 62 - 1]}}}])
    assert doc == {"p": 1e30, "m": float(2 ** 64), "s": 2 ** 63 - 1}
    assert isinstance(doc["p"], float) and isinstance(doc["s"], int)


def test_evaluation_failures_are_query_errors_naming_the_stage(conn):
    for stages, message in (
        ([{"$project": {"x": {"$divide": [1, 0]}}}], r"invalid MQL in \$project: can't \$divide by zero"),
        ([{"$project": {"x": {"$first": "$data"}}}], r"\$first's argument must be an array"),
        ([{"$sort": {"x": 2}}], r"invalid MQL in \$sort"),
        ([{"$project": {"x": {"$toDate": "Friday"}}}], "Friday"),
    ):
        with pytest.raises(QueryError, match=message):
            run_mql(conn, ["org-1"], stages)
