"""The MQL engine reads only the fields a pipeline can see: same answers, fewer columns.

Expected answers are the stored readings of ``standard_rows`` and MongoDB's manual rules
($group over a missing value: ``$max`` ignores missing values and is null when all
are; ``$push`` of ``$$ROOT`` holds the whole document).
"""

import datetime as dt

import pytest

from tests.server._readings_fixture import T0
from viam_data_sync.server.engines import mql as _mql
from viam_data_sync.server.engines.mql import run_mql
from viam_data_sync.server.engines.mql_fields import needed_fields

ALL_FIELDS = ["_id", "organization_id", "location_id", "robot_id", "part_id", "component_type",
              "component_name", "method_name", "time_requested", "time_received", "tags",
              "additional_parameters", "data"]


@pytest.fixture()
def columns(monkeypatch):
    """The columns each scan of the store read."""
    seen = []
    original = _mql.readings.scan

    def scan(conn, orgs, cols, *args):
        seen.append([c.strip() for c in cols.split(",")])
        return original(conn, orgs, cols, *args)

    monkeypatch.setattr(_mql.readings, "scan", scan)
    return seen


def test_a_group_reads_only_the_fields_it_names(conn, columns):
    got = run_mql(conn, ["org-1"], [{"$group": {"_id": "$component_name", "n": {"$sum": 1},
                                                "t": {"$max": "$data.readings.temperature"}}}])
    assert sorted(got, key=lambda d: d["_id"]) == [
        {"_id": "cam", "n": 1, "t": None},
        {"_id": "motor", "n": 3, "t": None},
        {"_id": "temp", "n": 6, "t": 25},
    ]
    assert columns == [["reading_id", "component_name", "data"]]


def test_times_read_alone_keep_millisecond_utc_and_null(conn, columns):
    got = run_mql(conn, ["org-1"], [{"$match": {"component_name": "motor"}},
                                    {"$sort": {"time_received": -1}},
                                    {"$project": {"_id": 0, "t": "$time_received"}},
                                    {"$group": {"_id": None, "ts": {"$push": "$t"},
                                                "none": {"$max": "$time_requestedX"}}}])
    day = T0 + dt.timedelta(days=1)
    assert got == [{"_id": None, "ts": [day + dt.timedelta(minutes=2), day + dt.timedelta(minutes=1), day],
                    "none": None}]
    assert got[0]["ts"][0].tzinfo is not None
    assert "data" not in columns[0] and "time_received_ns" in columns[0]


@pytest.mark.parametrize("whole", [
    {"$push": "$$ROOT"},
    {"$push": "$$CURRENT"},
    {"$push": {"$let": {"vars": {"CURRENT": "$$ROOT"}, "in": "$$CURRENT"}}},
    {"$push": {"$mergeObjects": ["$$ROOT", {}]}},
])
def test_whatever_sees_the_whole_document_gets_every_field(conn, columns, whole):
    [group] = run_mql(conn, ["org-1"], [{"$match": {"component_name": "cam"}},
                                        {"$group": {"_id": None, "docs": whole}}])
    [doc] = group["docs"]
    assert list(doc) == ALL_FIELDS
    assert doc["data"]["detections"][0] == {"class_name": "cat", "confidence": 0.9}
    assert doc["tags"] == [] and doc["additional_parameters"] == {}
    assert columns[0][-1] == "data" and len(columns[0]) == len(ALL_FIELDS)


def test_a_field_named_at_run_time_is_read(conn):
    got = run_mql(conn, ["org-1"], [{"$match": {"component_name": "cam"}},
                                    {"$group": {"_id": {"$getField": {"$concat": ["method", "_name"]}}}}])
    assert got == [{"_id": "Detections"}]


def test_a_pipeline_that_keeps_the_documents_reads_them_whole(conn):
    [doc] = run_mql(conn, ["org-1"], [{"$match": {"component_name": "cam"}}, {"$set": {"x": 1}}])
    assert list(doc) == [*ALL_FIELDS, "x"]


@pytest.mark.parametrize("stages", [
    [{"$match": {"a": 1}}],
    [{"$setWindowFields": {"output": {}}}, {"$group": {"_id": None}}],
    [{"$redact": "$$KEEP"}, {"$count": "n"}],
    [{"$group": {"_id": "$$ROOT.data"}}],
    [{"$replaceWith": {"$setField": {"field": "x", "input": "$$ROOT", "value": 1}}}],
    [{"$group": {"_id": {"$unsetField": {"field": "x", "input": "$data"}}}}],
])
def test_needed_fields_is_none_when_all_may_be_seen(stages):
    assert needed_fields(stages) is None


def test_needed_fields_counts_keys_strings_and_dotted_roots():
    stages = [{"$match": {"data.readings.x": {"$gt": 1}, "$expr": {"$eq": ["$tags", "x"]}}},
              {"$sort": {"time_received": 1}},
              {"$count": "n"}]
    assert needed_fields(stages) >= {"data", "tags", "time_received"}
    assert not needed_fields(stages) & {"additional_parameters", "component_name", "time_requested"}
