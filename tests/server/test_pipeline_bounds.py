"""Data pipelines within the cloud's limits and bounded like everything else (issues 18
and 23).

The cloud's limits, from Viam's docs (viamrobotics/docs, ``docs/data/pipelines/reference.md``,
"Execution limits"): "Maximum output documents per run | 10,000", "MQL execution timeout
| 5 minutes", "Hung run detection | 2x execution timeout (currently 10 minutes) in
`STARTED` state"; and "Run statuses": a FAILED run's reason is in ``error_message``.
Here the MQL limit is shortened for the test (``pipeline_mql_timeout``).

Also: a cap on pipelines per organization, a sink read that never loads the sink into
the server process, and runs of one organization that never hold up another's.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import tracemalloc
from typing import Any, Iterator, List

import bson
import grpc
import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2 as pb
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2_grpc
from viam_data_sync.server import LocalDataServer, ManualClock

from .conftest import Api, code_of, make_api, other_org_api

UTC = dt.timezone.utc
START = dt.datetime(2025, 1, 1, 0, 30, tzinfo=UTC)
MQL_LIMIT = 6.0
MIB = 1024 * 1024


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def server(clock: ManualClock) -> Iterator[LocalDataServer]:
    with LocalDataServer(clock=clock, pipeline_mql_timeout=MQL_LIMIT, max_pipelines_per_organization=3) as srv:
        yield srv


def _stub(api: Api) -> Any:
    return data_pipelines_pb2_grpc.DataPipelinesServiceStub(api.channel)


def _create(api: Api, name: str, stages: List[Any], schedule: str = "* * * * *", backfill: bool = False) -> str:
    request = pb.CreateDataPipelineRequest(organization_id=api.organization_id, name=name, schedule=schedule,
                                           mql_binary=[bson.encode(s) for s in stages], enable_backfill=backfill)
    return str(api.call(_stub(api).CreateDataPipeline, request).id)


def _runs(api: Api, pipeline_id: str) -> List[Any]:
    return list(api.call(_stub(api).ListDataPipelineRuns, pb.ListDataPipelineRunsRequest(id=pipeline_id)).runs)


def _sink(api: Api, pipeline_id: str, stages: List[Any]) -> List[Any]:
    request = data_pb2.TabularDataByMQLRequest(
        organization_id=api.organization_id, mql_binary=[bson.encode(s) for s in stages],
        data_source=data_pb2.TabularDataSource(type=data_pb2.TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK,
                                               pipeline_id=pipeline_id))
    return [bson.decode(raw) for raw in api.call(api.data.TabularDataByMQL, request, timeout=60).raw_data]


def _fan_out(n: int) -> List[Any]:
    """One document per reading becomes ``n``, each about 2 KB."""
    return [{"$project": {"a": {"$range": [0, n]}}}, {"$unwind": "$a"},
            {"$project": {"a": 1, "pad": {"$literal": "x" * 2000}}}]


def test_a_run_writes_at_most_10000_documents_and_a_sink_read_stays_out_of_the_server(
    server: LocalDataServer, clock: ManualClock
) -> None:
    with grpc.insecure_channel(server.address) as channel:
        api = make_api(server, channel)
        api.upload_tabular([{"t": 1}], times=[START + dt.timedelta(seconds=10)])
        at_limit = _create(api, "at-limit", _fan_out(10_000))
        over = _create(api, "over-limit", _fan_out(10_001))
        clock.advance(minutes=1)
        server.run_due_pipelines()
        (ok,) = _runs(api, at_limit)
        (failed,) = _runs(api, over)
        assert ok.status == pb.DATA_PIPELINE_RUN_STATUS_COMPLETED, ok.error_message
        assert failed.status == pb.DATA_PIPELINE_RUN_STATUS_FAILED
        assert "more than 10000 documents" in failed.error_message
        assert _sink(api, over, [{"$count": "n"}]) == []  # a failed run writes nothing

        # The sink holds 10,000 documents (about 20 MB of BSON); reading it loads none
        # of them into the server process: the query worker reads them itself.
        tracemalloc.start()
        try:
            counted = _sink(api, at_limit, [{"$count": "n"}])
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert counted == [{"n": 10_000}]
        assert peak < 4 * MIB, peak


#: Pure-Python work of tens of seconds, with little memory.
SLOW = [{"$project": {"x": {"$reduce": {"input": {"$range": [0, 3000]}, "initialValue": 0, "in": {
    "$add": ["$$value", {"$reduce": {"input": {"$range": [0, 3000]}, "initialValue": 0,
                                     "in": {"$add": ["$$value", "$$this"]}}}]}}}}}]


def test_a_slow_run_fails_at_the_mql_limit_and_never_holds_up_another_organization(
    server: LocalDataServer, clock: ManualClock
) -> None:
    with grpc.insecure_channel(server.address) as channel:
        api = make_api(server, channel)
        other = other_org_api(server, channel)
        api.upload_tabular([{"t": 1}], times=[START - dt.timedelta(seconds=30)])
        # Backfilled, the slow pipeline's first window ([00:29, 00:30)) is due at once,
        # so it is the first window due and starts before the other organization's.
        slow_id = _create(api, "slow", SLOW, backfill=True)
        quick_id = _create(other, "quick", [{"$count": "n"}])
        clock.advance(minutes=1)
        runner = threading.Thread(target=server.run_due_pipelines)
        runner.start()
        try:
            deadline = time.monotonic() + 60
            while not _runs(other, quick_id):
                assert time.monotonic() < deadline, "the other organization's run never ran"
                time.sleep(0.05)
            # the slow run is still going: it did not hold the other organization up
            assert _runs(api, slow_id) == []
        finally:
            runner.join(120)
        (quick,) = _runs(other, quick_id)
        assert quick.status == pb.DATA_PIPELINE_RUN_STATUS_COMPLETED
        first_window = [r for r in _runs(api, slow_id) if r.data_end_time.ToDatetime(UTC) == START]
        (failed,) = first_window
        assert failed.status == pb.DATA_PIPELINE_RUN_STATUS_FAILED
        assert "pipeline_mql_timeout" in failed.error_message and f"{MQL_LIMIT:g} s" in failed.error_message


def test_an_organization_has_at_most_its_cap_of_pipelines(server: LocalDataServer) -> None:
    with grpc.insecure_channel(server.address) as channel:
        api = make_api(server, channel)
        for k in range(3):
            _create(api, f"p{k}", [{"$count": "n"}])
        with pytest.raises(grpc.RpcError) as excinfo:
            _create(api, "one-too-many", [{"$count": "n"}])
        assert code_of(excinfo) == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "max_pipelines_per_organization" in (excinfo.value.details() or "")
        assert "already has 3 data pipelines" in (excinfo.value.details() or "")
        other = other_org_api(server, channel)
        _create(other, "p0", [{"$count": "n"}])  # the cap is per organization
        # deleting one makes room again
        first = api.call(_stub(api).ListDataPipelines,
                         pb.ListDataPipelinesRequest(organization_id=api.organization_id)).data_pipelines[0]
        api.call(_stub(api).DeleteDataPipeline, pb.DeleteDataPipelineRequest(id=first.id))
        _create(api, "one-too-many", [{"$count": "n"}])


def test_a_run_not_finished_within_the_run_limit_is_failed_naming_it(clock: ManualClock) -> None:
    with LocalDataServer(clock=clock, pipeline_run_timeout=2.0) as server, \
            grpc.insecure_channel(server.address) as channel:
        api = make_api(server, channel)
        api.upload_tabular([{"t": 1}], times=[START + dt.timedelta(seconds=10)])
        slow_id = _create(api, "slow", SLOW)
        clock.advance(minutes=1)
        server.run_due_pipelines()
        (run,) = _runs(api, slow_id)
        assert run.status == pb.DATA_PIPELINE_RUN_STATUS_FAILED
        assert "did not finish within 2 s" in run.error_message
        assert "pipeline_run_timeout" in run.error_message
