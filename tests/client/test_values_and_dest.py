"""Values (null, ints, nesting, time zones), models, and dest= files."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest

import viam_data_sync._dest as dest_module
from viam_data_sync import DataClient, create_filter
from viam_data_sync._convert import Timestamp, dict_to_struct
from viam_data_sync._dest import read_jsonl, safe_file_name
from viam_data_sync._proto.app.data.v1 import data_pb2

UTC = dt.timezone.utc


def tabular_response():
    meta = data_pb2.CaptureMetadata(
        organization_id="org",
        location_id="loc",
        part_id="part",
        component_name="sensor-1",
        method_name="Readings",
        tags=["t"],
    )
    rows = [
        data_pb2.TabularData(
            data=dict_to_struct({"readings": {"i": 3, "none": None, "nested": [[1, None], {"a": "b"}]}}),
            metadata_index=0,
            time_requested=Timestamp(seconds=1_700_000_000, nanos=123_000),
            time_received=Timestamp(seconds=1_700_000_001),
        ),
        data_pb2.TabularData(
            data=dict_to_struct({"readings": {"ok": True}}),
            metadata_index=0,
            time_requested=Timestamp(seconds=1_700_000_002),
            time_received=Timestamp(seconds=1_700_000_003),
        ),
    ]
    return data_pb2.TabularDataByFilterResponse(metadata=[meta], data=rows, count=2, last="x")


def test_values_null_nested_ints_and_aware_times(fake):
    rows, _, _ = fake.unary("TabularDataByFilter", lambda c: c.tabular_data_by_filter(), tabular_response())[
        0
    ]
    readings = rows[0].data["readings"]
    assert readings["none"] is None  # the official SDK returns 0
    assert readings["i"] == 3 and isinstance(readings["i"], float)  # a Struct holds doubles only
    assert readings["nested"] == [[1.0, None], {"a": "b"}]
    assert rows[0].time_requested == dt.datetime(2023, 11, 14, 22, 13, 20, 123, tzinfo=UTC)
    assert rows[0].time_requested.utcoffset() == dt.timedelta(0)


def test_naive_and_aware_inputs_give_the_same_instant():
    naive = create_filter(start_time=dt.datetime(2024, 1, 1, 12))
    aware = create_filter(start_time=dt.datetime(2024, 1, 1, 14, tzinfo=dt.timezone(dt.timedelta(hours=2))))
    assert naive.interval.start == aware.interval.start
    assert not naive.interval.HasField("end")


def test_tabular_models_str_eq_and_nested_names():
    assert DataClient.TabularData is not None and DataClient.TabularDataPoint is not None
    t = dt.datetime(2024, 1, 1, tzinfo=UTC)
    meta = data_pb2.CaptureMetadata(part_id="p")
    a = DataClient.TabularData({"x": None}, meta, t, t)
    b = DataClient.TabularData({"x": None}, data_pb2.CaptureMetadata(part_id="p"), t, t)
    assert a == b and a != DataClient.TabularData({"x": 1}, meta, t, t)
    assert "Time requested: 2024-01-01 00:00:00+00:00" in str(a) and 'part_id: "p"' in str(a)
    point = DataClient.TabularDataPoint(
        "p", "r", "api", "m", t, "o", "l", "rn", "ri", "pn", {}, [], {"v": None}
    )
    same = DataClient.TabularDataPoint(
        "p", "r", "api", "m", t, "o", "l", "rn", "ri", "pn", {}, [], {"v": None}
    )
    assert point == same and point != object()
    assert "resource='r' (api)" in str(point)
    with pytest.warns(DeprecationWarning):
        assert point.resource_subtype == "api"


def test_dest_jsonl_round_trip(fake, tmp_path):
    dest = tmp_path / "page.jsonl"
    dest.write_text("old content that must be replaced\n")
    rows, _, _ = fake.unary(
        "TabularDataByFilter", lambda c: c.tabular_data_by_filter(dest=str(dest)), tabular_response()
    )[0]
    records = read_jsonl(dest)
    assert len(records) == 2
    first = records[0]
    assert first["data"] == {"readings": {"i": 3.0, "none": None, "nested": [[1.0, None], {"a": "b"}]}}
    assert (
        first["component_name"] == "sensor-1" and first["organization_id"] == "org" and first["tags"] == ["t"]
    )
    assert dt.datetime.fromisoformat(first["time_requested"]) == rows[0].time_requested
    # RFC 3339 UTC with "Z", as the CLI writes it (one record shape for dest= and the CLI).
    assert first["time_received"] == "2023-11-14T22:13:21.000000Z"
    assert [p.name for p in tmp_path.iterdir()] == ["page.jsonl"]  # no temp files left


def test_dest_directory_is_refused_before_sending(fake, tmp_path):
    with pytest.raises(IsADirectoryError):
        fake.client.tabular_data_by_filter(dest=str(tmp_path))
    with pytest.raises(FileNotFoundError):
        fake.client.tabular_data_by_filter(dest=str(tmp_path / "no" / "such" / "dir.jsonl"))
    with pytest.raises(TypeError):
        fake.client.tabular_data_by_filter(dest=3)
    assert fake.nothing_sent()


def test_dest_write_failure_raises_and_leaves_nothing(fake, tmp_path, monkeypatch):
    dest = tmp_path / "page.jsonl"
    dest.write_text("previous\n")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dest_module.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space left"):
        fake.unary("TabularDataByFilter", lambda c: c.tabular_data_by_filter(dest=dest), tabular_response())
    assert dest.read_text() == "previous\n"  # the old file is untouched, not half-written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.jsonl"]


def test_dest_replace_failure_leaves_no_temp_file(tmp_path, monkeypatch):
    def broken_replace(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(dest_module.os, "replace", broken_replace)
    with pytest.raises(PermissionError):
        dest_module.write_jsonl(tmp_path / "x.jsonl", [{"a": 1}])
    assert list(tmp_path.iterdir()) == []


def test_binary_dest_layout_with_slashes_in_ids(fake, tmp_path):
    items = [
        data_pb2.BinaryData(
            binary=b"\x89PNG",
            metadata=data_pb2.BinaryMetadata(
                binary_data_id="org/part/../etc",
                file_ext=".png",
                file_name="a.png",
                capture_metadata=data_pb2.CaptureMetadata(part_id="part"),
            ),
        ),
        data_pb2.BinaryData(metadata=data_pb2.BinaryMetadata(binary_data_id="org/part/2", file_ext="jpg")),
    ]
    response = data_pb2.BinaryDataByIDsResponse(data=items)
    fake.unary(
        "BinaryDataByIDs",
        lambda c: c.binary_data_by_ids(["org/part/../etc", "org/part/2"], dest=tmp_path / "out"),
        response,
    )
    out = tmp_path / "out"
    first = "1970-01-01T00_00_00Z_a.png"  # the Viam CLI's name: <time_requested>_<file_name>
    assert (out / "data" / first).read_bytes() == b"\x89PNG"
    meta = json.loads((out / "metadata" / f"{first}.json").read_text())
    assert meta["binaryDataId"] == "org/part/../etc" and meta["captureMetadata"]["partId"] == "part"
    second = "1970-01-01T00_00_00Z_" + safe_file_name("org/part/2") + "jpg"  # no id, no name: the whole id
    assert "/" not in second and ".." not in second
    assert not (out / "data" / second).exists()  # no bytes were included
    assert (out / "metadata" / f"{second}.json").exists()
    assert sorted(os.listdir(out)) == ["data", "metadata"]
    assert sorted(os.listdir(out / "data")) == [first]


def test_binary_dest_that_is_a_file_is_refused(fake, tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(NotADirectoryError):
        fake.client.binary_data_by_filter(dest=str(path))
    with pytest.raises(TypeError, match="include_binary_data"):
        fake.client.binary_data_by_ids(["a"], False)
    assert fake.nothing_sent()


def test_safe_file_name_keeps_ids_distinct_and_short():
    assert safe_file_name("a/b") != safe_file_name("a_b") != safe_file_name("a%2Fb")
    assert safe_file_name("..") == "%2E%2E" and safe_file_name("") == "_"
    long = safe_file_name("x" * 1000)
    assert len(long) <= 200 and long != safe_file_name("x" * 999)


def test_repr_never_shows_metadata(fake):
    text = repr(fake.client)
    assert "secret-token" not in text and "Bearer" not in text and "DataClient" in text


def test_close_and_context_manager(fake):
    with fake.client as client:
        assert client is fake.client
    with pytest.raises(ValueError, match="closed"):
        fake.client.tags_by_filter()
    fake.client.close()  # idempotent
    assert "closed" in repr(fake.client)


def test_method_parameters_in_jsonl_rows():
    from viam_data_sync._convert import AnyMessage, params_to_any_map

    meta = data_pb2.CaptureMetadata(part_id="p")
    for key, value in params_to_any_map({"pin": "3", "n": None}).items():
        meta.method_parameters[key].CopyFrom(value)
    meta.method_parameters["odd"].CopyFrom(AnyMessage(type_url="type.googleapis.com/x.Y", value=b"\x01"))
    t = dt.datetime(2024, 1, 1, tzinfo=UTC)
    row = DataClient.TabularData({"a": 1}, meta, t, t).to_dict()
    assert row["method_parameters"] == {
        "pin": "3",
        "n": None,
        "odd": {"type_url": "type.googleapis.com/x.Y", "value": "AQ=="},
    }
    json.dumps(row)


def test_jsonl_dest_is_repeatable_whatever_the_map_order(tmp_path):
    from viam_data_sync._dest import write_jsonl

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_jsonl(a, [{"data": {"y": 1, "x": {"q": 2, "p": None}}, "m": "k"}])
    write_jsonl(b, [{"m": "k", "data": {"x": {"p": None, "q": 2}, "y": 1}}])
    assert a.read_bytes() == b.read_bytes()


def test_sql_without_time_received_bound_warns_about_app_10891():
    import warnings

    from viam_data_sync import UnboundedReadingsWarning
    from viam_data_sync._api.tabular import _warn_without_time_bound

    with pytest.warns(UnboundedReadingsWarning, match="APP-10891"):
        _warn_without_time_bound("SELECT * FROM readings LIMIT 5")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _warn_without_time_bound(
            "SELECT * FROM readings WHERE time_received >= CAST('2024-01-01T00:00:00Z' AS TIMESTAMP)")
        _warn_without_time_bound("SELECT 1")
    assert seen == []
