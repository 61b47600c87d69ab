"""Tabular data: upload, TabularDataByFilter, paging, export, latest, delete."""

from __future__ import annotations

import datetime as dt
import json

import grpc
import pytest

from viam_data_sync._convert import (
    datetime_to_timestamp,
    dict_to_struct,
    struct_to_dict,
    timestamp_to_datetime,
)
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2

from .conftest import T0, Api, code_of


def _times(n: int, step: float = 1.0) -> list:
    return [T0 + dt.timedelta(seconds=i * step) for i in range(n)]


def test_upload_then_filter_round_trips_values_and_metadata(api: Api) -> None:
    readings = [{"readings": {"temp": 20.5 + i, "ok": True, "name": f"r{i}", "none": None}} for i in range(3)]
    file_id = api.upload_tabular(readings, times=_times(3), tags=["lab"], method_parameters={"pin": "A1"})
    assert file_id
    page = api.tabular_by_filter()
    assert page.count == 3
    assert [struct_to_dict(d.data) for d in page.data] == readings
    assert [timestamp_to_datetime(d.time_received) for d in page.data] == _times(3)
    meta = page.metadata[page.data[0].metadata_index]
    assert len(page.metadata) == 1
    assert (meta.organization_id, meta.location_id, meta.robot_id, meta.part_id) == (
        api.server.organization_id,
        api.server.location_id,
        api.server.robot_id,
        api.server.part_id,
    )
    assert meta.robot_name == api.server.robot_name and meta.part_name == api.server.part_name
    assert meta.component_name == "sensor-1" and meta.method_name == "Readings"
    assert list(meta.tags) == ["lab"]
    assert "pin" in meta.method_parameters
    assert page.total_size_bytes > 0


def test_readings_rows_match_the_shared_schema(api: Api) -> None:
    api.upload_tabular([{"readings": {"a": 1}}], times=_times(1), tags=["x"], method_parameters={"pin": 3})
    conn = api.server.store.conn()
    row = conn.execute("SELECT * FROM readings").fetchone()
    assert json.loads(row["data"]) == {"readings": {"a": 1.0}}
    assert json.loads(row["method_parameters"]) == {"pin": 3.0}
    assert json.loads(row["tags"]) == ["x"]
    assert row["organization_id"] == api.server.organization_id
    assert row["time_received_ns"] == int(T0.timestamp()) * 1_000_000_000


def test_filter_fields_are_anded(api: Api) -> None:
    api.upload_tabular([{"v": 1}], times=_times(1), component_name="a", method_name="Readings")
    api.upload_tabular([{"v": 2}], times=_times(1), component_name="b", method_name="Readings")
    api.upload_tabular([{"v": 3}], times=_times(1), component_name="a", method_name="Other")
    page = api.tabular_by_filter(data_pb2.Filter(component_name="a", method="Readings"))
    assert [struct_to_dict(d.data) for d in page.data] == [{"v": 1.0}]
    page = api.tabular_by_filter(data_pb2.Filter(location_ids=[api.server.location_id], component_name="b"))
    assert [struct_to_dict(d.data) for d in page.data] == [{"v": 2.0}]
    assert api.tabular_by_filter(data_pb2.Filter(robot_id="nope")).count == 0


def test_interval_is_half_open_on_time_received(api: Api) -> None:
    api.upload_tabular([{"i": i} for i in range(10)], times=_times(10))
    flt = data_pb2.Filter(
        interval=data_pb2.CaptureInterval(
            start=datetime_to_timestamp(T0 + dt.timedelta(seconds=2)),
            end=datetime_to_timestamp(T0 + dt.timedelta(seconds=5)),
        )
    )
    page = api.tabular_by_filter(flt)
    assert [struct_to_dict(d.data)["i"] for d in page.data] == [2, 3, 4]


def test_tags_filter_types_on_tabular(api: Api) -> None:
    api.upload_tabular([{"k": "ab"}], times=_times(1), tags=["a", "b"])
    api.upload_tabular([{"k": "c"}], times=_times(1), tags=["c"])
    api.upload_tabular([{"k": "none"}], times=_times(1))

    def keys(tags_filter: data_pb2.TagsFilter) -> set:
        page = api.tabular_by_filter(data_pb2.Filter(tags_filter=tags_filter))
        return {struct_to_dict(d.data)["k"] for d in page.data}

    assert keys(data_pb2.TagsFilter(tags=["a", "c"])) == {"ab", "c"}
    assert keys(data_pb2.TagsFilter(type=data_pb2.TAGS_FILTER_TYPE_MATCH_BY_OR, tags=["b"])) == {"ab"}
    assert keys(data_pb2.TagsFilter()) == {"ab", "c", "none"}
    assert keys(data_pb2.TagsFilter(type=data_pb2.TAGS_FILTER_TYPE_TAGGED)) == {"ab", "c"}
    assert keys(data_pb2.TagsFilter(type=data_pb2.TAGS_FILTER_TYPE_UNTAGGED)) == {"none"}


