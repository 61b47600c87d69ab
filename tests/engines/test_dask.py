"""The Dask reader on a real ``LocalCluster(n_workers=2)`` (worker processes) against a
real local server with auth on: the same rows as ``iter_tabular``, the plan's time
ranges as divisions, and no credentials in the task graph."""
from __future__ import annotations

import datetime as dt
import os
import pickle

import pytest

pytestmark = pytest.mark.dask

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

from viam_data_sync import DataClient, create_filter  # noqa: E402
from viam_data_sync.dask import read_binary, read_tabular  # noqa: E402
from viam_data_sync.server import LocalDataServer  # noqa: E402

from ..iterators._seed import T0, seed_readings  # noqa: E402

ROWS = 3000
ENV = ("VIAM_API_KEY", "VIAM_API_KEY_ID", "VIAM_APP_ADDRESS", "VIAM_INSECURE")


@pytest.fixture(scope="module")
def env():
    saved = {name: os.environ.get(name) for name in ENV}
    with LocalDataServer() as server:
        seed_readings(server.address, server.part_id, ROWS,
                      metadata=[("authorization", f"Bearer {server.token()}")])
        os.environ.update(VIAM_API_KEY=server.api_key, VIAM_API_KEY_ID=server.api_key_id,
                          VIAM_APP_ADDRESS=server.address, VIAM_INSECURE="1")
        try:
            with DataClient.from_env() as client:
                for n in range(6):
                    at = T0 + dt.timedelta(seconds=n)
                    client.binary_data_capture_upload(bytes([n]) * 100, server.part_id, "rdk:component:camera",
                                                      "cam", "ReadImage", ".bin", data_request_times=(at, at))
            # Worker processes inherit this environment: that is where their clients
            # find the credentials.
            with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                          dashboard_address=None) as cluster, distributed.Client(cluster):
                yield server
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def test_read_tabular_on_a_local_cluster_equals_iter_tabular(env):
    f = create_filter(component_name="sensor-1")
    df = read_tabular(f, target_rows=500)
    with DataClient.from_env() as client:
        plan = client.plan_tabular(f, target_rows=500)
        expected = [int(row.data["readings"]["i"]) for row in client.iter_tabular(f)]
    assert df.npartitions == len(plan) >= 5
    assert df.known_divisions and list(df.divisions) == sorted(df.divisions)
    assert df.divisions[-1].value == plan[-1].end_ns
    assert [d.value for d in df.divisions[1:-1]] == [p.start_ns for p in plan[1:]]
    frame = df.compute()
    got = [int(v) for v in frame["data.readings.i"]]
    assert len(got) == len(set(got)) == ROWS
    assert sorted(got) == sorted(expected)
    assert frame.index.name == "time_received" and frame.index.is_monotonic_increasing
    assert list(frame.columns[:3]) == ["organization_id", "location_id", "robot_id"]
    # Only the partition's bounds travel; the factory reads the worker's environment.
    graph = pickle.dumps(dict(df.__dask_graph__()))
    assert env.api_key.encode() not in graph


def test_read_tabular_aggregates_by_division(env):
    df = read_tabular(create_filter(component_name="sensor-1"), target_rows=1000)
    counts = df.map_partitions(len).compute()
    assert sum(counts) == ROWS and len(counts) == df.npartitions


def test_read_binary_is_a_bag_of_items(env):
    bag = read_binary(create_filter(component_name="cam"), target_items=2)
    assert bag.npartitions >= 3
    items = bag.compute()
    assert sorted(item.binary for item in items) == [bytes([n]) * 100 for n in range(6)]
    sizes = read_binary(create_filter(component_name="cam"), include_binary_data=False).map(
        lambda item: (item.metadata.file_size_bytes, len(item.binary))).compute()
    assert sizes == [(100, 0)] * 6
