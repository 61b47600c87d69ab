"""Partitions (plan_tabular / plan_binary / read_partition) against a real local
server: serializable plans, disjoint and covering, read exactly once in spawned
processes while data arrives, resumable under faults."""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import pickle

import grpc
import pytest

from viam_data_sync import DataClient, Partition, Unavailable, create_filter
from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector

from ..iterators._seed import T0, seed_readings
from ._workers import LiveWriter, read_ids

ROWS = 6000
SENSOR = create_filter(component_name="sensor-1")


@pytest.fixture(scope="module")
def env():
    faults = FaultInjector(seed=13)
    with LocalDataServer(auth=False, interceptors=[faults]) as server:
        seed_readings(server.address, server.part_id, ROWS)
        # Bunched data: 3000 readings of another sensor within 3 ms, then one a day later.
        seed_readings(server.address, server.part_id, 3000, component_name="bunched", same_time_every=1000)
        with client_for(server) as client:
            later = T0 + dt.timedelta(days=1)
            client.tabular_data_capture_upload([{"readings": {"i": 3000}}], server.part_id, "rdk:component:sensor",
                                               "bunched", "Readings", [(later, later)])
        yield server, faults


def client_for(server, **kw):
    return DataClient(grpc.insecure_channel(server.address), **kw)


def ids(rows):
    return [int(row.data["readings"]["i"]) for row in rows]


