"""Sequence calls: exact requests (optional fields only when given) and responses."""
from __future__ import annotations

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
