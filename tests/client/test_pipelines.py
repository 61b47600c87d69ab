"""Data pipeline calls: exact requests (as the official SDK builds them) and decoded
responses, on grpc_testing; bad input refused before anything is sent."""
from __future__ import annotations

import bson
import pytest

from viam_data_sync import DataClient
from viam_data_sync._convert import Timestamp
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2 as pb

STAGES = [{"$match": {"component_name": "sensor-1"}}, {"$group": {"_id": "$part_id", "n": {"$sum": 1}}}]


def test_create_sends_bson_stages_and_always_backfill_and_source(fake):
    result, request, metadata = fake.unary(
        "CreateDataPipeline",
        lambda c: c.create_data_pipeline("org", "hourly", STAGES, "0 * * * *", False),
        pb.CreateDataPipelineResponse(id="p1"),
    )
    assert result == "p1"
    assert [bson.decode(b) for b in request.mql_binary] == STAGES
    assert request.HasField("enable_backfill") and request.enable_backfill is False
    assert request.HasField("data_source_type")
    assert request.data_source_type == data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD
    assert (request.organization_id, request.name, request.schedule) == ("org", "hourly", "0 * * * *")
    assert "authorization" in metadata


def test_create_with_no_stages_is_sent_as_the_official_sdk_sends_it(fake):
    """The official SDK (and its own unit test) sends an empty stage list: whether a
    pipeline of no stages is valid is the service's call, not ours."""
    result, request, _ = fake.unary(
        "CreateDataPipeline",
        lambda c: c.create_data_pipeline("org", "all", [], "0 * * * *", True),
        pb.CreateDataPipelineResponse(id="p0"),
    )
    assert result == "p0" and list(request.mql_binary) == [] and request.enable_backfill is True


def test_get_and_list_decode_stages_and_times(fake):
    message = pb.DataPipeline(id="p1", organization_id="org", name="hourly",
                              mql_binary=[bson.encode(s) for s in STAGES], schedule="0 * * * *", enabled=True,
                              created_on=Timestamp(seconds=1_700_000_000),
                              data_source_type=data_pb2.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE)
    got, request, _ = fake.unary("GetDataPipeline", lambda c: c.get_data_pipeline("p1"),
                                 pb.GetDataPipelineResponse(data_pipeline=message))
    assert request.id == "p1"
    assert isinstance(got, DataClient.DataPipeline)
    assert got.mql_binary == STAGES and got.enabled and got.created_on.tzinfo is not None
    assert got.updated_at is None and got.data_source_type == data_pb2.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE
    listed, request, _ = fake.unary("ListDataPipelines", lambda c: c.list_data_pipelines("org"),
                                    pb.ListDataPipelinesResponse(data_pipelines=[message, message]))
    assert request.organization_id == "org" and [p.id for p in listed] == ["p1", "p1"]


def test_rename_and_delete(fake):
    request = fake.request("RenameDataPipeline", lambda c: c.rename_data_pipeline("p1", "daily"))
    assert (request.id, request.name) == ("p1", "daily")
    assert fake.request("DeleteDataPipeline", lambda c: c.delete_data_pipeline("p1")).id == "p1"


def test_runs_page_through_next_page_then_empty(fake):
    run = pb.DataPipelineRun(id="r1", status=pb.DATA_PIPELINE_RUN_STATUS_COMPLETED,
                             start_time=Timestamp(seconds=10))
    page, request, _ = fake.unary("ListDataPipelineRuns", lambda c: c.list_data_pipeline_runs("p1", page_size=2),
                                  pb.ListDataPipelineRunsResponse(pipeline_id="p1", runs=[run, run],
                                                                  next_page_token="t2"))
    assert (request.id, request.page_size, request.page_token) == ("p1", 2, "")
    assert [r.id for r in page.runs] == ["r1", "r1"] and page.runs[0].start_time.tzinfo is not None
    following, request, _ = fake.unary("ListDataPipelineRuns", lambda c: page.next_page(),
                                       pb.ListDataPipelineRunsResponse(pipeline_id="p1", runs=[run]))
    assert request.page_token == "t2" and len(following.runs) == 1 and following.next_page_token == ""
    last = following.next_page()  # no token: an empty page, nothing sent
    assert last.runs == [] and fake.nothing_sent()


@pytest.mark.parametrize("call", [
    lambda c: c.create_data_pipeline("org", "n", {"$match": {}}, "0 * * * *", False),
    lambda c: c.create_data_pipeline("org", "n", STAGES, "", False),
    lambda c: c.create_data_pipeline("org", "n", STAGES, "0 * * * *", "yes"),
    lambda c: c.create_data_pipeline("org", "n", STAGES, "0 * * * *", False, 99),
    lambda c: c.rename_data_pipeline("", "n"),
    lambda c: c.rename_data_pipeline("p", ""),
    lambda c: c.list_data_pipeline_runs("p", page_size=0),
    lambda c: c.get_data_pipeline(""),
])
def test_bad_pipeline_calls_refused_before_sending(fake, call):
    with pytest.raises((ValueError, TypeError)):
        call(fake.client)
    assert fake.nothing_sent()


@pytest.mark.parametrize("method, call", [
    ("EnableDataPipeline", lambda c: c.enable_data_pipeline("p1")),
    ("DisableDataPipeline", lambda c: c.disable_data_pipeline(id="p1")),
])
def test_enable_and_disable_send_the_id(fake, method, call):
    result, request, _ = fake.unary(method, call)
    assert result is None and request.SerializeToString() == getattr(pb, method + "Request")(id="p1").SerializeToString()


@pytest.mark.parametrize("call", [lambda c: c.enable_data_pipeline(""), lambda c: c.disable_data_pipeline(3)])
def test_enable_and_disable_refuse_bad_ids_before_sending(fake, call):
    with pytest.raises((ValueError, TypeError)):
        call(fake.client)
    assert fake.nothing_sent()
