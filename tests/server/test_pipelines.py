"""Data pipelines on the local server: cron windows run on a clock the test drives,
runs listed with status and windows, results read back from the sink with MQL,
enable/disable, backfill, and organization scoping."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Iterator, List

import bson
import grpc
import pytest

from viam_data_sync._convert import timestamp_to_datetime
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2 as pb
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2_grpc
from viam_data_sync.server import LocalDataServer, ManualClock

from .conftest import Api, code_of, make_api, other_org_api

UTC = dt.timezone.utc
START = dt.datetime(2025, 1, 1, 0, 30, tzinfo=UTC)
COUNT_BY_COMPONENT = [{"$group": {"_id": "$component_name", "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def server(clock: ManualClock) -> Iterator[LocalDataServer]:
    with LocalDataServer(clock=clock) as srv:
        yield srv


def stub(api: Api) -> Any:
    return data_pipelines_pb2_grpc.DataPipelinesServiceStub(api.channel)


def create(api: Api, name: str = "hourly", stages: Any = COUNT_BY_COMPONENT, schedule: str = "0 * * * *",
           backfill: bool = False) -> str:
    request = pb.CreateDataPipelineRequest(organization_id=api.organization_id, name=name, schedule=schedule,
                                           mql_binary=[bson.encode(s) for s in stages], enable_backfill=backfill)
    return str(api.call(stub(api).CreateDataPipeline, request).id)


def runs(api: Api, pipeline_id: str, page_size: int = 100) -> List[Any]:
    return list(api.call(stub(api).ListDataPipelineRuns,
                         pb.ListDataPipelineRunsRequest(id=pipeline_id, page_size=page_size)).runs)


def sink(api: Api, pipeline_id: str, stages: Any = ({"$sort": {"_id": 1}},)) -> List[Any]:
    request = data_pb2.TabularDataByMQLRequest(
        organization_id=api.organization_id, mql_binary=[bson.encode(s) for s in stages],
        data_source=data_pb2.TabularDataSource(type=data_pb2.TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK,
                                               pipeline_id=pipeline_id))
    return [bson.decode(raw) for raw in api.call(api.data.TabularDataByMQL, request).raw_data]


def readings_at(api: Api, component: str, *minutes: int) -> None:
    times = [START.replace(minute=0) + dt.timedelta(minutes=m) for m in minutes]
    api.upload_tabular([{"m": m} for m in minutes], times=times, component_name=component)


def window(run: Any) -> tuple:
    return (timestamp_to_datetime(run.data_start_time), timestamp_to_datetime(run.data_end_time))


def test_a_scheduled_pipeline_runs_each_window_once_into_its_sink(api: Api, server: LocalDataServer,
                                                                  clock: ManualClock) -> None:
    readings_at(api, "a", 5, 10, 70)     # 00:05, 00:10 in the first hour; 01:10 in the second
    readings_at(api, "b", 20, 130)       # 00:20; 02:10 (not yet due)
    pipeline_id = create(api)
    assert server.run_due_pipelines() == 0 and runs(api, pipeline_id) == []
    clock.advance(hours=2)               # 02:30: the windows ending 01:00 and 02:00 are due
    server.run_due_pipelines()
    assert server.run_due_pipelines() == 0  # each window runs once
    listed = runs(api, pipeline_id)
    hour = dt.timedelta(hours=1)
    midnight = START.replace(minute=0)
    assert [window(r) for r in listed] == [(midnight + hour, midnight + 2 * hour), (midnight, midnight + hour)]
    assert {r.status for r in listed} == {pb.DATA_PIPELINE_RUN_STATUS_COMPLETED}
    assert all(r.error_message == "" and r.HasField("end_time") for r in listed)
    assert sorted((d["_id"], d["n"]) for d in sink(api, pipeline_id)) == [("a", 1), ("a", 2), ("b", 1)]
    total = sink(api, pipeline_id, [{"$group": {"_id": "$_id", "n": {"$sum": "$n"}}}, {"$sort": {"_id": 1}}])
    assert total == [{"_id": "a", "n": 3}, {"_id": "b", "n": 1}]
    page = api.call(stub(api).ListDataPipelineRuns, pb.ListDataPipelineRunsRequest(id=pipeline_id, page_size=1))
    assert len(page.runs) == 1 and page.next_page_token
    rest = api.call(stub(api).ListDataPipelineRuns,
                    pb.ListDataPipelineRunsRequest(id=pipeline_id, page_size=1, page_token=page.next_page_token))
    assert [r.id for r in rest.runs] == [listed[1].id] and rest.next_page_token == ""


def test_disable_stops_the_schedule_and_enable_resumes_at_the_next_window(api: Api, server: LocalDataServer,
                                                                          clock: ManualClock) -> None:
    pipeline_id = create(api)
    api.call(stub(api).DisableDataPipeline, pb.DisableDataPipelineRequest(id=pipeline_id))
    assert not api.call(stub(api).GetDataPipeline, pb.GetDataPipelineRequest(id=pipeline_id)).data_pipeline.enabled
    clock.advance(hours=3)
    assert server.run_due_pipelines() == 0 and runs(api, pipeline_id) == []
    api.call(stub(api).EnableDataPipeline, pb.EnableDataPipelineRequest(id=pipeline_id))
    api.call(stub(api).EnableDataPipeline, pb.EnableDataPipelineRequest(id=pipeline_id))  # idempotent
    assert server.run_due_pipelines() == 0  # the windows passed while disabled are skipped
    clock.advance(hours=1)
    server.run_due_pipelines()  # (or the scheduler thread did, woken by the clock)
    (run,) = runs(api, pipeline_id)
    assert window(run) == (dt.datetime(2025, 1, 1, 3, tzinfo=UTC), dt.datetime(2025, 1, 1, 4, tzinfo=UTC))


def test_backfill_runs_the_windows_before_creation(api: Api, server: LocalDataServer, clock: ManualClock) -> None:
    readings_at(api, "a", 5, 65)
    clock.advance(hours=2)  # 02:30
    plain, filled = create(api, "plain"), create(api, "filled", backfill=True)
    server.run_due_pipelines()
    assert runs(api, plain) == []
    assert [window(r)[0].hour for r in runs(api, filled)] == [1, 0]
    assert sorted(d["n"] for d in sink(api, filled)) == [1, 1]


def test_a_failing_run_is_listed_with_its_error(api: Api, server: LocalDataServer, clock: ManualClock) -> None:
    pipeline_id = create(api, stages=[{"$geoNear": {"near": [0, 0]}}])
    clock.advance(hours=1)
    server.run_due_pipelines()
    (run,) = runs(api, pipeline_id)
    assert run.status == pb.DATA_PIPELINE_RUN_STATUS_FAILED and "$geoNear" in run.error_message
    assert sink(api, pipeline_id) == []


def test_the_scheduler_thread_runs_what_the_clock_makes_due(api: Api, server: LocalDataServer,
                                                            clock: ManualClock) -> None:
    pipeline_id = create(api)
    clock.advance(hours=1)
    deadline = time.monotonic() + 20
    while not runs(api, pipeline_id) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(runs(api, pipeline_id)) == 1


def test_crud_validation_and_names(api: Api) -> None:
    pipeline_id = create(api)
    with pytest.raises(grpc.RpcError) as excinfo:
        create(api)
    assert code_of(excinfo) == grpc.StatusCode.ALREADY_EXISTS
    for schedule in ("not cron", "* * * *", "61 * * * *", "", "0 0 31 2 *"):
        with pytest.raises(grpc.RpcError) as excinfo:
            create(api, "other", schedule=schedule)
        assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as excinfo:
        create(api, "no-stages", stages=[])
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    api.call(stub(api).RenameDataPipeline, pb.RenameDataPipelineRequest(id=pipeline_id, name="renamed"))
    listed = api.call(stub(api).ListDataPipelines, pb.ListDataPipelinesRequest(organization_id=api.organization_id))
    (only,) = listed.data_pipelines
    assert (only.id, only.name, only.schedule, only.enabled) == (pipeline_id, "renamed", "0 * * * *", True)
    assert [bson.decode(b) for b in only.mql_binary] == COUNT_BY_COMPONENT
    api.call(stub(api).DeleteDataPipeline, pb.DeleteDataPipelineRequest(id=pipeline_id))
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(stub(api).GetDataPipeline, pb.GetDataPipelineRequest(id=pipeline_id))
    assert code_of(excinfo) == grpc.StatusCode.NOT_FOUND


def test_another_organization_sees_nothing_and_learns_nothing(api: Api, server: LocalDataServer,
                                                              channel: grpc.Channel, clock: ManualClock) -> None:
    readings_at(api, "a", 5)
    pipeline_id = create(api)
    clock.advance(hours=1)
    server.run_due_pipelines()
    other = other_org_api(server, channel)
    unknown = "00000000-0000-0000-0000-000000000000"
    for target in (pipeline_id, unknown):
        for call in (lambda i: other.call(stub(other).GetDataPipeline, pb.GetDataPipelineRequest(id=i)),
                     lambda i: other.call(stub(other).ListDataPipelineRuns, pb.ListDataPipelineRunsRequest(id=i)),
                     lambda i: other.call(stub(other).DisableDataPipeline, pb.DisableDataPipelineRequest(id=i)),
                     lambda i: sink(other, i)):
            with pytest.raises(grpc.RpcError) as excinfo:
                call(target)
            assert code_of(excinfo) == grpc.StatusCode.NOT_FOUND
            assert excinfo.value.details() == f"data pipeline {target} not found"
    assert len(sink(make_api(server, channel), pipeline_id)) == 1  # still there for its owner


def test_a_hot_storage_pipeline_reads_only_the_hot_store(api: Api, server: LocalDataServer,
                                                         clock: ManualClock) -> None:
    readings_at(api, "a", 5)                   # 00:05 on the first day
    clock.advance(days=2)                       # the hot store (24 h) no longer holds it
    request = pb.CreateDataPipelineRequest(
        organization_id=api.organization_id, name="hot", schedule="0 * * * *", enable_backfill=True,
        mql_binary=[bson.encode(s) for s in COUNT_BY_COMPONENT],
        data_source_type=data_pb2.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE)
    hot = str(api.call(stub(api).CreateDataPipeline, request).id)
    standard = create(api, "standard", backfill=True)
    server.run_due_pipelines()
    assert [d["n"] for d in sink(api, standard)] == [1]
    assert sink(api, hot) == [] and {r.data_source_type for r in runs(api, hot)} == {
        data_pb2.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE}


def test_windows_missed_while_the_server_was_down_run_when_it_is_back(tmp_path: Any, clock: ManualClock) -> None:
    path = tmp_path / "store.db"
    with LocalDataServer(path, clock=clock) as first, grpc.insecure_channel(first.address) as channel:
        api = make_api(first, channel)
        readings_at(api, "a", 5)
        pipeline_id = create(api)
    clock.advance(hours=3)  # 03:30, nobody serving
    with LocalDataServer(path, clock=clock) as again, grpc.insecure_channel(again.address) as channel:
        api = make_api(again, channel)
        again.run_due_pipelines()
        assert [window(r)[1].hour for r in runs(api, pipeline_id)] == [3, 2, 1]
        assert [d["n"] for d in sink(api, pipeline_id)] == [1]
