"""The sequence and pipeline enable/disable calls of DataClient against the real local
server: what is stored comes back."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import zipfile
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest

from viam_data_sync import DataClient, NotFound
from viam_data_sync.proto import SequenceResourceFilter

server_module = pytest.importorskip("viam_data_sync.server")
LocalDataServer = server_module.LocalDataServer

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CAM = SequenceResourceFilter(resource_name="camera-1")


@pytest.fixture(scope="module")
def server():
    with LocalDataServer() as srv:
        yield srv


@pytest.fixture
def client(server):
    with DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True,
                                 timeout=20) as data_client:
        yield data_client


def upload_image(client, server, seconds, name="camera-1", payload=b"img"):
    when = T0 + dt.timedelta(seconds=seconds)
    return client.binary_data_capture_upload(payload, server.part_id, "rdk:component:camera", name, "ReadImage",
                                             ".jpg", data_request_times=(when, when))


def test_create_get_update_list_delete_sequence(client, server):
    sequence_id = client.create_sequence(server.part_id, [CAM], T0, T0 + dt.timedelta(minutes=1), ["run-1"])
    got = client.get_sequence(sequence_id)
    assert (got.id, got.part_id, list(got.sequence_tags)) == (sequence_id, server.part_id, ["run-1"])
    assert got.start_time.ToDatetime(tzinfo=UTC) == T0 and [r.resource_name for r in got.resources] == ["camera-1"]
    client.update_sequence(sequence_id, sequence_tags=[], end_time=T0 + dt.timedelta(minutes=5))
    got = client.get_sequence(sequence_id)
    assert list(got.sequence_tags) == [] and got.end_time.ToDatetime(tzinfo=UTC) == T0 + dt.timedelta(minutes=5)
    assert [r.resource_name for r in got.resources] == ["camera-1"]  # not in the mask: kept
    listed = []
    token = None
    while True:
        page, token = client.list_sequences(server.organization_id, token, page_size=1)
        listed += [s.id for s in page]
        if not token:
            break
    assert sequence_id in listed and len(listed) == len(set(listed))
    client.delete_sequence(sequence_id)
    with pytest.raises(NotFound):
        client.get_sequence(sequence_id)


def test_sequence_binary_data_datasets_and_export(client, server):
    inside = upload_image(client, server, 10, payload=b"inside")
    upload_image(client, server, 3600, payload=b"later")
    upload_image(client, server, 10, name="camera-2", payload=b"other camera")
    sequence_id = client.create_sequence(server.part_id, [CAM], T0, T0 + dt.timedelta(minutes=1))
    data, token = client.get_sequence_binary_data(sequence_id)
    assert [d.binary for d in data] == [b"inside"] and token == ""
    assert data[0].metadata.binary_data_id == inside

    dataset_id = client.create_dataset("sequences-1", server.organization_id, type=1)
    client.add_sequences_to_dataset(dataset_id, [sequence_id])
    sequences, _, count = client.sequences_by_dataset_id(dataset_id)
    assert [s.id for s in sequences] == [sequence_id] and count == 1
    assert list(client.get_sequence(sequence_id).dataset_ids) == [dataset_id]
    assert client.sequences_by_dataset_id(dataset_id, count_only=True)[0] == []

    job = client.start_sequence_dataset_export(dataset_id)
    state = client.get_sequence_dataset_export(job)
    assert state.status == 2 and state.download_url.startswith("file://")
    path = url2pathname(urlparse(state.download_url).path)
    with zipfile.ZipFile(io.BytesIO(open(path, "rb").read())) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert [s["sequence"]["id"] for s in manifest["sequences"]] == [sequence_id]
        (item,) = manifest["sequences"][0]["files"]
        assert archive.read(item["path"]) == b"inside"

    client.remove_sequences_from_dataset(dataset_id, [sequence_id])
    assert client.sequences_by_dataset_id(dataset_id)[2] == 0


def test_enable_and_disable_data_pipeline(client, server):
    pipeline_id = client.create_data_pipeline(server.organization_id, "hourly-count", [{"$count": "n"}],
                                              "0 * * * *", False)
    client.disable_data_pipeline(pipeline_id)
    assert client.get_data_pipeline(pipeline_id).enabled is False
    client.enable_data_pipeline(pipeline_id)
    assert client.get_data_pipeline(pipeline_id).enabled is True
    with pytest.raises(NotFound):
        client.enable_data_pipeline("no-such-pipeline")


def test_an_export_whose_files_are_gone_is_failed_not_partial(client, server):
    upload_image(client, server, 30, name="camera-9", payload=b"soon gone")
    resource = SequenceResourceFilter(resource_name="camera-9")
    sequence_id = client.create_sequence(server.part_id, [resource], T0, T0 + dt.timedelta(minutes=1))
    dataset_id = client.create_dataset("sequences-gone", server.organization_id, type=1)
    client.add_sequences_to_dataset(dataset_id, [sequence_id])
    (item,), _ = client.get_sequence_binary_data(sequence_id)
    os.unlink(url2pathname(urlparse(item.metadata.uri).path))  # the blob file lost on disk
    state = client.get_sequence_dataset_export(client.start_sequence_dataset_export(dataset_id))
    assert state.status == 3 and state.download_url == "" and "export failed" in state.error_message
    exports = os.path.join(server.store.blob_dir, "exports")
    assert not [name for name in os.listdir(exports) if name.endswith(".tmp") or state.job_id in name]
