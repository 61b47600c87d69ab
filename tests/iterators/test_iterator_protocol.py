"""Every ``iter_*`` method returns a real iterator (``next()``, ``iter(it) is it``), with
one protocol for exhaustion, ``break``, ``close()``, errors and garbage collection:
tested through DataClient against the real local server over loopback, with real
uploaded readings and files."""
from __future__ import annotations

import collections.abc
import gc
import threading
import time

import grpc
import pytest

from viam_data_sync import (
    BinaryIterator,
    DataClient,
    ExportIterator,
    MqlIterator,
    PermissionDenied,
    RetryPolicy,
    TabularIterator,
    create_filter,
)
from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector, LatencyInjector

from ._seed import seed_readings

ROWS = 600
FILES = 12
FAST = RetryPolicy(initial_backoff=0.001, max_backoff=0.01, max_attempts=3)
SENSOR = create_filter(component_name="sensor-1")


@pytest.fixture(scope="module")
def env():
    faults = FaultInjector(seed=9)
    with LocalDataServer(auth=False, interceptors=[faults]) as server:
        seed_readings(server.address, server.part_id, ROWS)
        with client_for(server) as client:
            for i in range(FILES):
                client.binary_data_capture_upload(bytes([i]) * (1000 + i), server.part_id, "rdk:component:camera",
                                                  "cam-protocol", "ReadImage", ".bin")
        yield server, faults


def client_for(server):
    return DataClient(grpc.insecure_channel(server.address), retry=FAST)


# kind -> (open the iterator, the public class, a comparable key of one row)
KINDS = {
    "tabular": (lambda c, s, **kw: c.iter_tabular(SENSOR, page_size=40, **kw),
                TabularIterator, lambda row: int(row.data["readings"]["i"])),
    "binary": (lambda c, s, **kw: c.iter_binary(create_filter(component_name="cam-protocol"), page_size=5,
                                               byte_budget=2500, **kw),
               BinaryIterator, lambda item: (item.metadata.binary_data_id, item.binary)),
    "binary-metadata": (lambda c, s, **kw: c.iter_binary(create_filter(component_name="cam-protocol"),
                                                        include_binary_data=False, page_size=5, **kw),
                        BinaryIterator, lambda item: (item.metadata.binary_data_id, item.binary)),
    "export": (lambda c, s, **kw: c.iter_export_tabular(s.part_id, "sensor-1", "rdk:component:sensor",
                                                        "Readings", **kw),
               ExportIterator, lambda point: int(point.payload["readings"]["i"])),
    "mql": (lambda c, s, **kw: c.iter_mql(s.organization_id, [{"$match": {"component_name": "sensor-1"}}],
                                          page_size=70, **kw),
            MqlIterator, lambda doc: int(doc["data"]["readings"]["i"])),
}


@pytest.fixture(params=sorted(KINDS))
def kind(request, env):
    server, faults = env
    faults.clear()
    open_it, cls, key = KINDS[request.param]
    with client_for(server) as client:
        yield (lambda **kw: open_it(client, server, **kw)), cls, key


def test_next_yields_the_same_rows_as_list(kind):
    open_it, cls, key = kind
    everything = [key(row) for row in open_it()]
    assert len(everything) in (ROWS, FILES) and len(set(everything)) == len(everything)
    with open_it() as it:
        assert isinstance(it, cls) and isinstance(it, collections.abc.Iterator)
        assert iter(it) is it
        head = [key(next(it)) for _ in range(7)]
        assert head == everything[:7]
        assert [key(row) for row in it] == everything[7:]  # a for loop continues after next()


def test_next_after_exhaustion_raises_stop_iteration(kind):
    open_it, _cls, _key = kind
    it = open_it()
    assert list(it)
    for _ in range(2):
        with pytest.raises(StopIteration):
            next(it)
    assert list(it) == []
    it.close()


def test_next_after_close_raises_value_error(kind):
    open_it, _cls, _key = kind
    it = open_it()
    next(it)
    it.close()
    with pytest.raises(ValueError, match="closed.*single use"):
        next(it)
    with open_it() as other:
        next(other)
    with pytest.raises(ValueError, match="closed"):
        next(other)


def test_break_then_continue_yields_every_row_exactly_once(kind):
    open_it, _cls, key = kind
    everything = [key(row) for row in open_it()]
    got = []
    with open_it() as it:
        while True:
            before = len(got)
            for row in it:
                got.append(key(row))
                if len(got) % 5 == 0:
                    break
            if len(got) == before or len(got) % 5:
                break  # the loop ended by exhaustion
    assert got == everything


