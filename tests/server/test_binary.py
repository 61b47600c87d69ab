"""Binary data: upload, filter, by ids, tags, bounding boxes, deletes, datasets, signed URLs."""

from __future__ import annotations

import datetime as dt
import os
import urllib.parse
import urllib.request

import grpc
import pytest

from viam_data_sync._convert import datetime_to_timestamp, timestamp_to_datetime
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2

from .conftest import T0, Api, code_of


def _at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def _binary_id(binary_data_id: str) -> data_pb2.BinaryID:
    org, loc, file_id = binary_data_id.split("/")
    return data_pb2.BinaryID(file_id=file_id, organization_id=org, location_id=loc)


def test_upload_and_read_back_metadata_and_bytes(api: Api) -> None:
    bid = api.upload_binary(b"\xff\xd8jpeg-bytes", when=_at(5), tags=["cat"])
    assert bid.count("/") == 2 and bid.startswith(api.server.organization_id + "/")
    page = api.binary_by_filter(include_binary=True)
    assert page.count == 1
    item = page.data[0]
    assert item.binary == b"\xff\xd8jpeg-bytes"
    meta = item.metadata
    assert meta.binary_data_id == bid and meta.id == bid.split("/")[-1]
    assert meta.file_size_bytes == len(item.binary) and page.total_size_bytes == len(item.binary)
    assert meta.file_ext == ".jpg"
    assert timestamp_to_datetime(meta.time_requested) == _at(5) == timestamp_to_datetime(meta.time_received)
    cm = meta.capture_metadata
    assert (cm.organization_id, cm.location_id, cm.robot_id, cm.robot_name, cm.part_id, cm.part_name) == (
        api.server.organization_id,
        api.server.location_id,
        api.server.robot_id,
        api.server.robot_name,
        api.server.part_id,
        api.server.part_name,
    )
    assert cm.component_name == "camera-1" and cm.mime_type == "image/jpeg" and list(cm.tags) == ["cat"]
    path = urllib.parse.unquote(urllib.parse.urlparse(meta.uri).path)
    with open(path, "rb") as fh:
        assert fh.read() == item.binary
    assert not api.binary_by_filter().data[0].binary  # include_binary=false


def test_by_ids_with_strings_and_deprecated_binary_ids(api: Api) -> None:
    a = api.upload_binary(b"a", when=_at(1))
    b = api.upload_binary(b"b", when=_at(2))
    response = api.call(
        api.data.BinaryDataByIDs, data_pb2.BinaryDataByIDsRequest(binary_data_ids=[b, a], include_binary=True)
    )
    assert [d.binary for d in response.data] == [b"b", b"a"] and response.count == 2
    response = api.call(api.data.BinaryDataByIDs, data_pb2.BinaryDataByIDsRequest(binary_ids=[_binary_id(a)]))
    assert [d.metadata.binary_data_id for d in response.data] == [a]
    unknown = f"{api.server.organization_id}/{api.server.location_id}/nope"
    response = api.call(
        api.data.BinaryDataByIDs, data_pb2.BinaryDataByIDsRequest(binary_data_ids=[unknown, a])
    )
    assert [d.metadata.binary_data_id for d in response.data] == [a]
    for bad in (
        data_pb2.BinaryDataByIDsRequest(),
        data_pb2.BinaryDataByIDsRequest(binary_data_ids=["no-slashes"]),
        data_pb2.BinaryDataByIDsRequest(binary_ids=[data_pb2.BinaryID(file_id="x")]),
    ):
        with pytest.raises(grpc.RpcError) as excinfo:
            api.call(api.data.BinaryDataByIDs, bad)
        assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT


