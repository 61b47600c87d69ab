"""The store's refusals (``store/errors.py``) reach the caller as precise statuses,
mapped in one place (``server/_rpc.py``), with the store's message as the details.

These guard behaviour that already held when the store raised RPC statuses itself: the
statuses and details a caller sees did not change when it got errors of its own."""

from __future__ import annotations

from typing import Any, Callable

import grpc
import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2

from .conftest import Api, code_of

F = data_pb2.Filter
INVALID = grpc.StatusCode.INVALID_ARGUMENT


def _backwards() -> Any:
    interval = data_pb2.CaptureInterval()
    interval.start.seconds, interval.end.seconds = 100, 50
    return interval


def _unstorable_upload(api: Api) -> Any:
    item = data_sync_pb2.SensorData()
    item.struct.update({"x": 2})
    item.metadata.time_received.seconds = 10**12
    md = data_sync_pb2.UploadMetadata(part_id=api.part_id, type=data_sync_pb2.DATA_TYPE_TABULAR_SENSOR)
    return api.call(api.sync.DataCaptureUpload, data_sync_pb2.DataCaptureUploadRequest(metadata=md, sensor_contents=[item]))


CASES: "list[tuple[str, Callable[[Api], Any], grpc.StatusCode, str]]" = [
    ("empty organization id", lambda api: api.tabular_by_filter(F(organization_ids=[""])),
     INVALID, "organization_ids must not contain an empty id"),
    ("organization outside the scope", lambda api: api.tabular_by_filter(F(organization_ids=["nope"])),
     grpc.StatusCode.PERMISSION_DENIED, "no access to organization nope"),
    ("count outside the scope", lambda api: api.tabular_by_filter(F(organization_ids=["nope"]), count_only=True),
     grpc.StatusCode.PERMISSION_DENIED, "no access to organization nope"),
    ("unknown dataset", lambda api: api.binary_by_filter(F(dataset_id="nope")),
     grpc.StatusCode.NOT_FOUND, "dataset nope not found"),
    ("backwards interval", lambda api: api.tabular_by_filter(F(interval=_backwards())),
     INVALID, "interval.end is before interval.start"),
    ("backwards export interval", lambda api: list(api.call(api.data.ExportTabularData, data_pb2.ExportTabularDataRequest(
        part_id=api.part_id, resource_name="x", resource_subtype="y", method_name="z", interval=_backwards()))),
     INVALID, "interval.end is before interval.start"),
    ("empty tag", lambda api: api.tabular_by_filter(F(tags_filter=data_pb2.TagsFilter(tags=[""]))),
     INVALID, "tags_filter.tags must not contain an empty tag"),
    ("unknown tags filter type", lambda api: api.binary_by_filter(F(tags_filter=data_pb2.TagsFilter(type=77))),
     INVALID, "unknown tags_filter.type 77"),
    ("list beyond the store's limit", lambda api: api.tabular_by_filter(F(location_ids=[str(i) for i in range(10_001)])),
     INVALID, "filter.location_ids has 10001 distinct values; at most 10000 are accepted"),
    ("malformed cursor", lambda api: api.tabular_by_filter(limit=1, last="@@@"),
     INVALID, "malformed 'last' cursor"),
    ("another query's cursor", lambda api: api.tabular_by_filter(
        F(component_name="x"), limit=1, last=api.tabular_by_filter(limit=1).last),
     INVALID, "the 'last' cursor belongs to a different query (filter or sort order changed)"),
    ("unknown sort order", lambda api: api.binary_by_filter(order=9), INVALID, "unknown sort_order 9"),
    ("unstorable time", _unstorable_upload,
     INVALID, "metadata.time_received is outside the times the local server can store (1677-09-21 to 2262-04-11 UTC)"),
]


@pytest.mark.parametrize("call, code, details", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_store_refusal_is_its_status_with_the_stores_message(
    api: Api, call: Callable[[Api], Any], code: grpc.StatusCode, details: str
) -> None:
    api.upload_tabular([{"a": 1}] * 3)
    with pytest.raises(grpc.RpcError) as excinfo:
        call(api)
    assert code_of(excinfo) == code
    assert excinfo.value.details() == details
