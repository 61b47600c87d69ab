"""iter_tabular / iter_binary / iter_mql through DataClient against the real local
server over loopback, with injected faults: every row exactly once."""
from __future__ import annotations

import hashlib
import threading

import grpc
import pytest

from viam_data_sync import DataClient, RetryPolicy, create_filter
from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector

from ._seed import seed_readings

ROWS = 100_000
FAST = RetryPolicy(initial_backoff=0.001, max_backoff=0.01, max_attempts=8)


@pytest.fixture(scope="module")
def env():
    faults = FaultInjector(seed=5)
    with LocalDataServer(auth=False, interceptors=[faults], max_page_size=5000) as server:
        seed_readings(server.address, server.part_id, ROWS)
        yield server, faults


@pytest.fixture(scope="module")
def small_env():
    """MQL tests: the local server evaluates pipelines in Python, so keep them small."""
    faults = FaultInjector(seed=6)
    with LocalDataServer(auth=False, interceptors=[faults]) as server:
        seed_readings(server.address, server.part_id, 6000)
        yield server, faults


def client_for(server):
    return DataClient(grpc.insecure_channel(server.address), retry=FAST)


def ids(rows):
    return [int(row.data["readings"]["i"]) for row in rows]


@pytest.mark.slow
def test_100k_rows_exactly_once_with_one_call_in_ten_failing(env):
    server, faults = env
    faults.clear()
    faults.fail("TabularDataByFilter", grpc.StatusCode.UNAVAILABLE, probability=0.1)
    with client_for(server) as client:
        it = client.iter_tabular(create_filter(component_name="sensor-1"), page_size=1000)
        got = ids(it)
    injected = sum(faults.injected.values())
    faults.clear()
    assert injected > 5
    assert len(got) == ROWS and len(set(got)) == ROWS
    assert set(got) == set(range(ROWS))


@pytest.mark.parametrize("parallel", [1, 4])
def test_resume_in_a_new_client_yields_exactly_the_rest(env, parallel):
    server, faults = env
    faults.clear()
    f = create_filter(component_name="sensor-1")
    with client_for(server) as client:
        it = client.iter_tabular(f, page_size=700, parallel=parallel)
        rows = iter(it)
        head = [int(next(rows).data["readings"]["i"]) for _ in range(12_345)]
        cursor = it.cursor
        it.close()
    with client_for(server) as other:
        tail = ids(other.iter_tabular(f, page_size=500, parallel=parallel, start_after=cursor))
    assert len(head) + len(tail) == ROWS
    assert set(head) | set(tail) == set(range(ROWS))
    if parallel == 1:
        assert head + tail == list(range(ROWS))  # in order, too


def test_count_and_max_results(env):
    server, faults = env
    faults.clear()
    with client_for(server) as client:
        it = client.iter_tabular(create_filter(component_name="sensor-1"), max_results=2500, page_size=1000)
        assert it.count() == ROWS
        assert len(list(it)) == 2500


def test_early_break_leaves_no_thread_behind(env):
    server, faults = env
    faults.clear()
    before = {t.ident for t in threading.enumerate()}
    with client_for(server) as client:
        for n, _row in enumerate(client.iter_tabular(create_filter(component_name="sensor-1"), page_size=200), 1):
            if n == 10:
                break
        export = client.iter_export_tabular(server.part_id, "sensor-1", "rdk:component:sensor", "Readings")
        for n, _point in enumerate(export, 1):
            if n == 10:
                break
        export.close()
    leftover = [t for t in threading.enumerate() if t.ident not in before and t.name.startswith("viam-data-sync")]
    assert leftover == []


def test_iter_mql_keyset_pages_exactly_once(small_env):
    server, faults = small_env
    faults.clear()
    pipeline = [{"$match": {"component_name": "sensor-1"}},
                {"$project": {"_id": 0, "i": "$data.readings.i"}},
                {"$match": {"i": {"$lt": 5000}}}]
    with client_for(server) as client:
        it = client.iter_mql(server.organization_id, pipeline, key="i", page_size=999)
        got = [int(doc["i"]) for doc in it]
        assert got == list(range(5000))
        assert it.pages_fetched == 6


def test_iter_binary_bodies_in_byte_budget_groups(env):
    server, faults = env
    faults.clear()
    blobs = [bytes([i]) * (50_000 + i) for i in range(40)]
    with client_for(server) as client:
        for i, blob in enumerate(blobs):
            client.binary_data_capture_upload(blob, server.part_id, "rdk:component:camera", "cam-budget",
                                              "ReadImage", ".bin")
        it = client.iter_binary(create_filter(component_name="cam-budget"), page_size=16, byte_budget=120_000)
        got = list(it)
    faults.clear()
    assert sorted(hashlib.sha256(item.binary).hexdigest() for item in got) == sorted(
        hashlib.sha256(b).hexdigest() for b in blobs)
    assert all(item.metadata.binary_data_id for item in got)


def test_iter_mql_filter_only_pipeline_pages_exactly_once(small_env):
    """A pipeline of only $match stages is merged into one leading $match with the key
    range (the service can then use its indexes); the rows are the same."""
    server, faults = small_env
    faults.clear()
    pipeline = [{"$match": {"component_name": "sensor-1"}}, {"$match": {"data.readings.i": {"$lt": 3000}}}]
    with client_for(server) as client:
        it = client.iter_mql(server.organization_id, pipeline, page_size=700)
        got = [int(doc["data"]["readings"]["i"]) for doc in it]
        resumed = client.iter_mql(server.organization_id, pipeline, page_size=700,
                                  start_after=it.cursor)
        assert list(resumed) == []
    assert sorted(got) == list(range(3000)) and len(got) == 3000
    assert it.pages_fetched == 5