def test_binary_filters(api: Api) -> None:
    other_part = api.server.add_part(part_name="second")
    a = api.upload_binary(b"a", when=_at(1), component_name="cam-a", mime_type="image/jpeg", tags=["x"])
    b = api.upload_binary(
        b"b", when=_at(2), component_name="cam-b", mime_type="image/png", file_extension=".png"
    )
    c = api.upload_binary(b"c", when=_at(3), component_name="cam-a", part_id=other_part, tags=["y"])

    def ids(**kwargs: object) -> list:
        return api.all_binary_ids(data_pb2.Filter(**kwargs))

    assert ids() == [a, b, c]
    assert ids(component_name="cam-a") == [a, c]
    assert ids(mime_type=["image/png"]) == [b]
    assert ids(mime_type=["image/png", "image/jpeg"]) == [a, b, c]
    assert ids(part_id=other_part) == [c]
    assert ids(part_name="second") == [c]
    assert ids(robot_id=api.server.robot_id, component_name="cam-a") == [a, c]
    assert ids(organization_ids=[api.server.organization_id], location_ids=[api.server.location_id]) == [
        a,
        b,
        c,
    ]
    assert ids(interval=data_pb2.CaptureInterval(start=datetime_to_timestamp(_at(2)))) == [b, c]
    assert ids(interval=data_pb2.CaptureInterval(end=datetime_to_timestamp(_at(2)))) == [a]
    assert ids(tags_filter=data_pb2.TagsFilter(tags=["x", "y"])) == [a, c]
    assert ids(tags_filter=data_pb2.TagsFilter(type=data_pb2.TAGS_FILTER_TYPE_TAGGED)) == [a, c]
    assert ids(tags_filter=data_pb2.TagsFilter(type=data_pb2.TAGS_FILTER_TYPE_UNTAGGED)) == [b]
    assert api.all_binary_ids(order=data_pb2.ORDER_DESCENDING) == [c, b, a]
    count = api.binary_by_filter(data_pb2.Filter(component_name="cam-a"), count_only=True)
    assert count.count == 2 and count.total_size_bytes == 2 and not count.data
    with pytest.raises(grpc.RpcError) as excinfo:
        api.binary_by_filter(
            data_pb2.Filter(
                interval=data_pb2.CaptureInterval(
                    start=datetime_to_timestamp(_at(5)), end=datetime_to_timestamp(_at(1))
                )
            )
        )
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT


def test_tags_by_ids_and_filter(api: Api) -> None:
    a = api.upload_binary(b"a", when=_at(1), component_name="cam-a")
    b = api.upload_binary(b"b", when=_at(2), component_name="cam-b")
    api.call(
        api.data.AddTagsToBinaryDataByIDs,
        data_pb2.AddTagsToBinaryDataByIDsRequest(tags=["t1", "t2"], binary_data_ids=[a]),
    )
    api.call(
        api.data.AddTagsToBinaryDataByIDs,
        data_pb2.AddTagsToBinaryDataByIDsRequest(tags=["t3"], binary_ids=[_binary_id(b)]),
    )
    api.call(
        api.data.AddTagsToBinaryDataByFilter,
        data_pb2.AddTagsToBinaryDataByFilterRequest(
            filter=data_pb2.Filter(component_name="cam-b"), tags=["t4"]
        ),
    )
    tags = api.call(api.data.TagsByFilter, data_pb2.TagsByFilterRequest()).tags
    assert list(tags) == ["t1", "t2", "t3", "t4"]
    tags = api.call(
        api.data.TagsByFilter, data_pb2.TagsByFilterRequest(filter=data_pb2.Filter(component_name="cam-a"))
    )
    assert list(tags.tags) == ["t1", "t2"]
    removed = api.call(
        api.data.RemoveTagsFromBinaryDataByIDs,
        data_pb2.RemoveTagsFromBinaryDataByIDsRequest(tags=["t1", "nope"], binary_data_ids=[a, b]),
    )
    assert removed.deleted_count == 1
    removed = api.call(
        api.data.RemoveTagsFromBinaryDataByFilter,
        data_pb2.RemoveTagsFromBinaryDataByFilterRequest(filter=data_pb2.Filter(), tags=["t3", "t4", "t2"]),
    )
    assert removed.deleted_count == 2
    assert not api.call(api.data.TagsByFilter, data_pb2.TagsByFilterRequest()).tags
    bad_requests = [
        (
            api.data.AddTagsToBinaryDataByIDs,
            data_pb2.AddTagsToBinaryDataByIDsRequest(tags=[], binary_data_ids=[a]),
        ),
        (
            api.data.AddTagsToBinaryDataByIDs,
            data_pb2.AddTagsToBinaryDataByIDsRequest(tags=[""], binary_data_ids=[a]),
        ),
        (api.data.AddTagsToBinaryDataByIDs, data_pb2.AddTagsToBinaryDataByIDsRequest(tags=["x"])),
        (
            api.data.RemoveTagsFromBinaryDataByFilter,
            data_pb2.RemoveTagsFromBinaryDataByFilterRequest(tags=[]),
        ),
    ]
    for method, request in bad_requests:
        with pytest.raises(grpc.RpcError) as excinfo:
            api.call(method, request)
        assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(
            api.data.AddTagsToBinaryDataByIDs,
            data_pb2.AddTagsToBinaryDataByIDsRequest(
                tags=["x"],
                binary_data_ids=[a, f"{api.server.organization_id}/{api.server.location_id}/missing"],
            ),
        )
    assert code_of(excinfo) == grpc.StatusCode.NOT_FOUND
    assert not api.call(api.data.TagsByFilter, data_pb2.TagsByFilterRequest()).tags  # all or nothing


