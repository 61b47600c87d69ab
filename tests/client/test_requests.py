"""The exact request every DataClient method sends, on a grpc_testing channel."""

from __future__ import annotations

import datetime as dt

import bson
import pytest

from viam_data_sync import create_filter
from viam_data_sync._convert import Timestamp, dict_to_struct
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync.proto import BinaryID, DeleteTabularFilter, Filter, Order, TagsFilter

from .conftest import TOKEN

UTC = dt.timezone.utc
ID1 = "org-1/part-1/file-1"
ID2 = "org-1/part-1/file-2"
BID = BinaryID(file_id="f", organization_id="o", location_id="l")


def ts(seconds: int) -> Timestamp:
    return Timestamp(seconds=seconds)


# ---------------------------------------------------------------------- protocol.md §6 bytes
def test_create_filter_without_arguments_matches_official_bytes():
    assert create_filter().SerializeToString() == bytes.fromhex("7200")


def test_tabular_data_by_filter_defaults(fake):
    result, request, metadata = fake.unary("TabularDataByFilter", lambda c: c.tabular_data_by_filter())
    assert request.SerializeToString() == bytes.fromhex("0a020a00")
    assert metadata["authorization"] == TOKEN
    assert result == ([], 0, "")


def test_binary_data_by_filter_defaults(fake):
    request = fake.request("BinaryDataByFilter", lambda c: c.binary_data_by_filter())
    assert request.SerializeToString() == bytes.fromhex("0a001001")
    assert not request.data_request.HasField("filter")


def test_mql_defaults_match_official_bytes(fake):
    request = fake.request("TabularDataByMQL", lambda c: c.tabular_data_by_mql("o", [b"x"]))
    assert request.SerializeToString() == bytes.fromhex("0a016f1a0178320208 01".replace(" ", ""))
    assert not request.HasField("use_recent_data") and not request.HasField("query_prefix_name")


def test_export_without_times_matches_official_bytes(fake):
    _, request, _ = fake.server_stream(
        "ExportTabularData", lambda c: c.export_tabular_data("p", "r", "a", "m"), []
    )
    expected = data_pb2.ExportTabularDataRequest(
        part_id="p", resource_name="r", resource_subtype="a", method_name="m"
    )
    expected.interval.SetInParent()
    assert request.SerializeToString() == expected.SerializeToString()
    assert request.SerializeToString().endswith(bytes.fromhex("2a00"))
    assert not request.HasField("additional_parameters")


# ---------------------------------------------------------------------- tabular queries
def test_tabular_data_by_filter_all_fields_and_response_mapping(fake):
    f = create_filter(component_name="sensor-1", tags=["a"])
    meta = data_pb2.CaptureMetadata(organization_id="org", component_name="sensor-1", tags=["a"])
    response = data_pb2.TabularDataByFilterResponse(
        metadata=[meta],
        data=[
            data_pb2.TabularData(
                data=dict_to_struct({"x": None, "n": 2, "l": [1, [2, None]]}),
                metadata_index=0,
                time_requested=ts(10),
                time_received=ts(20),
            )
        ],
        count=7,
        last="cursor-1",
    )
    (rows, count, last), request, _ = fake.unary(
        "TabularDataByFilter",
        lambda c: c.tabular_data_by_filter(
            f,
            limit=5,
            sort_order=Order.ORDER_DESCENDING,
            last="c0",
            count_only=True,
            include_internal_data=True,
        ),
        response,
    )
    assert request.data_request.filter == f
    assert (request.data_request.limit, request.data_request.sort_order, request.data_request.last) == (
        5,
        Order.ORDER_DESCENDING,
        "c0",
    )
    assert request.count_only and request.include_internal_data
    assert (count, last) == (7, "cursor-1")
    (row,) = rows
    assert row.data == {"x": None, "n": 2.0, "l": [1.0, [2.0, None]]}
    assert row.metadata == meta
    assert row.time_requested == dt.datetime(1970, 1, 1, 0, 0, 10, tzinfo=UTC)
    assert row.time_received.tzinfo is not None


def test_unset_optional_fields_are_not_sent(fake):
    request = fake.request(
        "TabularDataByFilter",
        lambda c: c.tabular_data_by_filter(limit=0, sort_order=Order.ORDER_UNSPECIFIED, last=""),
    )
    assert request.SerializeToString() == bytes.fromhex("0a020a00")


def test_official_sdk_filter_message_is_accepted(fake):
    TheirFilter = pytest.importorskip("viam.proto.app.data", reason="viam-sdk (test extra) not installed").Filter

    theirs = TheirFilter(component_name="cam", bbox_labels=["dog"])
    request = fake.request("TabularDataByFilter", lambda c: c.tabular_data_by_filter(theirs))
    assert request.data_request.filter == Filter(component_name="cam", bbox_labels=["dog"])


