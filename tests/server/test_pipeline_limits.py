"""A data pipeline's MQL runs in the same bounded query workers as a client's: the
issue's 1.7 KB doubling pipeline, created as a data pipeline, used to run to COMPLETED
inside the server process and take it from 68 MiB to 1,627 MiB. Now its run is
recorded FAILED, naming the memory limit, and the server process stays small.

The server runs in its own process (256 MiB per query) so its peak RSS can be read from
``/proc``; the pipeline backfills, so its first window (holding a reading from two
minutes ago) is due at once and the scheduler thread runs it.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from typing import Any, Iterator, List, Tuple

import bson
import grpc
import pytest

from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2 as pb
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2_grpc

from .conftest import Api, make_api, remote_server, start_server_process
from .test_query_limits import DOUBLE, MIB, _peak_rss

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the server's RSS from /proc")

#: The issue's bound for the server process while a pipeline runs.
SERVER_RSS_BOUND = 256 * MIB
DOUBLING = [{"$limit": 1}, {"$project": {"a": ["x"]}}, *[DOUBLE] * 27, {"$project": {"n": {"$size": "$a"}}}]


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Api, int]]:
    db = str(tmp_path_factory.mktemp("pipeline-limits") / "store.db")
    proc, info = start_server_process(db, "--query-memory-bytes", str(256 * MIB), "--query-timeout", "20")
    try:
        with grpc.insecure_channel(info["address"]) as channel:
            yield make_api(remote_server(info), channel), proc.pid
    finally:
        proc.terminate()
        proc.wait(30)


def _runs_when_done(api: Api, pipeline_id: str, timeout: float = 90.0) -> List[Any]:
    stub = data_pipelines_pb2_grpc.DataPipelinesServiceStub(api.channel)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = list(api.call(stub.ListDataPipelineRuns, pb.ListDataPipelineRunsRequest(id=pipeline_id)).runs)
        if runs:
            return runs
        time.sleep(0.2)
    raise AssertionError("the pipeline's first window did not run")


def _create(api: Api, name: str, stages: List[Any]) -> str:
    stub = data_pipelines_pb2_grpc.DataPipelinesServiceStub(api.channel)
    request = pb.CreateDataPipelineRequest(organization_id=api.organization_id, name=name, schedule="* * * * *",
                                           mql_binary=[bson.encode(s) for s in stages], enable_backfill=True)
    return str(api.call(stub.CreateDataPipeline, request).id)


def test_a_pipeline_past_the_memory_limit_fails_naming_it_and_the_server_stays_small(
    limited: Tuple[Api, int]
) -> None:
    api, pid = limited
    api.upload_tabular([{"a": 1}], times=[dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=2)])
    pipeline_id = _create(api, "doubling", DOUBLING)
    (run, *_) = _runs_when_done(api, pipeline_id)
    assert run.status == pb.DATA_PIPELINE_RUN_STATUS_FAILED
    assert "query_memory_bytes" in run.error_message and "256 MiB" in run.error_message
    assert _peak_rss(pid) < SERVER_RSS_BOUND


def test_a_pipeline_within_the_limits_still_completes(limited: Tuple[Api, int]) -> None:
    api, _ = limited
    api.upload_tabular([{"a": 1}], times=[dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=2)])
    pipeline_id = _create(api, "count", [{"$count": "n"}])
    (run, *_) = _runs_when_done(api, pipeline_id)
    assert run.status == pb.DATA_PIPELINE_RUN_STATUS_COMPLETED, run.error_message
