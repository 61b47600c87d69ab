"""``to_pandas()`` on every iterator and on SQL/MQL results, with the one flattening
rule: the same reading gives the same dotted columns whichever way it is read."""
from __future__ import annotations

import datetime as dt

import grpc
import pandas as pd
import pytest

from viam_data_sync import DataClient, QueryResult, create_filter, tabular_to_dataframe
from viam_data_sync.server import LocalDataServer

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 7, 1, tzinfo=UTC)
SINCE = "WHERE time_received >= CAST('2000-01-01T00:00:00Z' AS TIMESTAMP)"


@pytest.fixture(scope="module")
def env():
    with LocalDataServer(auth=False) as server:
        with DataClient(grpc.insecure_channel(server.address)) as client:
            times = [(T0 + dt.timedelta(seconds=i),) * 2 for i in range(5)]
            client.tabular_data_capture_upload(
                [{"readings": {"t": i * 1.5, "pos": {"x": i, "y": -i}, "tags": ["a", "b"]}} for i in range(5)],
                server.part_id, "rdk:component:sensor", "pd-sensor", "Readings", times)
            client.binary_data_capture_upload(b"png!", server.part_id, "rdk:component:camera", "pd-cam",
                                              "ReadImage", ".png", data_request_times=(T0, T0))
            yield server, client


def test_tabular_iterator_to_pandas_is_tabular_to_dataframe(env):
    server, client = env
    f = create_filter(component_name="pd-sensor")
    frame = client.iter_tabular(f).to_pandas()
    pd.testing.assert_frame_equal(frame, tabular_to_dataframe(list(client.iter_tabular(f))))
    assert sorted(frame["data.readings.t"]) == [0.0, 1.5, 3.0, 4.5, 6.0]
    assert sorted(frame["data.readings.pos.x"]) == [0, 1, 2, 3, 4]
    kept = client.iter_tabular(f).to_pandas(flatten=False)
    assert "data.readings.t" not in kept.columns and kept["data"][0]["readings"]["pos"].keys() == {"x", "y"}


def test_mql_export_and_query_results_flatten_the_same_way(env):
    server, client = env
    org = server.organization_id
    pipeline = [{"$match": {"component_name": "pd-sensor"}}, {"$project": {"_id": 0, "data": 1}}]
    by_mql = client.iter_mql(org, [{"$match": {"component_name": "pd-sensor"}}]).to_pandas()
    result = client.tabular_data_by_mql(org, pipeline)
    assert isinstance(result, QueryResult) and isinstance(result, list) and len(result) == 5
    by_list = result.to_pandas()
    by_sql = client.tabular_data_by_sql(org, f"SELECT data FROM readings {SINCE} AND component_name = 'pd-sensor'")
    by_sql_frame = by_sql.to_pandas()
    exported = client.iter_export_tabular(server.part_id, "pd-sensor", "rdk:component:sensor", "Readings").to_pandas()
    for frame in (by_mql, by_list, by_sql_frame):
        assert sorted(frame["data.readings.t"]) == [0.0, 1.5, 3.0, 4.5, 6.0]
        assert sorted(frame["data.readings.pos.y"]) == [-4, -3, -2, -1, 0]
    assert len(exported) == 5 and any(col.endswith("readings.t") for col in exported.columns)


def test_binary_iterator_to_pandas(env):
    server, client = env
    frame = client.iter_binary(create_filter(component_name="pd-cam")).to_pandas()
    assert list(frame["component_name"]) == ["pd-cam"] and list(frame["binary"]) == [b"png!"]