def test_sql_request_and_bson_decoding_is_tz_aware(fake):
    when = dt.datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    response = data_pb2.TabularDataBySQLResponse(raw_data=[bson.encode({"t": when, "n": None, "i": 3})])
    result, request, _ = fake.unary(
        "TabularDataBySQL", lambda c: c.tabular_data_by_sql("org", "SELECT 1"), response
    )
    assert (request.organization_id, request.sql_query) == ("org", "SELECT 1")
    assert result == [{"t": when, "n": None, "i": 3}]
    assert result[0]["t"].tzinfo is not None


def test_mql_dict_stages_and_aliases(fake):
    stages = [{"$match": {"a": 1}}, {"$limit": 5}]
    for kwargs in ({"query": stages}, {"mql_binary": stages}, {"mql_query": stages}):
        request = fake.request("TabularDataByMQL", lambda c: c.tabular_data_by_mql("org", **kwargs))
        assert [bson.decode(s) for s in request.mql_binary] == stages
        assert request.data_source.type == data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD


@pytest.mark.parametrize(
    "kwargs, source_type, pipeline",
    [
        ({"use_recent_data": True}, data_pb2.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE, None),
        ({"use_recent_data": False}, data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD, None),
        # an explicit source wins over use_recent_data (the official SDK overrides it)
        (
            {"use_recent_data": True, "tabular_data_source_type": data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD},
            data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD,
            None,
        ),
        (
            {
                "use_recent_data": True,
                "tabular_data_source_type": data_pb2.TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK,
                "pipeline_id": "p1",
            },
            data_pb2.TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK,
            "p1",
        ),
        ({"pipeline_id": "p2"}, data_pb2.TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK, "p2"),
    ],
)
def test_mql_data_source_selection(fake, kwargs, source_type, pipeline):
    request = fake.request(
        "TabularDataByMQL", lambda c: c.tabular_data_by_mql("org", [{"$limit": 1}], **kwargs)
    )
    assert request.data_source.type == source_type
    assert request.data_source.HasField("pipeline_id") == (pipeline is not None)
    assert request.data_source.pipeline_id == (pipeline or "")
    assert not request.HasField("use_recent_data")


def test_mql_saved_query_with_no_stages(fake):
    request = fake.request(
        "TabularDataByMQL", lambda c: c.tabular_data_by_mql("org", [], query_prefix_name="saved")
    )
    assert request.query_prefix_name == "saved" and list(request.mql_binary) == []


def test_get_latest_tabular_data(fake):
    response = data_pb2.GetLatestTabularDataResponse(
        time_captured=ts(5), time_synced=ts(6), payload=dict_to_struct({"readings": {"a": None}})
    )
    result, request, _ = fake.unary(
        "GetLatestTabularData",
        lambda c: c.get_latest_tabular_data("p", "s", "rdk:component:sensor", "Readings", {"pin": "1"}),
        response,
    )
    assert (request.part_id, request.resource_name, request.resource_subtype, request.method_name) == (
        "p",
        "s",
        "rdk:component:sensor",
        "Readings",
    )
    assert request.additional_parameters == dict_to_struct({"pin": "1"})
    captured, synced, payload = result
    assert captured == dt.datetime(1970, 1, 1, 0, 0, 5, tzinfo=UTC) and synced.second == 6
    assert payload == {"readings": {"a": None}}


def test_get_latest_no_data_is_none_and_params_unset(fake):
    result, request, _ = fake.unary(
        "GetLatestTabularData",
        lambda c: c.get_latest_tabular_data("p", "s", resource_subtype="api", method_name="m"),
    )
    assert result is None
    assert not request.HasField("additional_parameters") and request.resource_subtype == "api"


def test_get_latest_empty_payload_with_time_is_data(fake):
    response = data_pb2.GetLatestTabularDataResponse(time_captured=ts(5), time_synced=ts(6))
    result = fake.unary(
        "GetLatestTabularData", lambda c: c.get_latest_tabular_data("p", "s", "a", "m"), response
    )[0]
    assert result is not None and result[2] == {}