def ns(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


def test_plan_is_disjoint_covering_and_counts_add_up(env):
    server, _ = env
    with client_for(server) as client:
        plan = client.plan_tabular(SENSOR, target_rows=1000)
        assert 5 <= len(plan) <= 9
        assert [p.index for p in plan] == list(range(len(plan)))
        assert {p.count for p in plan} == {len(plan)}
        assert plan[0].start_ns is None  # the filter has no start: nor has the plan
        for a, b in zip(plan, plan[1:]):
            assert a.end_ns == b.start_ns  # adjacent: no gap, no overlap
        newest = ns(T0 + dt.timedelta(milliseconds=ROWS - 1))
        assert newest < plan[-1].end_ns <= newest + 2000  # open end pinned after the newest row
        assert sum(p.estimated_rows for p in plan) == ROWS
        assert all(p.estimated_rows <= 1500 for p in plan)
        per_partition = [ids(client.read_partition(p)) for p in plan]
        assert [len(got) for got in per_partition] == [p.estimated_rows for p in plan]
        assert sorted(i for got in per_partition for i in got) == list(range(ROWS))


def test_an_explicit_window_is_kept_exactly(env):
    server, _ = env
    start, end = T0 + dt.timedelta(milliseconds=1000), T0 + dt.timedelta(milliseconds=3500)
    f = create_filter(component_name="sensor-1", start_time=start, end_time=end)
    with client_for(server) as client:
        plan = client.plan_tabular(f, target_rows=400)
        assert plan[0].start_ns == ns(start) and plan[-1].end_ns == ns(end)
        got = [i for p in plan for i in ids(client.read_partition(p))]
    assert sorted(got) == list(range(1000, 3500))  # half-open: 3500 is not in it


def test_bunched_rows_are_bisected_and_empty_stretches_merged(env):
    server, _ = env
    with client_for(server) as client:
        plan = client.plan_tabular(create_filter(component_name="bunched"), target_rows=1000)
        # 1000 readings share each of 3 instants in the first 2 ms, and one more comes a
        # day later: an even split of the day puts all 3000 in the first partition, so it
        # is bisected down to one partition per instant; the empty stretches between
        # merge into their neighbours.
        assert [p.estimated_rows for p in plan] == [1000, 1000, 1000, 1]
        got = [ids(client.read_partition(p)) for p in plan]
    assert [sorted(g) for g in got] == [list(range(k * 1000, (k + 1) * 1000)) for k in range(3)] + [[3000]]


def test_nothing_matches_gives_one_empty_partition(env):
    server, _ = env
    with client_for(server) as client:
        plan = client.plan_tabular(create_filter(component_name="nobody"))
        assert len(plan) == 1 and plan[0].estimated_rows == 0
        assert list(client.read_partition(plan[0])) == []


def test_plans_survive_pickle_and_json_and_hold_no_credentials(env):
    server, _ = env
    with DataClient.from_api_key("s3cret-key-value", "key-id-1", server.address, insecure=True) as keyed:
        pass  # a client with credentials exists; partitions must not depend on one
    with client_for(server) as client:
        plan = client.plan_tabular(SENSOR, target_rows=2000)
    for p in plan:
        assert pickle.loads(pickle.dumps(p)) == p
        text = p.to_json()
        assert Partition.from_json(text) == p and Partition.from_json(json.loads(text)) == p
        assert hash(Partition.from_json(text)) == hash(p)
        assert "s3cret" not in text and b"s3cret" not in pickle.dumps(p)
        assert set(json.loads(text)) == {"v", "kind", "filter", "start_ns", "end_ns", "estimated_rows",
                                         "estimated_bytes", "index", "count", "include_internal_data", "arrow_schema"}
    assert len({p.key for p in plan}) == len(plan)
    with pytest.raises(AttributeError):
        plan[0].start_ns = 5  # frozen
    assert keyed is not None


def test_every_partition_in_spawned_processes_equals_iter_tabular_while_data_arrives(env):
    server, _ = env
    f = create_filter(component_name="live")
    with LiveWriter(server.address, server.part_id, start=0, component_name="live") as writer:
        writer.wait_for(10)
        present = writer.stored  # stored before planning
        with client_for(server) as client:
            plan = client.plan_tabular(f, target_rows=60)
            assert len(plan) >= 3
            payloads = [p.to_json() for p in reversed(plan)]  # any order
            ctx = multiprocessing.get_context("spawn")
            with ctx.Pool(2) as pool:
                parts = pool.map(read_ids, [(server.address, payload) for payload in payloads])
            writer.wait_for(3)
    with client_for(server) as client:
        window = create_filter(component_name="live", end_time=plan[-1].end)
        window.interval.end.FromNanoseconds(plan[-1].end_ns)
        expected = ids(client.iter_tabular(window))
        everything = ids(client.iter_tabular(f))
    union = [i for part in parts for i in part]
    assert len(union) == len(set(union))                     # nothing repeated
    assert sorted(union) == sorted(expected)                 # = one iter_tabular over the plan
    assert set(range(present)) <= set(union)                 # nothing stored before the plan is missing
    assert len(everything) > len(union)                      # data did arrive meanwhile
    assert sum(p.estimated_rows for p in plan) == len(union)


def test_a_failing_partition_resumes_from_its_cursor(env):
    server, faults = env
    faults.clear()
    with client_for(server) as client:
        plan = client.plan_tabular(SENSOR, target_rows=3000)
    partition = plan[0]
    got = []
    faults.fail("TabularDataByFilter", grpc.StatusCode.UNAVAILABLE, every=4)
    try:
        with client_for(server, retry=None) as client:
            cursor = None
            for _ in range(100):
                it = client.read_partition(partition, start_after=cursor, page_size=50)
                try:
                    for row in it:
                        got.append(int(row.data["readings"]["i"]))
                    break
                except Unavailable:
                    cursor = it.cursor
            else:
                pytest.fail("never finished")
    finally:
        injected = sum(faults.injected.values())
        faults.clear()
    assert injected >= 3
    with client_for(server) as client:
        assert got == ids(client.read_partition(partition))   # same rows, same order, once


def test_plan_binary_by_items_and_bytes():
    with LocalDataServer(auth=False) as server, client_for(server) as client:
        for n in range(40):
            at = T0 + dt.timedelta(seconds=n)
            client.binary_data_capture_upload(bytes([n]) * (1000 + n), server.part_id, "rdk:component:camera",
                                              "cam", "ReadImage", ".bin", data_request_times=(at, at))
        f = create_filter(component_name="cam")
        by_items = client.plan_binary(f, target_items=10)
        by_bytes = client.plan_binary(f, target_items=1000, target_bytes=5000)
        for plan in (by_items, by_bytes):
            assert sum(p.estimated_rows for p in plan) == 40
            assert sum(p.estimated_bytes for p in plan) == sum(1000 + n for n in range(40))
            sizes = [item.metadata.file_size_bytes for p in plan
                     for item in client.read_partition(p, include_binary_data=False)]
            assert sorted(sizes) == [1000 + n for n in range(40)]
        assert all(p.estimated_rows <= 15 for p in by_items)
        assert all(p.estimated_bytes <= 1.5 * 5000 for p in by_bytes) and len(by_bytes) >= 8
        item = next(client.read_partition(by_items[0], include_binary_data=True))
        assert item.binary == bytes([0]) * 1000


def test_bad_input_is_refused_before_anything_is_sent(env):
    server, _ = env
    with client_for(server) as client:
        with pytest.raises(TypeError):
            client.read_partition({"kind": "tabular"})
        with pytest.raises(TypeError):
            client.plan_tabular(SENSOR, target_rows="10")
        with pytest.raises(ValueError):
            client.plan_tabular(SENSOR, target_rows=0)
        with pytest.raises(ValueError):
            client.plan_tabular(SENSOR, max_partitions=5000)
        with pytest.raises(TypeError):
            client.plan_tabular("component_name=sensor-1")
    for bad in ("{}", "not json", '{"v": 1, "kind": "tabular"}', json.dumps({"v": 99})):
        with pytest.raises(ValueError):
            Partition.from_json(bad)
    with pytest.raises(ValueError):
        Partition(kind="video", filter_bytes=b"", start_ns=None, end_ns=None)
    with pytest.raises(ValueError):
        Partition(kind="tabular", filter_bytes=b"", start_ns=10, end_ns=10)
    with pytest.raises(ValueError):
        Partition(kind="tabular", filter_bytes=b"\xff\xff", start_ns=None, end_ns=None)
