"""One DataFrame shape: the same readings through ``iter_tabular`` and through MQL or
SQL give the same dotted ``data.`` columns, by one documented rule (``flatten_record``),
and ``flatten=False`` keeps dicts in both helpers."""
from __future__ import annotations

import datetime as dt

import pytest

from viam_data_sync import DataClient, create_filter, records_to_dataframe, tabular_to_dataframe
from viam_data_sync._frames import flatten_record
from viam_data_sync.server import LocalDataServer

pd = pytest.importorskip("pandas", reason="pandas (the pandas extra) not installed")

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 1, tzinfo=UTC)
READINGS = [
    {"readings": {"temp": 20.5, "pos": {"x": 1.0, "y": 2.0}, "tags": ["a", "b"], "empty": {}}},
    {"readings": {"temp": 21.5, "pos": {"x": 3.0, "y": 4.0}, "tags": [], "empty": {}}},
]


MATCH = [{"$match": {"component_name": "sensor-1"}}]


def _by_time(frame):
    """iter_mql pages by ``_id``: put the documents in capture order, as iter_tabular's."""
    return frame.sort_values("time_received").reset_index(drop=True)


def test_the_flattening_rule() -> None:
    assert flatten_record({"_id": 1, "data": {"readings": {"t": 1.5, "xy": [{"a": 1}], "e": {}, "n": None}}}) == {
        "_id": 1, "data.readings.t": 1.5, "data.readings.xy": [{"a": 1}], "data.readings.e": {},
        "data.readings.n": None}
    assert flatten_record({"t": 1}, "data.") == {"data.t": 1}


@pytest.fixture(scope="module")
def loaded():
    with LocalDataServer(auth=True) as server:
        client = DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True)
        times = [(T0 + dt.timedelta(seconds=i), T0 + dt.timedelta(seconds=i)) for i in range(len(READINGS))]
        client.tabular_data_capture_upload(READINGS, server.part_id, "rdk:component:sensor", "sensor-1",
                                           "Readings", times)
        yield client, server
        client.close()


def test_tabular_and_mql_frames_have_the_same_data_columns(loaded) -> None:
    client, server = loaded
    tabular = tabular_to_dataframe(client.iter_tabular(create_filter(component_name="sensor-1")))
    mql = _by_time(records_to_dataframe(client.iter_mql(server.organization_id, MATCH)))
    data_columns = ["data.readings.temp", "data.readings.pos.x", "data.readings.pos.y", "data.readings.tags",
                    "data.readings.empty"]
    assert sorted(c for c in tabular.columns if c.startswith("data")) == sorted(data_columns)
    assert sorted(c for c in mql.columns if c.startswith("data")) == sorted(data_columns)
    for column in data_columns:
        assert list(tabular[column]) == list(mql[column]), column
    assert list(mql["data.readings.pos.y"]) == [2.0, 4.0]
    assert str(mql["time_received"].dt.tz) == "UTC"


def test_sql_frames_flatten_the_same_way(loaded) -> None:
    client, server = loaded
    rows = client.tabular_data_by_sql(
        server.organization_id,
        "SELECT data FROM readings WHERE time_received >= CAST('2000-01-01T00:00:00Z' AS TIMESTAMP) "
        "ORDER BY time_received")
    frame = records_to_dataframe(rows)
    assert list(frame["data.readings.temp"]) == [20.5, 21.5]
    assert list(frame["data.readings.tags"]) == [["a", "b"], []]


def test_flatten_false_keeps_dicts_in_both(loaded) -> None:
    client, server = loaded
    tabular = tabular_to_dataframe(client.iter_tabular(create_filter(component_name="sensor-1")), flatten=False)
    mql = _by_time(records_to_dataframe(client.iter_mql(server.organization_id, MATCH), flatten=False))
    assert list(tabular["data"]) == READINGS
    assert list(mql["data"]) == READINGS