def test_export_tabular_data_request_and_points(fake):
    start = dt.datetime(2024, 1, 1)  # naive: taken as UTC
    end = dt.datetime(2024, 1, 2, tzinfo=UTC)
    message = data_pb2.ExportTabularDataResponse(
        part_id="p",
        resource_name="s",
        resource_subtype="rdk:component:sensor",
        method_name="Readings",
        time_captured=ts(1704067200),
        organization_id="o",
        location_id="l",
        robot_name="rn",
        robot_id="ri",
        part_name="pn",
        method_parameters=dict_to_struct({"k": "v"}),
        tags=["t"],
        payload=dict_to_struct({"readings": {"v": 1, "n": None}}),
    )
    points, request, metadata = fake.server_stream(
        "ExportTabularData",
        lambda c: c.export_tabular_data("p", "s", "rdk:component:sensor", "Readings", start, end, {"x": 1}),
        [message, message],
    )
    assert request.interval.start.seconds == 1704067200 and request.interval.end.seconds == 1704153600
    assert request.resource_subtype == "rdk:component:sensor"
    assert request.additional_parameters == dict_to_struct({"x": 1})
    assert metadata["authorization"] == TOKEN
    assert len(points) == 2
    point = points[0]
    assert point.resource_api == "rdk:component:sensor" and point.payload == {
        "readings": {"v": 1.0, "n": None}
    }
    assert point.time_captured == dt.datetime(2024, 1, 1, tzinfo=UTC)
    assert point.method_parameters == {"k": "v"} and point.tags == ["t"]
    with pytest.deprecated_call():
        assert point.resource_subtype == "rdk:component:sensor"


def test_binary_data_by_filter_all_fields(fake):
    f = Filter(component_name="cam")
    item = data_pb2.BinaryData(binary=b"x", metadata=data_pb2.BinaryMetadata(binary_data_id=ID1))
    response = data_pb2.BinaryDataByFilterResponse(data=[item], count=1, last="l1")
    (data, count, last), request, _ = fake.unary(
        "BinaryDataByFilter",
        lambda c: c.binary_data_by_filter(f, 3, Order.ORDER_ASCENDING, "l0", False, True, True),
        response,
    )
    assert request.data_request.filter == f
    assert (request.data_request.limit, request.data_request.sort_order, request.data_request.last) == (
        3,
        Order.ORDER_ASCENDING,
        "l0",
    )
    assert (request.include_binary, request.count_only, request.include_internal_data) == (False, True, True)
    assert data == [item] and (count, last) == (1, "l1")


@pytest.mark.parametrize(
    "ids, strings, messages",
    [
        ([ID1, ID2], [ID1, ID2], []),
        ([BID], [], [BID]),
        ([ID1, BID], [ID1], [BID]),  # mixed lists fill both fields
    ],
)
def test_binary_data_by_ids_routing(fake, ids, strings, messages):
    request = fake.request("BinaryDataByIDs", lambda c: c.binary_data_by_ids(ids))
    assert list(request.binary_data_ids) == strings and list(request.binary_ids) == messages
    assert request.include_binary is True


def test_binary_data_by_ids_official_binary_id_and_no_bytes(fake):
    TheirBinaryID = pytest.importorskip("viam.proto.app.data", reason="viam-sdk (test extra) not installed").BinaryID

    request = fake.request(
        "BinaryDataByIDs",
        lambda c: c.binary_data_by_ids(
            [TheirBinaryID(file_id="f", organization_id="o", location_id="l")], include_binary_data=False
        ),
    )
    assert list(request.binary_ids) == [BID] and request.include_binary is False


# ---------------------------------------------------------------------- deletes, tags, labels
def test_delete_tabular_data(fake):
    response = data_pb2.DeleteTabularDataResponse(deleted_count=4)
    result, request, _ = fake.unary("DeleteTabularData", lambda c: c.delete_tabular_data("org", 0), response)
    assert result == 4 and request.organization_id == "org" and not request.HasField("filter")
    assert request.SerializeToString() == bytes.fromhex("0a036f7267")  # 0 days is not emitted
    f = DeleteTabularFilter(robot_id="r", tags_filter=TagsFilter(tags=["t"]))
    request = fake.request("DeleteTabularData", lambda c: c.delete_tabular_data("org", 30, f))
    assert request.delete_older_than_days == 30 and request.filter == f


def test_delete_tabular_data_by_filter_is_not_implemented(fake):
    with pytest.raises(NotImplementedError):
        fake.client.delete_tabular_data_by_filter(None)
    assert fake.nothing_sent()


def test_delete_binary_data_by_filter(fake):
    response = data_pb2.DeleteBinaryDataByFilterResponse(deleted_count=2)
    result, request, _ = fake.unary(
        "DeleteBinaryDataByFilter", lambda c: c.delete_binary_data_by_filter(None), response
    )
    assert result == 2 and request.HasField("filter") and request.filter == Filter()
    assert not request.include_internal_data
    request = fake.request(
        "DeleteBinaryDataByFilter",
        lambda c: c.delete_binary_data_by_filter(Filter(part_id="p"), include_internal_data=True),
    )
    assert request.filter.part_id == "p" and request.include_internal_data


