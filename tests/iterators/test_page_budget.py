"""One retry budget per page, counting every RPC: a page of ``iter_tabular`` answered
RESOURCE_EXHAUSTED costs at most ``DEFAULT_PAGE_RPCS`` (10) RPCs in all, however the
call layer's attempts and the page workers' back-off split them (it cost up to
9 x 5 = 45 before), and succeeds when the service recovers within that budget.

Against a real local server on loopback that answers a counted number of times."""
from __future__ import annotations

import grpc
import pytest

from viam_data_sync import DataClient, ResourceExhausted, RetryPolicy, Unavailable, create_filter
from viam_data_sync._api.tabular import tabular_page_request
from viam_data_sync._defaults import DEFAULT_MAX_ATTEMPTS, DEFAULT_PAGE_RPCS
from viam_data_sync._retry import PageBudget
from viam_data_sync._rpcs import DataService
from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector

from ._seed import seed_readings

ROWS = 250
SENSOR = create_filter(component_name="sensor-1")
PATH = DataService.TabularDataByFilter.path
SLOW_DOWN = "rate limit: too many concurrent queries"


@pytest.fixture(scope="module")
def env():
    faults = FaultInjector()
    with LocalDataServer(auth=False, interceptors=[faults]) as server:
        seed_readings(server.address, server.part_id, ROWS)
        yield server, faults


def client_for(server, max_attempts=DEFAULT_MAX_ATTEMPTS):
    # No waits between attempts: the test counts RPCs, not seconds.
    policy = RetryPolicy(max_attempts=max_attempts, initial_backoff=0.0, max_backoff=0.0)
    return DataClient(grpc.insecure_channel(server.address), retry=policy)


def rpcs(faults):
    return faults.calls[PATH]


def test_the_default_budget_is_two_calls_of_the_default_attempts():
    assert DEFAULT_PAGE_RPCS == 2 * DEFAULT_MAX_ATTEMPTS == 10


@pytest.mark.parametrize("max_attempts", [1, 3, 5])
def test_a_page_that_keeps_being_refused_costs_exactly_the_budget(env, max_attempts):
    server, faults = env
    faults.clear()
    faults.fail("TabularDataByFilter", grpc.StatusCode.RESOURCE_EXHAUSTED, details=SLOW_DOWN)
    before = rpcs(faults)
    try:
        with client_for(server, max_attempts) as client:
            it = client.iter_tabular(SENSOR, parallel=1, page_size=100)
            with pytest.raises(ResourceExhausted):
                next(it)
    finally:
        faults.clear()
    assert rpcs(faults) - before == DEFAULT_PAGE_RPCS
    assert it.concurrency.exhausted_pages == -(-DEFAULT_PAGE_RPCS // max_attempts) - 1


@pytest.mark.parametrize("refusals", [1, 5, 9])
def test_a_page_succeeds_when_the_service_recovers_within_the_budget(env, refusals):
    server, faults = env
    faults.clear()
    with client_for(server) as client:
        before = rpcs(faults)
        clean = sorted(int(row.data["readings"]["i"]) for row in client.iter_tabular(SENSOR, parallel=1,
                                                                                    page_size=100))
        clean_rpcs = rpcs(faults) - before
        faults.fail("TabularDataByFilter", grpc.StatusCode.RESOURCE_EXHAUSTED, details=SLOW_DOWN, times=refusals)
        try:
            before = rpcs(faults)
            it = client.iter_tabular(SENSOR, parallel=1, page_size=100)
            got = [int(row.data["readings"]["i"]) for row in it]
        finally:
            faults.clear()
    assert clean == list(range(ROWS))
    assert got == clean  # every row once, in order
    assert rpcs(faults) - before == clean_rpcs + refusals
    assert it.concurrency.exhausted_pages == refusals // DEFAULT_MAX_ATTEMPTS


def test_unavailable_is_not_a_slow_down_the_page_costs_one_call(env):
    server, faults = env
    faults.clear()
    faults.fail("TabularDataByFilter", grpc.StatusCode.UNAVAILABLE)
    before = rpcs(faults)
    try:
        with client_for(server) as client:
            with pytest.raises(Unavailable):
                next(client.iter_tabular(SENSOR, parallel=1))
    finally:
        faults.clear()
    assert rpcs(faults) - before == DEFAULT_MAX_ATTEMPTS


def test_the_call_layer_stops_its_attempts_when_the_page_budget_is_spent(env):
    server, faults = env
    faults.clear()
    faults.fail("TabularDataByFilter", grpc.StatusCode.UNAVAILABLE)
    budget = PageBudget(3)
    before = rpcs(faults)
    try:
        with client_for(server, max_attempts=8) as client:
            with pytest.raises(Unavailable):
                client._caller.call(DataService.TabularDataByFilter,
                                    tabular_page_request(SENSOR, 10, None, None, False, False), budget=budget)
            with pytest.raises(ResourceExhausted, match="budget of 3 RPCs is spent"):
                client._caller.call(DataService.TabularDataByFilter,
                                    tabular_page_request(SENSOR, 10, None, None, False, False), budget=budget)
    finally:
        faults.clear()
    assert rpcs(faults) - before == 3 and budget.spent == 3 and budget.left == 0
    with pytest.raises(ValueError):
        PageBudget(0)