def test_sort_orders_and_paging(api: Api) -> None:
    api.upload_tabular([{"i": i} for i in range(25)], times=_times(25))
    for order, expected in (
        (data_pb2.ORDER_UNSPECIFIED, list(range(25))),
        (data_pb2.ORDER_ASCENDING, list(range(25))),
        (data_pb2.ORDER_DESCENDING, list(reversed(range(25)))),
    ):
        seen, last = [], ""
        for _ in range(10):
            page = api.tabular_by_filter(limit=10, last=last, order=order)
            if not page.data:
                break
            seen.extend(int(struct_to_dict(d.data)["i"]) for d in page.data)
            last = page.last
        assert seen == expected
        # an empty page hands the cursor back, so loops "until empty" terminate
        assert api.tabular_by_filter(limit=10, last=last, order=order).last == last


def test_limit_default_and_cap(api: Api) -> None:
    api.upload_tabular([{"i": i} for i in range(120)], times=_times(120))
    assert len(api.tabular_by_filter().data) == 50
    assert len(api.tabular_by_filter(limit=1000).data) == 100  # server max_page_size=100


def test_count_only(api: Api) -> None:
    api.upload_tabular([{"i": i} for i in range(7)], times=_times(7))
    page = api.tabular_by_filter(count_only=True)
    assert page.count == 7 and not page.data and page.total_size_bytes > 0


def test_bad_cursor_is_invalid_argument(api: Api) -> None:
    for last in ("not-a-cursor", "eyJ2IjoxfQ", "%%%"):
        with pytest.raises(grpc.RpcError) as excinfo:
            api.tabular_by_filter(last=last)
        assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    api.upload_tabular([{"i": i} for i in range(3)], times=_times(3))
    last = api.tabular_by_filter(limit=1).last
    with pytest.raises(grpc.RpcError) as excinfo:  # same cursor, other sort order
        api.tabular_by_filter(limit=1, last=last, order=data_pb2.ORDER_DESCENDING)
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT


def test_reading_over_4mb_rejected(api: Api) -> None:
    with pytest.raises(grpc.RpcError) as excinfo:
        api.upload_tabular([{"blob": "x" * (4 * 1024 * 1024 + 10)}])
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    assert api.tabular_by_filter(count_only=True).count == 0


def test_unknown_part_is_not_found(api: Api) -> None:
    with pytest.raises(grpc.RpcError) as excinfo:
        api.upload_tabular([{"a": 1}], part_id="no-such-part")
    assert code_of(excinfo) == grpc.StatusCode.NOT_FOUND


def test_data_capture_upload_bad_requests(api: Api) -> None:
    cases = [
        data_sync_pb2.DataCaptureUploadRequest(sensor_contents=[data_sync_pb2.SensorData(binary=b"x")]),
        data_sync_pb2.DataCaptureUploadRequest(metadata=data_sync_pb2.UploadMetadata(part_id=api.part_id)),
        data_sync_pb2.DataCaptureUploadRequest(
            metadata=data_sync_pb2.UploadMetadata(
                part_id=api.part_id, type=data_sync_pb2.DATA_TYPE_TABULAR_SENSOR
            ),
            sensor_contents=[data_sync_pb2.SensorData(binary=b"x")],
        ),
        data_sync_pb2.DataCaptureUploadRequest(
            metadata=data_sync_pb2.UploadMetadata(part_id=api.part_id),
            sensor_contents=[data_sync_pb2.SensorData()],
        ),
        data_sync_pb2.DataCaptureUploadRequest(
            metadata=data_sync_pb2.UploadMetadata(
                part_id=api.part_id, type=data_sync_pb2.DATA_TYPE_BINARY_SENSOR
            ),
            sensor_contents=[data_sync_pb2.SensorData(binary=b"x"), data_sync_pb2.SensorData(binary=b"y")],
        ),
        data_sync_pb2.DataCaptureUploadRequest(
            metadata=data_sync_pb2.UploadMetadata(part_id=""),
            sensor_contents=[data_sync_pb2.SensorData(struct=dict_to_struct({"a": 1}))],
        ),
    ]
    for request in cases:
        with pytest.raises(grpc.RpcError) as excinfo:
            api.call(api.sync.DataCaptureUpload, request)
        assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT, request


