"""Sequence calls: exact requests (optional fields only when given) and responses."""
from __future__ import annotations

import datetime

import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2


def test_add_and_remove_sequences(fake):
    request = fake.request("AddSequencesToDataset", lambda c: c.add_sequences_to_dataset("ds", ["s1", "s2"]))
    assert (request.dataset_id, list(request.sequence_ids)) == ("ds", ["s1", "s2"])
    request = fake.request("RemoveSequencesFromDataset", lambda c: c.remove_sequences_from_dataset("ds", ["s1"]))
    assert list(request.sequence_ids) == ["s1"]


def test_sequences_by_dataset_id_sets_optionals_only_when_given(fake):
    seq = data_pb2.Sequence(id="s1", part_id="p")
    result, request, _ = fake.unary(
        "SequencesByDatasetID", lambda c: c.sequences_by_dataset_id("ds"),
        data_pb2.SequencesByDatasetIDResponse(sequences=[seq], next_page_token="t", count=7))
    assert request.SerializeToString() == data_pb2.SequencesByDatasetIDRequest(dataset_id="ds").SerializeToString()
    assert [s.id for s in result[0]] == ["s1"] and result[1:] == ("t", 7)
    request = fake.request("SequencesByDatasetID",
                           lambda c: c.sequences_by_dataset_id("ds", "t", 5, True, 30))
    assert (request.page_token, request.page_size, request.count_only) == ("t", 5, True)


def test_get_sequence_binary_data_and_exports(fake):
    item = data_pb2.BinaryData(binary=b"x")
    result, request, _ = fake.unary("GetSequenceBinaryData", lambda c: c.get_sequence_binary_data("s1", page_size=3),
                                    data_pb2.GetSequenceBinaryDataResponse(data=[item], next_page_token="n"))
    assert (request.sequence_id, request.page_size, request.page_token) == ("s1", 3, "")
    assert result[0][0].binary == b"x" and result[1] == "n"
    job, request, _ = fake.unary("StartSequenceDatasetExport", lambda c: c.start_sequence_dataset_export("ds"),
                                 dataset_pb2.StartSequenceDatasetExportResponse(job_id="j1"))
    assert job == "j1" and request.dataset_id == "ds"
    state, request, _ = fake.unary(
        "GetSequenceDatasetExport", lambda c: c.get_sequence_dataset_export("j1"),
        dataset_pb2.GetSequenceDatasetExportResponse(
            job_id="j1", status=dataset_pb2.SEQUENCE_DATASET_EXPORT_STATUS_COMPLETED, download_url="https://x"))
    assert request.job_id == "j1" and state.download_url == "https://x"


@pytest.mark.parametrize("call", [
    lambda c: c.add_sequences_to_dataset("ds", []),
    lambda c: c.add_sequences_to_dataset("", ["s"]),
    lambda c: c.remove_sequences_from_dataset("ds", "s1"),
    lambda c: c.sequences_by_dataset_id("ds", page_size=0),
    lambda c: c.get_sequence_binary_data(""),
    lambda c: c.get_sequence_dataset_export(""),
])
def test_bad_sequence_calls_refused_before_sending(fake, call):
    with pytest.raises((ValueError, TypeError)):
        call(fake.client)
    assert fake.nothing_sent()


T0 = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
T1 = T0.replace(hour=1)
CAM = data_pb2.SequenceResourceFilter(resource_name="camera-1", method_name="ReadImage")


def test_create_sequence(fake):
    result, request, _ = fake.unary("CreateSequence", lambda c: c.create_sequence("part", [CAM], T0, T1),
                                    data_pb2.CreateSequenceResponse(id="s1"))
    assert result == "s1"
    expected = data_pb2.CreateSequenceRequest(part_id="part", resources=[CAM])
    expected.start_time.FromDatetime(T0)
    expected.end_time.FromDatetime(T1)
    assert request.SerializeToString() == expected.SerializeToString()
    request = fake.request("CreateSequence", lambda c: c.create_sequence("part", [CAM], T0, T1, ["a", "b"]))
    assert list(request.sequence_tags) == ["a", "b"]


def test_create_sequence_accepts_the_official_sdks_resource_messages(fake):
    official = pytest.importorskip("viam.proto.app.data")
    resource = official.SequenceResourceFilter(resource_name="camera-1")
    request = fake.request("CreateSequence", lambda c: c.create_sequence("part", [resource], T0, T1))
    assert [r.resource_name for r in request.resources] == ["camera-1"]


def test_get_delete_and_list_sequences(fake):
    seq = data_pb2.Sequence(id="s1", part_id="p", sequence_tags=["x"])
    got, request, _ = fake.unary("GetSequence", lambda c: c.get_sequence("s1"), data_pb2.GetSequenceResponse(sequence=seq))
    assert request.id == "s1" and got.id == "s1" and list(got.sequence_tags) == ["x"]
    request = fake.request("DeleteSequence", lambda c: c.delete_sequence("s1"))
    assert request.id == "s1"
    result, request, _ = fake.unary("ListSequences", lambda c: c.list_sequences("org"),
                                    data_pb2.ListSequencesResponse(sequences=[seq], next_page_token="n"))
    assert request.SerializeToString() == data_pb2.ListSequencesRequest(organization_id="org").SerializeToString()
    assert [s.id for s in result[0]] == ["s1"] and result[1] == "n"
    request = fake.request("ListSequences", lambda c: c.list_sequences("org", "n", 7))
    assert (request.page_token, request.page_size) == ("n", 7)


@pytest.mark.parametrize("kwargs, paths", [
    ({"sequence_tags": []}, ["sequence_tags"]),
    ({"resources": [CAM], "end_time": T1}, ["resources", "end_time"]),
    ({"resources": [CAM], "sequence_tags": ["a"], "start_time": T0, "end_time": T1},
     ["resources", "sequence_tags", "start_time", "end_time"]),
])
def test_update_sequence_field_mask_names_the_arguments_given(fake, kwargs, paths):
    request = fake.request("UpdateSequence", lambda c: c.update_sequence("s1", **kwargs))
    assert request.id == "s1" and list(request.field_mask.paths) == paths
    assert request.HasField("start_time") == ("start_time" in kwargs)
    if "resources" in kwargs:
        assert list(request.resources) == [CAM]


@pytest.mark.parametrize("call, error", [
    (lambda c: c.update_sequence("s1"), ValueError),
    (lambda c: c.update_sequence("s1", start_time=T1, end_time=T0), ValueError),
    (lambda c: c.update_sequence("s1", sequence_tags="a"), TypeError),
    (lambda c: c.create_sequence("part", CAM, T0, T1), TypeError),
    (lambda c: c.create_sequence("part", [CAM], T1, T0), ValueError),
    (lambda c: c.create_sequence("part", [CAM], "2025-01-01", T1), TypeError),
    (lambda c: c.create_sequence("", [CAM], T0, T1), ValueError),
    (lambda c: c.create_sequence("part", ["camera-1"], T0, T1), TypeError),
    (lambda c: c.get_sequence(""), ValueError),
    (lambda c: c.delete_sequence(None), TypeError),
    (lambda c: c.list_sequences("org", page_size=0), ValueError),
])
def test_bad_new_sequence_calls_refused_before_sending(fake, call, error):
    with pytest.raises(error):
        call(fake.client)
    assert fake.nothing_sent()
