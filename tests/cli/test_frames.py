"""DataFrame helpers: run only where pandas is installed; the missing-pandas message
is checked everywhere."""

from __future__ import annotations

import datetime as dt
import re
import sys
from types import SimpleNamespace

import pytest

from viam_data_sync import records_to_dataframe, tabular_to_dataframe
from viam_data_sync._extras import install_command
from viam_data_sync.proto import CaptureMetadata

UTC = dt.timezone.utc


def _row(i):
    at = dt.datetime(2026, 1, 1, 0, 0, i, tzinfo=UTC)
    return SimpleNamespace(
        data={"readings": {"t": 20.0 + i, "site": "a"}},
        time_requested=at,
        time_received=at,
        metadata=CaptureMetadata(organization_id="o", component_name="s1", tags=["x"]),
    )


def test_missing_pandas_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    command = install_command("pandas")  # viam-data-sync is not on PyPI: this installation's source
    with pytest.raises(ImportError, match=re.escape(command)):
        tabular_to_dataframe([])
    with pytest.raises(ImportError, match=re.escape(command)):
        records_to_dataframe([])


def test_tabular_rows_flattened_with_utc_times():
    pd = pytest.importorskip("pandas", reason="pandas not installed (the pandas extra)")
    frame = tabular_to_dataframe(iter([_row(1), _row(2)]))
    assert len(frame) == 2
    assert list(frame["data.readings.t"]) == [21.0, 22.0]
    assert list(frame["component_name"]) == ["s1", "s1"] and frame["tags"][0] == ["x"]
    assert str(frame["time_received"].dt.tz) == "UTC"
    assert frame["time_received"][1] == pd.Timestamp("2026-01-01T00:00:02Z")
    nested = tabular_to_dataframe([_row(3)], flatten=False)
    assert nested["data"][0] == {"readings": {"t": 23.0, "site": "a"}}
    empty = tabular_to_dataframe([])
    assert len(empty) == 0 and "time_received" in empty.columns


def test_records_keep_order_and_convert_datetimes():
    pytest.importorskip("pandas", reason="pandas not installed (the pandas extra)")
    at = dt.datetime(2026, 1, 1, tzinfo=UTC)
    frame = records_to_dataframe([{"b": 1, "a": at}, {"b": 2, "a": at, "c": None}])
    assert list(frame.columns) == ["b", "a", "c"]
    assert str(frame["a"].dt.tz) == "UTC"
    flat = records_to_dataframe([{"_id": 1, "data": {"readings": {"t": 1.5}}}], flatten=True)
    assert list(flat.columns) == ["_id", "data.readings.t"]