def test_bounding_boxes(api: Api) -> None:
    a = api.upload_binary(b"a", when=_at(1))
    b = api.upload_binary(b"b", when=_at(2))
    box = api.call(
        api.data.AddBoundingBoxToImageByID,
        data_pb2.AddBoundingBoxToImageByIDRequest(
            binary_data_id=a,
            label="cat",
            x_min_normalized=0.1,
            y_min_normalized=0.2,
            x_max_normalized=0.5,
            y_max_normalized=0.6,
            confidence=0.9,
        ),
    ).bbox_id
    api.call(
        api.data.AddBoundingBoxToImageByID,
        data_pb2.AddBoundingBoxToImageByIDRequest(
            binary_id=_binary_id(b),
            label="dog",
            x_min_normalized=0.0,
            y_min_normalized=0.0,
            x_max_normalized=1.0,
            y_max_normalized=1.0,
        ),
    )
    meta = (
        api.call(api.data.BinaryDataByIDs, data_pb2.BinaryDataByIDsRequest(binary_data_ids=[a]))
        .data[0]
        .metadata
    )
    (bbox,) = meta.annotations.bboxes
    assert (bbox.id, bbox.label, bbox.x_min_normalized, bbox.y_max_normalized, bbox.confidence) == (
        box,
        "cat",
        0.1,
        0.6,
        0.9,
    )
    labels = api.call(api.data.BoundingBoxLabelsByFilter, data_pb2.BoundingBoxLabelsByFilterRequest()).labels
    assert list(labels) == ["cat", "dog"]
    assert api.all_binary_ids(data_pb2.Filter(bbox_labels=["dog", "bird"])) == [b]
    api.call(
        api.data.UpdateBoundingBox,
        data_pb2.UpdateBoundingBoxRequest(binary_data_id=a, bbox_id=box, label="lion", x_max_normalized=0.7),
    )
    bbox = (
        api.call(api.data.BinaryDataByIDs, data_pb2.BinaryDataByIDsRequest(binary_data_ids=[a]))
        .data[0]
        .metadata.annotations.bboxes[0]
    )
    assert (bbox.label, bbox.x_min_normalized, bbox.x_max_normalized) == ("lion", 0.1, 0.7)
    bad = [
        (
            api.data.AddBoundingBoxToImageByID,
            data_pb2.AddBoundingBoxToImageByIDRequest(
                binary_data_id=a, label="x", x_min_normalized=0.5, x_max_normalized=0.4, y_max_normalized=1.0
            ),
        ),
        (
            api.data.AddBoundingBoxToImageByID,
            data_pb2.AddBoundingBoxToImageByIDRequest(
                binary_data_id=a, label="x", x_max_normalized=1.5, y_max_normalized=1.0
            ),
        ),
        (
            api.data.AddBoundingBoxToImageByID,
            data_pb2.AddBoundingBoxToImageByIDRequest(
                binary_data_id=a, label="", x_max_normalized=0.5, y_max_normalized=1.0
            ),
        ),
        (
            api.data.AddBoundingBoxToImageByID,
            data_pb2.AddBoundingBoxToImageByIDRequest(label="x", x_max_normalized=0.5, y_max_normalized=1.0),
        ),
        (
            api.data.UpdateBoundingBox,
            data_pb2.UpdateBoundingBoxRequest(binary_data_id=a, bbox_id=box, y_min_normalized=0.9),
        ),
    ]
    for method, request in bad:
        with pytest.raises(grpc.RpcError) as excinfo:
            api.call(method, request)
        assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT, request
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(
            api.data.RemoveBoundingBoxFromImageByID,
            data_pb2.RemoveBoundingBoxFromImageByIDRequest(binary_data_id=b, bbox_id=box),
        )
    assert code_of(excinfo) == grpc.StatusCode.NOT_FOUND
    api.call(
        api.data.RemoveBoundingBoxFromImageByID,
        data_pb2.RemoveBoundingBoxFromImageByIDRequest(binary_data_id=a, bbox_id=box),
    )
    labels = api.call(api.data.BoundingBoxLabelsByFilter, data_pb2.BoundingBoxLabelsByFilterRequest()).labels
    assert list(labels) == ["dog"]


