"""Finding 2 of the security review: every query is bounded in time and memory, and the
server process stays small whatever the query.

The server runs in its own process (``python -m viam_data_sync.server``) with small
limits (256 MiB per query, 3 s), so its peak RSS can be read from ``/proc``. Before the
query workers, the MQL doubling pipeline took the server itself past 1.6 GB, the
``$unwind`` ran past 100 s, and the SQL queries peaked at 0.9-1.5 GB; each test here
failed (status and RSS) on that code.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Dict, Iterator, List, Tuple

import bson
import grpc
import pytest

from viam_data_sync import DataClient, ResourceExhausted
from viam_data_sync._proto.app.data.v1 import data_pb2

from .conftest import SLOW_MQL, Api, make_api, remote_server, start_server_process

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the server's RSS from /proc")

MIB = 1024 * 1024
QUERY_MEMORY = 256 * MIB
#: The server process's own peak RSS must stay below this (it starts near 70 MiB).
SERVER_RSS_BOUND = 200 * MIB
DOUBLE = {"$addFields": {"a": {"$concatArrays": ["$a", "$a"]}}}
SEED = [{"$limit": 1}, {"$project": {"a": ["x"]}}]


def _server(tmp_path_factory: pytest.TempPathFactory, query_timeout: float) -> Iterator[Tuple[Api, int]]:
    db = str(tmp_path_factory.mktemp("limits") / "store.db")
    proc, info = start_server_process(db, "--query-memory-bytes", str(QUERY_MEMORY), "--query-timeout",
                                      str(query_timeout))
    try:
        with grpc.insecure_channel(info["address"]) as channel:
            api = make_api(remote_server(info), channel)
            api.upload_tabular([{"a": 1}, {"a": 2}])
            yield api, proc.pid
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Api, int]]:
    """A server whose queries meet the memory limit long before the time limit, however
    busy the machine (a 3 s limit was sometimes reached first under load)."""
    yield from _server(tmp_path_factory, 60)


@pytest.fixture(scope="module")
def timed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Api, int]]:
    """A server with a 3 s query time limit."""
    yield from _server(tmp_path_factory, 3)


def _peak_rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        fields: Dict[str, str] = dict(line.split(":", 1) for line in fh if ":" in line)
    return int(fields["VmHWM"].split()[0]) * 1024


def _mql(api: Api, stages: List[Dict[str, Any]]) -> Any:
    request = data_pb2.TabularDataByMQLRequest(
        organization_id=api.organization_id, mql_binary=[bson.encode(s) for s in stages]
    )
    return api.call(api.data.TabularDataByMQL, request, timeout=60)


#: A 900 MB string: 900 copies of a 1 MB one.
#: 2**27 array elements: past a 256 MiB query memory limit.
HUGE_ARRAY = SEED + [DOUBLE] * 27 + [{"$project": {"n": {"$size": "$a"}}}]


def _sql(api: Api, query: str) -> Any:
    request = data_pb2.TabularDataBySQLRequest(organization_id=api.organization_id, sql_query=query)
    return api.call(api.data.TabularDataBySQL, request, timeout=60)


def _refused(run: Any, *args: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as excinfo:
        run(*args)
    return excinfo.value


@pytest.mark.parametrize(
    "run, payload",
    [
        # The 1.7 KB pipeline: the array doubles 27 times (1,609 MiB of server RSS).
        (_mql, HUGE_ARRAY),
        # The same doubling compiled from SQL is the UNWIND test below (it needs its own rows).
    ],
    ids=["mql-doubling"],
)
def test_a_query_past_its_memory_limit_is_resource_exhausted(
    limited: Tuple[Api, int], run: Any, payload: Any
) -> None:
    api, pid = limited
    error = _refused(run, api, payload)
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "query_memory_bytes" in error.details() and "256 MiB" in error.details()
    assert _peak_rss(pid) < SERVER_RSS_BOUND
    assert bson.decode(_sql(api, "SELECT COUNT(*) AS n FROM readings").raw_data[0]) == {"n": 2}  # still serving


def test_the_client_does_not_repeat_a_query_over_the_memory_limit(
    limited: Tuple[Api, int], caplog: pytest.LogCaptureFixture
) -> None:
    api, _ = limited
    info = api.server
    caplog.set_level(logging.WARNING, logger="viam_data_sync")
    with DataClient.from_api_key(info.api_key, info.api_key_id, info.address, insecure=True) as client:
        with pytest.raises(ResourceExhausted) as excinfo:
            client.tabular_data_by_mql(api.organization_id, HUGE_ARRAY)
    assert not excinfo.value.retryable
    assert "retry" not in caplog.text.lower()  # refused once: repeating cannot pass the limit


def test_a_query_past_its_time_limit_is_deadline_exceeded_and_killed(timed: Tuple[Api, int]) -> None:
    api, pid = timed
    error = _refused(_mql, api, SLOW_MQL)
    assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert "query_timeout" in error.details()
    assert _peak_rss(pid) < SERVER_RSS_BOUND
    small = SEED + [DOUBLE] * 4 + [{"$unwind": "$a"}, {"$count": "n"}]
    assert [bson.decode(raw) for raw in _mql(api, small).raw_data] == [{"n": 16}]  # a fresh worker answers


def test_compiled_sql_past_its_memory_limit_is_resource_exhausted(limited: Tuple[Api, int]) -> None:
    """SQL compiled to a pipeline runs in the same bounded workers: two UNWINDs of
    3,000 elements each would make 9 million rows."""
    api, pid = limited
    api.upload_tabular([{"a": list(range(3000)), "b": list(range(3000))}], component_name="wide")
    error = _refused(_sql, api, "SELECT COUNT(*) AS n FROM UNWIND(UNWIND(readings WITH PATH => data.a) "
                                "WITH PATH => data.b) WHERE component_name = 'wide'")
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "query_memory_bytes" in error.details()
    assert _peak_rss(pid) < SERVER_RSS_BOUND
    rows = _sql(api, "SELECT COUNT(*) AS n FROM UNWIND(readings WITH PATH => data.a) "
                     "WHERE component_name = 'wide'").raw_data
    assert [bson.decode(raw) for raw in rows] == [{"n": 3000}]  # a fresh worker answers