def test_export_tabular_data_streams_everything_in_order(api: Api) -> None:
    n = 1234  # more than one internal batch
    api.upload_tabular(
        [{"i": i} for i in range(n)], times=_times(n, 0.001), tags=["t"], method_parameters={"pin": "A"}
    )
    api.upload_tabular([{"other": 1}], times=_times(1), component_name="elsewhere")
    request = data_pb2.ExportTabularDataRequest(
        part_id=api.part_id,
        resource_name="sensor-1",
        resource_subtype="rdk:component:sensor",
        method_name="Readings",
    )
    items = list(api.call(api.data.ExportTabularData, request))
    assert [int(struct_to_dict(m.payload)["i"]) for m in items] == list(range(n))
    first = items[0]
    assert first.organization_id == api.server.organization_id and first.robot_name == api.server.robot_name
    assert struct_to_dict(first.method_parameters) == {"pin": "A"} and list(first.tags) == ["t"]
    request.interval.CopyFrom(
        data_pb2.CaptureInterval(start=datetime_to_timestamp(T0 + dt.timedelta(seconds=1)))
    )
    assert len(list(api.call(api.data.ExportTabularData, request))) == n - 1000
    with pytest.raises(grpc.RpcError) as excinfo:
        list(api.call(api.data.ExportTabularData, data_pb2.ExportTabularDataRequest(part_id="missing")))
    assert code_of(excinfo) == grpc.StatusCode.NOT_FOUND


def test_get_latest_tabular_data(api: Api) -> None:
    request = data_pb2.GetLatestTabularDataRequest(
        part_id=api.part_id,
        resource_name="sensor-1",
        method_name="Readings",
        resource_subtype="rdk:component:sensor",
    )
    assert not api.call(api.data.GetLatestTabularData, request).HasField("payload")
    api.upload_tabular([{"i": i} for i in range(5)], times=_times(5))
    latest = api.call(api.data.GetLatestTabularData, request)
    assert struct_to_dict(latest.payload) == {"i": 4.0}
    assert timestamp_to_datetime(latest.time_captured) == T0 + dt.timedelta(seconds=4)
    api.upload_tabular([{"p": 1}], times=_times(1), method_parameters={"pin": "B"})
    request.additional_parameters.CopyFrom(dict_to_struct({"pin": "B"}))
    assert struct_to_dict(api.call(api.data.GetLatestTabularData, request).payload) == {"p": 1.0}


def test_delete_tabular_data(api: Api) -> None:
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=10)
    new = dt.datetime.now(dt.timezone.utc)
    api.upload_tabular([{"age": "old"}], times=[old], component_name="a")
    api.upload_tabular([{"age": "old"}], times=[old], component_name="b")
    api.upload_tabular([{"age": "new"}], times=[new], component_name="a")
    org = api.server.organization_id
    deleted = api.call(
        api.data.DeleteTabularData,
        data_pb2.DeleteTabularDataRequest(
            organization_id=org,
            delete_older_than_days=5,
            filter=data_pb2.DeleteTabularFilter(component_name="a"),
        ),
    )
    assert deleted.deleted_count == 1
    deleted = api.call(api.data.DeleteTabularData, data_pb2.DeleteTabularDataRequest(organization_id=org))
    assert deleted.deleted_count == 2
    assert api.tabular_by_filter(count_only=True).count == 0
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(api.data.DeleteTabularData, data_pb2.DeleteTabularDataRequest(organization_id=""))
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT


def test_paging_while_inserting_never_skips_or_repeats(api: Api) -> None:
    api.upload_tabular([{"i": i} for i in range(60)], times=_times(60))
    seen, last = [], ""
    for round_ in range(100):
        page = api.tabular_by_filter(limit=7, last=last)
        if not page.data:
            break
        seen.extend(int(struct_to_dict(d.data)["i"]) for d in page.data)
        last = page.last
        # new rows land before, inside and after the range being paged
        api.upload_tabular([{"i": 1000 + round_}], times=[T0 + dt.timedelta(seconds=30.5)])
        api.upload_tabular([{"i": 2000 + round_}], times=[T0 - dt.timedelta(seconds=1)])
        api.upload_tabular([{"i": 3000 + round_}], times=[T0 + dt.timedelta(hours=1)])
    assert seen == list(range(60))
    assert api.tabular_by_filter(count_only=True).count == 60 + 3 * 9