def test_delete_binary_data_by_ids(fake):
    response = data_pb2.DeleteBinaryDataByIDsResponse(deleted_count=2)
    result, request, _ = fake.unary(
        "DeleteBinaryDataByIDs", lambda c: c.delete_binary_data_by_ids([ID1, BID]), response
    )
    assert result == 2 and list(request.binary_data_ids) == [ID1] and list(request.binary_ids) == [BID]


def test_add_and_remove_tags_by_ids(fake):
    request = fake.request(
        "AddTagsToBinaryDataByIDs", lambda c: c.add_tags_to_binary_data_by_ids(["a", "b"], [ID1])
    )
    assert (
        list(request.tags) == ["a", "b"] and list(request.binary_data_ids) == [ID1] and not request.binary_ids
    )
    response = data_pb2.RemoveTagsFromBinaryDataByIDsResponse(deleted_count=1)
    result, request, _ = fake.unary(
        "RemoveTagsFromBinaryDataByIDs",
        lambda c: c.remove_tags_from_binary_data_by_ids(["a"], [BID]),
        response,
    )
    assert result == 1 and list(request.binary_ids) == [BID] and not request.binary_data_ids


def test_tags_by_filter_family_sends_empty_filter_by_default(fake):
    request = fake.request(
        "AddTagsToBinaryDataByFilter", lambda c: c.add_tags_to_binary_data_by_filter(["a"])
    )
    assert request.HasField("filter") and list(request.tags) == ["a"]
    response = data_pb2.RemoveTagsFromBinaryDataByFilterResponse(deleted_count=3)
    result, request, _ = fake.unary(
        "RemoveTagsFromBinaryDataByFilter",
        lambda c: c.remove_tags_from_binary_data_by_filter(["a"], Filter(part_id="p")),
        response,
    )
    assert result == 3 and request.filter.part_id == "p"
    result, request, _ = fake.unary(
        "TagsByFilter", lambda c: c.tags_by_filter(), data_pb2.TagsByFilterResponse(tags=["x", "y"])
    )
    assert result == ["x", "y"] and request.HasField("filter")
    result, request, _ = fake.unary(
        "BoundingBoxLabelsByFilter",
        lambda c: c.bounding_box_labels_by_filter(),
        data_pb2.BoundingBoxLabelsByFilterResponse(labels=["dog"]),
    )
    assert result == ["dog"] and request.HasField("filter")


# ---------------------------------------------------------------------- bounding boxes
def test_add_bounding_box_by_string_id(fake):
    response = data_pb2.AddBoundingBoxToImageByIDResponse(bbox_id="bb1")
    result, request, _ = fake.unary(
        "AddBoundingBoxToImageByID",
        lambda c: c.add_bounding_box_to_image_by_id(ID1, "dog", 0, 0.1, 0.2, 0.3),
        response,
    )
    assert result == "bb1"
    assert request.binary_data_id == ID1 and not request.HasField("binary_id")
    assert (
        request.label,
        request.x_min_normalized,
        request.y_min_normalized,
        request.x_max_normalized,
        request.y_max_normalized,
    ) == ("dog", 0.0, 0.1, 0.2, 0.3)
    assert not request.HasField("confidence")


def test_add_bounding_box_by_binary_id_with_confidence(fake):
    request = fake.request(
        "AddBoundingBoxToImageByID",
        lambda c: c.add_bounding_box_to_image_by_id(BID, "dog", 0, 0, 1, 1, confidence_score=0.0),
    )
    assert request.binary_id == BID and request.binary_data_id == ""
    assert request.HasField("confidence") and request.confidence == 0.0


def test_update_bounding_box_sends_only_given_values(fake):
    request = fake.request(
        "UpdateBoundingBox", lambda c: c.update_bounding_box(ID1, "bb1", "cat", 0.0, 0.1, 0.5, 0.6)
    )
    assert request.binary_data_id == ID1 and request.bbox_id == "bb1"
    for name in ("label", "x_min_normalized", "y_min_normalized", "x_max_normalized", "y_max_normalized"):
        assert request.HasField(name)
    assert request.x_min_normalized == 0.0 and not request.HasField("confidence")
    request = fake.request(
        "UpdateBoundingBox", lambda c: c.update_bounding_box(BID, "bb1", confidence_score=0.9)
    )
    assert request.binary_id == BID and request.confidence == 0.9
    assert not request.HasField("label") and not request.HasField("x_min_normalized")


