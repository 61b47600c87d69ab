"""The iterator's partition plan is decided in ``_planning.iteration_plan`` and times
its probe with the client's ``Clock`` (it read ``time.monotonic()`` itself): a clock
on which the probe took no time means a fast link, one partition; a clock on which it
took 10 ms means a slow one, partitions fetched at once."""
from __future__ import annotations

import grpc
import pytest

from viam_data_sync import Clock, DataClient, create_filter
from viam_data_sync._pages import Page
from viam_data_sync._planning import iteration_plan
from viam_data_sync.server import LocalDataServer

from ._seed import seed_readings

ROWS = 2000


class Frozen(Clock):
    def monotonic(self) -> float:
        return 1000.0


class Ticking(Clock):
    """Every read of the clock is 10 ms after the one before."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 0.010
        return self.now


@pytest.fixture(scope="module")
def server():
    with LocalDataServer(auth=False) as srv:
        seed_readings(srv.address, srv.part_id, ROWS, component_name="planned")
        yield srv


@pytest.mark.parametrize("clock, partitions", [(Frozen(), 1), (Ticking(), 5)])
def test_the_probe_is_timed_on_the_clients_clock(server, clock, partitions):
    with DataClient(grpc.insecure_channel(server.address), clock=clock) as client:
        it = client.iter_tabular(create_filter(component_name="planned"), parallel=4, page_size=100)
        rows = list(it)
    assert it.partitions == partitions
    assert sorted(int(r.data["readings"]["i"]) for r in rows) == list(range(ROWS))


class Recorded:
    """A page source whose probes and counts are recorded: rows at 0 and 10 000 ns."""

    interval, descending, identity = (None, None), False, b""

    def __init__(self) -> None:
        self.calls = []

    def fetch(self, request):
        self.calls.append(("probe", request.newest_first))
        return Page([10_000 if request.newest_first else 0], "")

    def size(self, lo, hi):
        self.calls.append("count")
        return 100, 0

    def row_time(self, row):
        return row

    def chunks(self, rows):
        return iter([rows])


def test_the_plan_counts_its_requests():
    source = Recorded()
    plan = iteration_plan(source, 0, 20_000, parallel=2, page_size=10, depth=1, min_rtt=0.005,
                          monotonic=Ticking().monotonic)
    assert plan.requests == len(source.calls) == 3 and len(plan.ranges) == 10
    single = iteration_plan(source, None, None, parallel=1, page_size=10, depth=1, min_rtt=0.005,
                            monotonic=Ticking().monotonic)
    assert (single.requests, single.ranges) == (0, [(None, None)])
