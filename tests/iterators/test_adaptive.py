"""Adaptive latency hiding against a real local server: the number of partitions
fetched at once follows measured round trips and page times, never passes
``max_concurrency``, and halves (then recovers) on RESOURCE_EXHAUSTED."""
from __future__ import annotations

import threading
import time

import grpc
import pytest

from viam_data_sync import DataClient, ResourceExhausted, create_filter
from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector, LatencyInjector

from .._interceptors import wrap_unary
from ._seed import seed_readings

ROWS = 4000
SENSOR = create_filter(component_name="sensor-1")


class InFlight(grpc.ServerInterceptor):
    """Counts ``TabularDataByFilter`` calls being handled at once (the most seen)."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self.lock = threading.Lock()

    def intercept_service(self, continuation, details):
        return wrap_unary(continuation, details, "TabularDataByFilter", self._count)

    def _count(self, inner, request, context):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return inner(request, context)
        finally:
            with self.lock:
                self.now -= 1


@pytest.fixture(scope="module")
def env():
    faults, latency, inflight = FaultInjector(seed=21), LatencyInjector(0.0), InFlight()
    with LocalDataServer(auth=False, interceptors=[inflight, faults, latency], max_workers=48) as server:
        seed_readings(server.address, server.part_id, ROWS)
        latency.seconds = 0.02  # a 20 ms network: partitioning pays
        yield server, faults, inflight


def client_for(server, **kw):
    return DataClient(grpc.insecure_channel(server.address), **kw)


def ids(rows):
    return [int(row.data["readings"]["i"]) for row in rows]


def test_the_cap_is_never_passed(env):
    server, faults, inflight = env
    faults.clear()
    inflight.most = 0
    with client_for(server) as client:
        it = client.iter_tabular(SENSOR, max_concurrency=3)
        got = ids(it)
    assert sorted(got) == list(range(ROWS))
    assert it.partitions >= 3 and it.concurrency.cap == 3
    assert 2 <= inflight.most <= 3


def test_slow_round_trips_ask_for_more_chains_than_a_slow_consumer(env):
    server, faults, inflight = env
    faults.clear()
    with client_for(server) as client:
        fast = client.iter_tabular(SENSOR, page_size=50)
        assert len(ids(fast)) == ROWS
        slow = client.iter_tabular(SENSOR, page_size=50)
        n = 0
        for page in slow.iter_pages():   # a consumer that spends 60 ms on each page
            n += len(page)
            time.sleep(0.06)
    assert n == ROWS
    assert fast.concurrency.wanted() > slow.concurrency.wanted()
    assert fast.concurrency.wanted() >= 4
    assert slow.concurrency.wanted() <= 3


def test_resource_exhausted_halves_the_fetches_at_once_and_loses_nothing(env):
    server, faults, inflight = env
    faults.clear()
    faults.fail("TabularDataByFilter", grpc.StatusCode.RESOURCE_EXHAUSTED, probability=0.15,
                details="rate limit: too many concurrent queries")
    try:
        with client_for(server, retry=None) as client:   # the iterator sees every RESOURCE_EXHAUSTED
            it = client.iter_tabular(SENSOR, page_size=50, max_concurrency=8)
            got = ids(it)
    finally:
        faults.clear()
    assert len(got) == len(set(got)) == ROWS
    assert it.concurrency.exhausted_pages > 0
    assert it.concurrency.lowest < 8


def test_a_message_size_limit_is_not_a_reason_to_wait(env):
    server, faults, inflight = env
    faults.clear()
    faults.fail("TabularDataByFilter", grpc.StatusCode.RESOURCE_EXHAUSTED, every=5,
                details="grpc: received message larger than max (5000000 vs. 4194304)")
    try:
        with client_for(server, retry=None) as client:
            with pytest.raises(ResourceExhausted):
                ids(client.iter_tabular(SENSOR, page_size=50))
    finally:
        faults.clear()


def test_bad_concurrency_arguments(env):
    server, _, _ = env
    with client_for(server) as client:
        for bad in (0, -1):
            with pytest.raises(ValueError):
                client.iter_tabular(SENSOR, max_concurrency=bad)
        with pytest.raises(TypeError):
            client.iter_tabular(SENSOR, max_concurrency="4")
        with pytest.raises(ValueError):
            client.iter_tabular(SENSOR, parallel=0)