def test_delete_by_ids_and_filter_remove_blobs(api: Api) -> None:
    a = api.upload_binary(b"a", when=_at(1), component_name="x")
    b = api.upload_binary(b"b", when=_at(2), component_name="y")
    c = api.upload_binary(b"c", when=_at(3), component_name="y")
    blob_a = api.server.store.blob_path(a.split("/")[-1])
    assert os.path.exists(blob_a)
    deleted = api.call(
        api.data.DeleteBinaryDataByIDs, data_pb2.DeleteBinaryDataByIDsRequest(binary_data_ids=[a])
    )
    assert deleted.deleted_count == 1 and not os.path.exists(blob_a)
    deleted = api.call(
        api.data.DeleteBinaryDataByIDs, data_pb2.DeleteBinaryDataByIDsRequest(binary_data_ids=[a])
    )
    assert deleted.deleted_count == 0  # idempotent
    deleted = api.call(
        api.data.DeleteBinaryDataByFilter,
        data_pb2.DeleteBinaryDataByFilterRequest(
            filter=data_pb2.Filter(
                component_name="y", interval=data_pb2.CaptureInterval(start=datetime_to_timestamp(_at(3)))
            )
        ),
    )
    assert deleted.deleted_count == 1
    assert api.all_binary_ids() == [b]
    deleted = api.call(
        api.data.DeleteBinaryDataByIDs, data_pb2.DeleteBinaryDataByIDsRequest(binary_ids=[_binary_id(b)])
    )
    assert deleted.deleted_count == 1 and api.all_binary_ids() == []
    assert c