@pytest.mark.parametrize("name", ["tabular", "binary"])
def test_iter_pages_and_next_do_not_mix(env, name):
    server, faults = env
    faults.clear()
    open_it, _cls, key = KINDS[name]
    with client_for(server) as client:
        expected = [key(row) for row in open_it(client, server)]
        with open_it(client, server) as rows:
            next(rows)
            with pytest.raises(ValueError, match="cannot be mixed"):
                rows.iter_pages()
        with open_it(client, server) as paged:
            pages = paged.iter_pages()
            first = next(pages)
            with pytest.raises(ValueError, match="cannot be mixed"):
                next(paged)
            for page in pages:  # the page stream is not spoilt by the refused next()
                first += page
            assert [key(row) for row in first] == expected


def test_pages_continue_after_a_break(env):
    server, faults = env
    faults.clear()
    with client_for(server) as client:
        expected = [int(row.data["readings"]["i"]) for row in client.iter_tabular(SENSOR, page_size=40)]
        got = []
        with client.iter_tabular(SENSOR, page_size=40) as it:
            for page in it.iter_pages():
                got += page
                break
            for page in it.iter_pages():
                got += page
    assert [int(row.data["readings"]["i"]) for row in got] == expected


def _page_threads(before):
    return [t for t in threading.enumerate()
            if t.ident not in before and t.name.startswith("viam-data-sync-page")]


@pytest.mark.parametrize("name", ["tabular", "binary"])
def test_garbage_collection_of_an_abandoned_iterator_stops_its_workers(env, name):
    server, faults = env
    faults.clear()
    open_it, _cls, _key = KINDS[name]
    before = {t.ident for t in threading.enumerate()}
    with client_for(server) as client:
        it = open_it(client, server, parallel=3)
        next(it)
        next(it)
        assert _page_threads(before)  # workers are fetching ahead
        del it
        gc.collect()
        for _ in range(500):  # a bounded poll: threads end on their own schedule
            if not _page_threads(before):
                break
            time.sleep(0.01)
        assert _page_threads(before) == []


def test_an_error_closes_the_iterator_and_the_cursor_resumes(env):
    server, faults = env
    faults.clear()
    with client_for(server) as client:
        it = client.iter_tabular(SENSOR, page_size=40, parallel=1)
        head = [int(next(it).data["readings"]["i"]) for _ in range(50)]
        faults.fail("TabularDataByFilter", grpc.StatusCode.PERMISSION_DENIED, times=1)
        with pytest.raises(PermissionDenied):
            for row in it:
                head.append(int(row.data["readings"]["i"]))
        faults.clear()
        assert it._executor is None  # the workers are stopped
        with pytest.raises(ValueError, match="closed"):
            next(it)
        tail = [int(row.data["readings"]["i"]) for row in client.iter_tabular(SENSOR, start_after=it.cursor)]
    assert head + tail == list(range(ROWS))


def test_resume_with_a_smaller_page_size_then_an_error_keeps_an_exact_cursor(env):
    """A resumed iterator skips a whole page already yielded before (its page size is
    smaller), then fails: its cursor must still point past the rows yielded before."""
    server, faults = env
    faults.clear()
    with client_for(server) as client:
        first = client.iter_tabular(SENSOR, page_size=7, parallel=1)
        rows = iter(first)
        head = [int(next(rows).data["readings"]["i"]) for _ in range(6)]
        first.close()
        # The resumed iterator's first page (5 rows) is all skipped; its second fails.
        faults.fail("TabularDataByFilter", grpc.StatusCode.PERMISSION_DENIED, every=2, times=1)
        second = client.iter_tabular(SENSOR, page_size=5, parallel=1, start_after=first.cursor)
        with pytest.raises(PermissionDenied):
            next(iter(second))
        faults.clear()
        tail = [int(row.data["readings"]["i"]) for row in client.iter_tabular(SENSOR, start_after=second.cursor)]
    assert head + tail == list(range(ROWS))


def test_close_from_another_thread_ends_a_next_waiting_for_a_page():
    """A consumer blocked in next() waiting for a slow page is released by close()
    elsewhere (e.g. a task runner's kill hook) with the closed error, not left hanging."""
    faults = FaultInjector()
    with LocalDataServer(auth=False, interceptors=[faults, LatencyInjector(0.3)]) as server:
        seed_readings(server.address, server.part_id, 50)
        with client_for(server) as client:
            it = client.iter_tabular(SENSOR, page_size=10, parallel=1)
            outcome = []

            def consume():
                try:
                    outcome.append(next(it))
                except BaseException as exc:  # handed to the test thread
                    outcome.append(exc)

            calls_before = sum(faults.calls.values())
            consumer = threading.Thread(target=consume, daemon=True)
            consumer.start()
            for _ in range(500):  # until the first page is requested: next() is waiting
                if sum(faults.calls.values()) > calls_before:
                    break
                time.sleep(0.01)
            it.close()
            consumer.join(10)
            assert not consumer.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], ValueError) and "closed" in str(outcome[0])
