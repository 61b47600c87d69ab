"""Bad input is refused before anything is sent."""

from __future__ import annotations

import datetime as dt

import pytest

from viam_data_sync import create_filter
from viam_data_sync.proto import BinaryID

T = dt.datetime(2024, 1, 1)

CASES = [
    (ValueError, lambda c: c.binary_data_by_ids([])),
    (TypeError, lambda c: c.binary_data_by_ids("org/part/id")),
    (ValueError, lambda c: c.binary_data_by_ids([""])),
    (TypeError, lambda c: c.binary_data_by_ids([42])),
    (ValueError, lambda c: c.binary_data_by_ids([BinaryID()])),
    (ValueError, lambda c: c.delete_binary_data_by_ids([])),
    (ValueError, lambda c: c.add_tags_to_binary_data_by_ids([], ["a"])),
    (ValueError, lambda c: c.add_tags_to_binary_data_by_ids(["t"], [])),
    (TypeError, lambda c: c.add_tags_to_binary_data_by_ids("tag", ["a"])),
    (ValueError, lambda c: c.remove_tags_from_binary_data_by_ids(["t"], [])),
    (ValueError, lambda c: c.add_tags_to_binary_data_by_filter([])),
    (ValueError, lambda c: c.remove_tags_from_binary_data_by_filter([""])),
    (ValueError, lambda c: c.add_binary_data_to_dataset_by_ids([], "d")),
    (ValueError, lambda c: c.remove_binary_data_from_dataset_by_ids([], "d")),
    (ValueError, lambda c: c.add_binary_data_to_dataset_by_ids(["a"], "")),
    (ValueError, lambda c: c.list_dataset_by_ids([])),
    (ValueError, lambda c: c.merge_datasets("n", "o", [])),
    (ValueError, lambda c: c.add_bounding_box_to_image_by_id("a", "l", -0.1, 0, 1, 1)),
    (ValueError, lambda c: c.add_bounding_box_to_image_by_id("a", "l", 0, 0, 1.5, 1)),
    (ValueError, lambda c: c.add_bounding_box_to_image_by_id("a", "l", 0.5, 0, 0.5, 1)),
    (ValueError, lambda c: c.add_bounding_box_to_image_by_id("a", "l", 0, 0.9, 1, 0.1)),
    (ValueError, lambda c: c.add_bounding_box_to_image_by_id("a", "l", 0, 0, 1, 1, confidence_score=2)),
    (TypeError, lambda c: c.add_bounding_box_to_image_by_id("a", "l", "0", 0, 1, 1)),
    (ValueError, lambda c: c.update_bounding_box("a", "b", x_min_normalized=0.6, x_max_normalized=0.5)),
    (ValueError, lambda c: c.update_bounding_box("a", "b", y_max_normalized=1.01)),
    (ValueError, lambda c: c.tabular_data_capture_upload([{"a": 1}], "p", "t", "n", "m", [])),
    (ValueError, lambda c: c.tabular_data_capture_upload([], "p", "t", "n", "m", [])),
    (TypeError, lambda c: c.tabular_data_capture_upload({"a": 1}, "p", "t", "n", "m", [(T, T)])),
    (TypeError, lambda c: c.tabular_data_capture_upload([{"a": object()}], "p", "t", "n", "m", [(T, T)])),
    (TypeError, lambda c: c.tabular_data_capture_upload([{"a": 1}], "p", "t", "n", "m", [("x", T)])),
    (ValueError, lambda c: c.binary_data_capture_upload(b"x", "p", "t", "n", "m", "")),
    (TypeError, lambda c: c.binary_data_capture_upload("text", "p", "t", "n", "m", ".txt")),
    (
        TypeError,
        lambda c: c.binary_data_capture_upload(b"x", "p", "t", "n", "m", ".png", data_request_times=["ds"]),
    ),
    (ValueError, lambda c: c.binary_data_capture_upload(b"x", "", "t", "n", "m", ".png")),
    (ValueError, lambda c: c.streaming_data_capture_upload(b"x", "p", "")),
    (TypeError, lambda c: c.streaming_data_capture_upload("text", "p", ".txt")),
    (FileNotFoundError, lambda c: c.file_upload_from_path("/no/such/file.txt", "p")),
    (TypeError, lambda c: c.file_upload("p", "a string is not bytes")),
    (ValueError, lambda c: c.file_upload("p", b"x", chunk_size=0)),
    (TypeError, lambda c: c.tabular_data_by_filter(limit="5")),
    (ValueError, lambda c: c.tabular_data_by_filter(limit=-1)),
    (ValueError, lambda c: c.tabular_data_by_filter(sort_order=9)),
    (TypeError, lambda c: c.tabular_data_by_filter(filter="component_name=x")),
    (TypeError, lambda c: c.tabular_data_by_mql("o", {"$match": {}})),
    (TypeError, lambda c: c.tabular_data_by_mql("o", [42])),
    (ValueError, lambda c: c.tabular_data_by_mql("o", [], tabular_data_source_type=3)),
    (ValueError, lambda c: c.tabular_data_by_mql("o", [], tabular_data_source_type=1, pipeline_id="p")),
    (TypeError, lambda c: c.tabular_data_by_mql("o", [], query=[], mql_binary=[])),
    (ValueError, lambda c: c.tabular_data_by_sql("", "SELECT 1")),
    (
        ValueError,
        lambda c: c.export_tabular_data("p", "r", "a", "m", dt.datetime(2024, 2, 1), dt.datetime(2024, 1, 1)),
    ),
    (ValueError, lambda c: c.export_tabular_data("", "r", "a", "m")),
    (TypeError, lambda c: c.get_latest_tabular_data("p", "r", "a", "m", {"x": object()})),
    (ValueError, lambda c: c.delete_tabular_data("o", -1)),
    (TypeError, lambda c: c.delete_tabular_data("o", 1.5)),
    (ValueError, lambda c: c.create_binary_data_signed_url("id", 0)),
    (ValueError, lambda c: c.create_binary_data_signed_url("id", 10081)),
    (ValueError, lambda c: c.create_dataset("n", "o", type=7)),
    (ValueError, lambda c: c.rename_dataset("", "n")),
]