def test_datasets(api: Api) -> None:
    org = api.server.organization_id
    ds1 = api.call(
        api.dataset.CreateDataset, dataset_pb2.CreateDatasetRequest(name="one", organization_id=org)
    ).id
    ds2 = api.call(
        api.dataset.CreateDataset, dataset_pb2.CreateDatasetRequest(name="two", organization_id=org)
    ).id
    a = api.upload_binary(b"a", when=_at(1), dataset_ids=[ds1])
    b = api.upload_binary(b"b", when=_at(2))
    api.call(
        api.data.AddBinaryDataToDatasetByIDs,
        data_pb2.AddBinaryDataToDatasetByIDsRequest(dataset_id=ds2, binary_data_ids=[a, b]),
    )
    assert api.all_binary_ids(data_pb2.Filter(dataset_id=ds1)) == [a]
    assert api.all_binary_ids(data_pb2.Filter(dataset_id=ds2)) == [a, b]
    meta = (
        api.call(api.data.BinaryDataByIDs, data_pb2.BinaryDataByIDsRequest(binary_data_ids=[a]))
        .data[0]
        .metadata
    )
    assert sorted(meta.dataset_ids) == sorted([ds1, ds2])
    merged = api.call(
        api.dataset.MergeDatasets,
        dataset_pb2.MergeDatasetsRequest(dataset_ids=[ds1, ds2], name="merged", organization_id=org),
    ).dataset_id
    assert api.all_binary_ids(data_pb2.Filter(dataset_id=merged)) == [a, b]
    api.call(
        api.data.RemoveBinaryDataFromDatasetByIDs,
        data_pb2.RemoveBinaryDataFromDatasetByIDsRequest(dataset_id=ds2, binary_ids=[_binary_id(a)]),
    )
    assert api.all_binary_ids(data_pb2.Filter(dataset_id=ds2)) == [b]
    api.call(api.dataset.RenameDataset, dataset_pb2.RenameDatasetRequest(id=ds1, name="uno"))
    listed = api.call(
        api.dataset.ListDatasetsByOrganizationID,
        dataset_pb2.ListDatasetsByOrganizationIDRequest(organization_id=org),
    ).datasets
    assert [d.name for d in listed] == ["uno", "two", "merged"]
    assert all(d.organization_id == org and d.time_created.seconds > 0 for d in listed)
    by_ids = api.call(api.dataset.ListDatasetsByIDs, dataset_pb2.ListDatasetsByIDsRequest(ids=[ds2, "nope"]))
    assert [d.id for d in by_ids.datasets] == [ds2]
    api.call(api.dataset.DeleteDataset, dataset_pb2.DeleteDatasetRequest(id=ds2))
    with pytest.raises(grpc.RpcError) as excinfo:
        api.all_binary_ids(data_pb2.Filter(dataset_id=ds2))
    assert code_of(excinfo) == grpc.StatusCode.NOT_FOUND
    meta = (
        api.call(api.data.BinaryDataByIDs, data_pb2.BinaryDataByIDsRequest(binary_data_ids=[b]))
        .data[0]
        .metadata
    )
    assert list(meta.dataset_ids) == [merged]
    errors = [
        (
            api.dataset.CreateDataset,
            dataset_pb2.CreateDatasetRequest(name="uno", organization_id=org),
            grpc.StatusCode.ALREADY_EXISTS,
        ),
        (
            api.dataset.CreateDataset,
            dataset_pb2.CreateDatasetRequest(name="bad name!", organization_id=org),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            api.dataset.CreateDataset,
            dataset_pb2.CreateDatasetRequest(name="x", organization_id=""),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            api.dataset.RenameDataset,
            dataset_pb2.RenameDatasetRequest(id="nope", name="x"),
            grpc.StatusCode.NOT_FOUND,
        ),
        (
            api.dataset.RenameDataset,
            dataset_pb2.RenameDatasetRequest(id=ds1, name="merged"),
            grpc.StatusCode.ALREADY_EXISTS,
        ),
        (api.dataset.DeleteDataset, dataset_pb2.DeleteDatasetRequest(id=ds2), grpc.StatusCode.NOT_FOUND),
        (
            api.dataset.ListDatasetsByIDs,
            dataset_pb2.ListDatasetsByIDsRequest(),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            api.dataset.MergeDatasets,
            dataset_pb2.MergeDatasetsRequest(dataset_ids=[ds1], name="m2", organization_id=org),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            api.data.AddBinaryDataToDatasetByIDs,
            data_pb2.AddBinaryDataToDatasetByIDsRequest(dataset_id="nope", binary_data_ids=[a]),
            grpc.StatusCode.NOT_FOUND,
        ),
    ]
    for method, request, code in errors:
        with pytest.raises(grpc.RpcError) as excinfo:
            api.call(method, request)
        assert code_of(excinfo) == code, request


def test_signed_url_points_at_the_bytes(api: Api) -> None:
    a = api.upload_binary(b"signed", when=_at(1))
    response = api.call(
        api.data.CreateBinaryDataSignedURL,
        data_pb2.CreateBinaryDataSignedURLRequest(binary_data_id=a, expiration_minutes=5),
    )
    with urllib.request.urlopen(response.signed_url, timeout=10) as body:  # the server's HTTP listener
        assert body.read() == b"signed"
    remaining = timestamp_to_datetime(response.expires_at) - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(minutes=4) < remaining <= dt.timedelta(minutes=5)
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(
            api.data.CreateBinaryDataSignedURL,
            data_pb2.CreateBinaryDataSignedURLRequest(binary_data_id=a, expiration_minutes=20000),
        )
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT


def test_binary_paging_while_uploading(api: Api) -> None:
    ids = [api.upload_binary(bytes([i]), when=_at(i)) for i in range(30)]
    seen, last = [], ""
    for round_ in range(50):
        page = api.binary_by_filter(limit=4, last=last, order=data_pb2.ORDER_DESCENDING)
        if not page.data:
            break
        seen.extend(d.metadata.binary_data_id for d in page.data)
        last = page.last
        api.upload_binary(b"late", when=_at(10.5))
        api.upload_binary(b"late", when=_at(100))
    assert seen == list(reversed(ids))