def test_remove_bounding_box(fake):
    request = fake.request(
        "RemoveBoundingBoxFromImageByID", lambda c: c.remove_bounding_box_from_image_by_id("bb", ID1)
    )
    assert request.bbox_id == "bb" and request.binary_data_id == ID1 and not request.HasField("binary_id")
    request = fake.request(
        "RemoveBoundingBoxFromImageByID", lambda c: c.remove_bounding_box_from_image_by_id("bb", BID)
    )
    assert request.binary_id == BID


# ---------------------------------------------------------------------- database, datasets, urls
def test_database_connection(fake):
    response = data_pb2.GetDatabaseConnectionResponse(
        hostname="h", mongodb_uri="mongodb://u@h", has_database_user=True
    )
    result, request, _ = fake.unary(
        "GetDatabaseConnection", lambda c: c.get_database_connection("org"), response
    )
    assert result == "h" and request.organization_id == "org"
    info = fake.unary("GetDatabaseConnection", lambda c: c.get_database_connection_info("org"), response)[0]
    assert info == ("h", "mongodb://u@h", True) and info.mongodb_uri == "mongodb://u@h"
    request = fake.request("ConfigureDatabaseUser", lambda c: c.configure_database_user("org", "pw"))
    assert (request.organization_id, request.password) == ("org", "pw")


def test_datasets(fake):
    result, request, _ = fake.unary(
        "CreateDataset", lambda c: c.create_dataset("n", "org"), dataset_pb2.CreateDatasetResponse(id="d1")
    )
    assert (
        result == "d1"
        and (request.name, request.organization_id) == ("n", "org")
        and not request.HasField("type")
    )
    request = fake.request("CreateDataset", lambda c: c.create_dataset("n", "org", type=0))
    assert request.HasField("type")
    ds = dataset_pb2.Dataset(id="d1", name="n")
    result, request, _ = fake.unary(
        "ListDatasetsByIDs",
        lambda c: c.list_dataset_by_ids(["d1"]),
        dataset_pb2.ListDatasetsByIDsResponse(datasets=[ds]),
    )
    assert result == [ds] and list(request.ids) == ["d1"]
    result, request, _ = fake.unary(
        "ListDatasetsByOrganizationID",
        lambda c: c.list_datasets_by_organization_id("org"),
        dataset_pb2.ListDatasetsByOrganizationIDResponse(datasets=[ds]),
    )
    assert result == [ds] and not request.HasField("type")
    request = fake.request(
        "ListDatasetsByOrganizationID", lambda c: c.list_datasets_by_organization_id("org", 1)
    )
    assert request.type == 1
    request = fake.request("RenameDataset", lambda c: c.rename_dataset("d1", "m"))
    assert (request.id, request.name) == ("d1", "m")
    request = fake.request("DeleteDataset", lambda c: c.delete_dataset("d1"))
    assert request.id == "d1"
    result, request, _ = fake.unary(
        "MergeDatasets",
        lambda c: c.merge_datasets("m", "org", ["a", "b"]),
        dataset_pb2.MergeDatasetsResponse(dataset_id="d3"),
    )
    assert result == "d3" and list(request.dataset_ids) == ["a", "b"] and request.name == "m"


def test_dataset_membership(fake):
    request = fake.request(
        "AddBinaryDataToDatasetByIDs", lambda c: c.add_binary_data_to_dataset_by_ids([ID1, BID], "d")
    )
    assert (
        list(request.binary_data_ids) == [ID1]
        and list(request.binary_ids) == [BID]
        and request.dataset_id == "d"
    )
    request = fake.request(
        "RemoveBinaryDataFromDatasetByIDs", lambda c: c.remove_binary_data_from_dataset_by_ids([ID2], "d")
    )
    assert list(request.binary_data_ids) == [ID2] and not request.binary_ids


def test_signed_url(fake):
    response = data_pb2.CreateBinaryDataSignedURLResponse(signed_url="https://x", expires_at=ts(100))
    result, request, _ = fake.unary(
        "CreateBinaryDataSignedURL", lambda c: c.create_binary_data_signed_url(ID1), response
    )
    assert result == ("https://x", dt.datetime(1970, 1, 1, 0, 1, 40, tzinfo=UTC))
    assert not request.HasField("expiration_minutes")
    request = fake.request("CreateBinaryDataSignedURL", lambda c: c.create_binary_data_signed_url(ID1, 60))
    assert request.expiration_minutes == 60


def test_per_call_timeout_is_accepted(fake):
    result = fake.unary("TagsByFilter", lambda c: c.tags_by_filter(timeout=3.0))[0]
    assert result == []