@pytest.mark.parametrize("error, call", CASES)
def test_bad_input_is_refused_before_sending(fake, error, call):
    with pytest.raises(error):
        call(fake.client)
    assert fake.nothing_sent()


def test_create_filter_validation():
    with pytest.raises(TypeError, match="list of strings"):
        create_filter(location_ids="loc-1")
    with pytest.raises(TypeError):
        create_filter(component_name=3)
    with pytest.raises(TypeError):
        create_filter(start_time="2024-01-01")
    with pytest.raises(ValueError):
        create_filter(
            start_time=dt.datetime(2024, 2, 1), end_time=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
        )


def test_deprecated_static_create_filter_delegates():
    from viam_data_sync import DataClient

    with pytest.deprecated_call():
        f = DataClient.create_filter(component_name="c", tags=["t"], dataset_id="d")
    assert f == create_filter(component_name="c", tags=["t"], dataset_id="d")
    assert list(f.tags_filter.tags) == ["t"] and f.dataset_id == "d"


def test_constructor_validation():
    import grpc

    from viam_data_sync import DataClient

    with pytest.raises(TypeError):
        DataClient(None)
    channel = grpc.insecure_channel("localhost:1")
    try:
        with pytest.raises(TypeError):
            DataClient(channel, {"authorization": 5})
        with pytest.raises(TypeError):
            DataClient(channel, retry="no")
        with pytest.raises(ValueError):
            DataClient(channel, timeout=0)
    finally:
        channel.close()


# The same mistake raises the same exception in every method (one set of checks,
# _checks.py): a value of the wrong type is a TypeError, an empty one a ValueError.
# iter_export_tabular and iter_mql used to raise ValueError for a non-string.
SAME_MISTAKE = [
    lambda c, v: c.export_tabular_data(v, "r", "a", "m"),
    lambda c, v: c.iter_export_tabular(v, "r", "a", "m"),
    lambda c, v: c.iter_mql(v, [{"$match": {}}]),
    lambda c, v: c.tabular_data_by_sql(v, "SELECT 1"),
    lambda c, v: c.tabular_data_by_mql(v, [{"$match": {}}]),
    lambda c, v: c.get_database_connection(v),
    lambda c, v: c.list_data_pipelines(v),
    lambda c, v: c.list_datasets_by_organization_id(v),
    lambda c, v: c.delete_tabular_data(v, 1),
]


@pytest.mark.parametrize("call", SAME_MISTAKE)
@pytest.mark.parametrize("value, error", [(42, TypeError), (None, TypeError), ("", ValueError)])
def test_the_same_mistake_raises_the_same_exception_everywhere(fake, call, value, error):
    with pytest.raises(error):
        call(fake.client, value)
    assert fake.nothing_sent()
