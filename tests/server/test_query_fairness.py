"""Query workers: no set of organizations starves another's small query, and a worker
that crashes is not reported as a query over its memory limit (issue 23, items 6 and 9).

Before: with 2 query workers and at most one per organization, two organizations
running slow queries made a third's tiny query wait out its deadline and fail; and a
worker that died mid-query was answered "too large for the memory limit" (not retried).
"""

from __future__ import annotations

import concurrent.futures
import os
import signal
import time
from contextlib import ExitStack
from typing import Any, Dict, List

import bson
import grpc
import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync.server import LocalDataServer

from .conftest import SLOW_MQL, Api, make_api, other_org_api

#: Runs until the query time limit stops it.
SLOW = SLOW_MQL


def _sql(api: Api, query: str, timeout: float = 60) -> list:
    request = data_pb2.TabularDataBySQLRequest(organization_id=api.organization_id, sql_query=query)
    return [bson.decode(raw) for raw in api.call(api.data.TabularDataBySQL, request, timeout=timeout).raw_data]


def _mql(api: Api, stages: List[Dict[str, Any]], timeout: float = 60) -> list:
    request = data_pb2.TabularDataByMQLRequest(organization_id=api.organization_id,
                                               mql_binary=[bson.encode(s) for s in stages])
    return [bson.decode(raw) for raw in api.call(api.data.TabularDataByMQL, request, timeout=timeout).raw_data]


def _query_workers(server: LocalDataServer) -> List[int]:
    """This server's query worker processes (a session-wide server of other tests may
    have warm workers of its own in this process)."""
    assert server.queries is not None
    store = os.fsencode(server.queries.db_path)
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                cmdline = fh.read()
        except OSError:
            continue
        if ppid == os.getpid() and b"query_worker" in cmdline and store in cmdline.split(b"\0"):
            found.append(int(pid))
    return found


def test_a_third_organizations_small_query_is_answered_while_two_others_run_slow_ones() -> None:
    with ExitStack() as stack:
        server = stack.enter_context(LocalDataServer(query_workers=2, query_timeout=8))
        channel = stack.enter_context(grpc.insecure_channel(server.address))
        slow_a, slow_b = other_org_api(server, channel, "slow-a"), other_org_api(server, channel, "slow-b")
        small = make_api(server, channel)
        for api in (slow_a, slow_b):
            api.upload_tabular([{"x": 1}])  # SLOW's $limit: 1 needs one document
        pool = stack.enter_context(concurrent.futures.ThreadPoolExecutor(2))
        slow = [pool.submit(_mql, api, SLOW) for api in (slow_a, slow_b)]
        deadline = time.monotonic() + 20
        while len(_query_workers(server)) < 2 or server.queries is None or server.queries._running < 2:
            assert time.monotonic() < deadline, "the slow queries did not start"
            time.sleep(0.05)
        assert _sql(small, "SELECT COUNT(*) AS one FROM readings", timeout=30) == [{"one": 0}]
        assert not any(future.done() for future in slow)  # answered while both slow ones ran
        for future in slow:
            with pytest.raises(grpc.RpcError) as excinfo:
                future.result()
            assert excinfo.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the worker in /proc")
def test_a_worker_that_crashes_mid_query_is_unavailable_not_too_large() -> None:
    with ExitStack() as stack:
        server = stack.enter_context(LocalDataServer(query_workers=1, query_timeout=20))
        api = make_api(server, stack.enter_context(grpc.insecure_channel(server.address)))
        api.upload_tabular([{"x": 1}])  # SLOW's $limit: 1 needs one document
        assert _sql(api, "SELECT COUNT(*) AS warm FROM readings") == [{"warm": 1}]  # the worker is up, and idle
        [worker] = _query_workers(server)
        pool = stack.enter_context(concurrent.futures.ThreadPoolExecutor(1))
        query = pool.submit(_mql, api, SLOW)
        deadline = time.monotonic() + 20
        while not _query_workers(server) or server.queries is None or server.queries._running < 1:
            assert time.monotonic() < deadline, "the query did not start"
            time.sleep(0.05)
        time.sleep(0.3)
        os.kill(worker, signal.SIGSEGV)
        with pytest.raises(grpc.RpcError) as excinfo:
            query.result()
        assert excinfo.value.code() == grpc.StatusCode.UNAVAILABLE
        assert "memory" not in excinfo.value.details().replace("not a memory limit", "")
        assert _sql(api, "SELECT COUNT(*) AS two FROM readings") == [{"two": 1}]  # a fresh worker answers
