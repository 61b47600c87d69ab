"""Behaviour that follows the cloud more closely: include_internal_data, the one-year
window and sync time of GetLatestTabularData, the capture time of exports, the hot
store behind use_recent_data / HOT_STORAGE, and MQL $bucketAuto."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator, List

import bson
import grpc
import pytest

from viam_data_sync._convert import datetime_to_timestamp, dict_to_struct, timestamp_to_datetime
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync.server import LocalDataServer, ManualClock

from .conftest import Api

UTC = dt.timezone.utc
NOW = dt.datetime.now(UTC).replace(microsecond=0)
INTERNAL = "rdk-internal:service:frame_system"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def server(clock: ManualClock) -> Iterator[LocalDataServer]:
    with LocalDataServer(clock=clock) as srv:
        yield srv


def upload(api: Api, reading: Any, requested: dt.datetime, received: dt.datetime, *, component_type: str =
           "rdk:component:sensor", binary: bool = False, name: str = "sensor-1") -> None:
    item = data_sync_pb2.SensorData(binary=reading) if binary else data_sync_pb2.SensorData(
        struct=dict_to_struct(reading))
    item.metadata.time_requested.CopyFrom(datetime_to_timestamp(requested))
    item.metadata.time_received.CopyFrom(datetime_to_timestamp(received))
    md = data_sync_pb2.UploadMetadata(
        part_id=api.part_id, component_type=component_type, component_name=name, method_name="Readings",
        type=data_sync_pb2.DATA_TYPE_BINARY_SENSOR if binary else data_sync_pb2.DATA_TYPE_TABULAR_SENSOR,
        file_extension=".bin" if binary else "")
    api.call(api.sync.DataCaptureUpload, data_sync_pb2.DataCaptureUploadRequest(metadata=md, sensor_contents=[item]))


def mql(api: Api, stages: List[Any], **fields: Any) -> List[Any]:
    request = data_pb2.TabularDataByMQLRequest(organization_id=api.organization_id,
                                               mql_binary=[bson.encode(s) for s in stages], **fields)
    return [bson.decode(raw) for raw in api.call(api.data.TabularDataByMQL, request).raw_data]


def test_include_internal_data_is_honoured(api: Api) -> None:
    t = NOW - dt.timedelta(hours=1)
    upload(api, {"x": 1}, t, t)
    upload(api, {"x": 2}, t, t, component_type=INTERNAL, name="fs")
    upload(api, b"public", t, t, binary=True)
    upload(api, b"internal", t, t, component_type=INTERNAL, name="fs", binary=True)

    def tabular(include: bool) -> List[Any]:
        response = api.call(api.data.TabularDataByFilter, data_pb2.TabularDataByFilterRequest(
            data_request=data_pb2.DataRequest(limit=10), include_internal_data=include))
        return sorted(d.data["x"] for d in response.data)

    def binary(include: bool) -> List[bytes]:
        response = api.call(api.data.BinaryDataByFilter, data_pb2.BinaryDataByFilterRequest(
            data_request=data_pb2.DataRequest(limit=10), include_binary=True, include_internal_data=include))
        return sorted(d.binary for d in response.data)

    assert tabular(False) == [1] and tabular(True) == [1, 2]
    assert binary(False) == [b"public"] and binary(True) == [b"internal", b"public"]
    deleted = api.call(api.data.DeleteBinaryDataByFilter, data_pb2.DeleteBinaryDataByFilterRequest(
        filter=data_pb2.Filter())).deleted_count
    assert deleted == 1 and binary(True) == [b"internal"]
    assert api.call(api.data.DeleteBinaryDataByFilter, data_pb2.DeleteBinaryDataByFilterRequest(
        filter=data_pb2.Filter(), include_internal_data=True)).deleted_count == 1


def latest(api: Api) -> Any:
    return api.call(api.data.GetLatestTabularData, data_pb2.GetLatestTabularDataRequest(
        part_id=api.part_id, resource_name="sensor-1", method_name="Readings",
        resource_subtype="rdk:component:sensor"))


def test_get_latest_reports_capture_and_sync_times_within_one_year(api: Api, clock: ManualClock) -> None:
    requested, received = dt.datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC), dt.datetime(2024, 6, 1, 12, 0, 5, tzinfo=UTC)
    before = dt.datetime.now(UTC)
    upload(api, {"x": 1}, requested, received)
    after = dt.datetime.now(UTC)
    response = latest(api)
    assert response.payload["x"] == 1
    assert timestamp_to_datetime(response.time_captured) == requested
    assert before - dt.timedelta(milliseconds=1) <= timestamp_to_datetime(response.time_synced) <= after
    clock.advance(days=364)
    assert latest(api).HasField("payload")
    clock.advance(days=2)  # synced more than a year ago now
    assert not latest(api).HasField("payload") and not latest(api).HasField("time_synced")


def test_export_time_captured_is_the_time_requested(api: Api) -> None:
    requested, received = dt.datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC), dt.datetime(2024, 6, 1, 12, 0, 5, tzinfo=UTC)
    upload(api, {"x": 1}, requested, received)
    (item,) = list(api.data.ExportTabularData(data_pb2.ExportTabularDataRequest(part_id=api.part_id),
                                              metadata=api.metadata, timeout=10))
    assert timestamp_to_datetime(item.time_captured) == requested


def test_the_hot_store_holds_the_recent_readings(api: Api, server: LocalDataServer, clock: ManualClock) -> None:
    for hours in (1, 23, 25, 72):
        t = NOW - dt.timedelta(hours=hours)
        upload(api, {"h": hours}, t, t)
    stages = [{"$sort": {"data.h": 1}}, {"$project": {"_id": 0, "h": "$data.h"}}]
    hot = data_pb2.TabularDataSource(type=data_pb2.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE)
    standard = data_pb2.TabularDataSource(type=data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD)
    assert [d["h"] for d in mql(api, stages, use_recent_data=True)] == [1, 23]
    assert [d["h"] for d in mql(api, stages, data_source=hot)] == [1, 23]
    assert [d["h"] for d in mql(api, stages, data_source=standard)] == [1, 23, 25, 72]
    assert [d["h"] for d in mql(api, stages)] == [1, 23, 25, 72]
    clock.advance(hours=2)
    assert [d["h"] for d in mql(api, stages, use_recent_data=True)] == [1]


def test_bucket_auto_cuts_equal_count_buckets(api: Api) -> None:
    t = NOW - dt.timedelta(hours=1)
    for value in (5, 1, 3, 3, 3, 9, 7, 8, 2):
        upload(api, {"v": value}, t, t)
    buckets = mql(api, [{"$bucketAuto": {"groupBy": "$data.v", "buckets": 3}}])
    # Sorted 1 2 3 3 3 5 7 8 9, about 3 a bucket: the equal 3s stay together.
    assert buckets == [{"_id": {"min": 1, "max": 5}, "count": 5}, {"_id": {"min": 5, "max": 9}, "count": 3},
                       {"_id": {"min": 9, "max": 9}, "count": 1}]
    summed = mql(api, [{"$bucketAuto": {"groupBy": "$data.v", "buckets": 1,
                                        "output": {"total": {"$sum": "$data.v"}, "n": {"$sum": 1}}}}])
    assert summed == [{"_id": {"min": 1, "max": 9}, "total": 41, "n": 9}]
    for bad in ({"groupBy": "$data.v"}, {"groupBy": "$data.v", "buckets": 0},
                {"groupBy": "$data.v", "buckets": 2, "granularity": "R7"},
                {"groupBy": "$data.v", "buckets": 2, "granularity": "E48"}):
        with pytest.raises(grpc.RpcError) as excinfo:
            mql(api, [{"$bucketAuto": bad}])
        assert excinfo.value.code() == grpc.StatusCode.INVALID_ARGUMENT
