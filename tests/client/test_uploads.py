"""Uploads: request shapes, chunking, sources, progress, replayability."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from viam_data_sync._convert import any_map_to_params, struct_to_dict
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync._upload import DEFAULT_CHUNK_SIZE, UploadSource

from .conftest import METHODS, Pending

UTC = dt.timezone.utc
T1 = dt.datetime(2023, 6, 5, 11)  # naive: UTC
T2 = dt.datetime(2023, 6, 5, 11, 0, 3, tzinfo=UTC)
FILE_RESPONSE = data_sync_pb2.FileUploadResponse(file_id="fid", binary_data_id="org/part/bid")
STREAM_RESPONSE = data_sync_pb2.StreamingDataCaptureUploadResponse(
    file_id="fid", binary_data_id="org/part/sid"
)


def data_of(requests, field):
    return b"".join(getattr(r, field).data if field == "file_contents" else r.data for r in requests[1:])


# ---------------------------------------------------------------------- DataCaptureUpload
def test_binary_data_capture_upload(fake):
    response = data_sync_pb2.DataCaptureUploadResponse(file_id="f", binary_data_id="org/part/b")
    result, request, metadata = fake.unary(
        "DataCaptureUpload",
        lambda c: c.binary_data_capture_upload(
            b"img",
            "part",
            "camera",
            "cam",
            "GetImages",
            "jpg",
            {"p": 1},
            ["t1"],
            (T1, T2),
            ["ds"],
            "image/jpeg",
        ),
        response,
    )
    assert result == "org/part/b"
    md = request.metadata
    assert (md.part_id, md.component_type, md.component_name, md.method_name) == (
        "part",
        "camera",
        "cam",
        "GetImages",
    )
    assert md.type == data_sync_pb2.DATA_TYPE_BINARY_SENSOR
    assert md.file_extension == ".jpg" and md.file_name == ""
    assert list(md.tags) == ["t1"] and list(md.dataset_ids) == ["ds"] and md.mime_type == "image/jpeg"
    assert any_map_to_params(md.method_parameters) == {"p": 1.0}
    (sensor,) = request.sensor_contents
    assert sensor.binary == b"img"
    assert sensor.metadata.time_requested.seconds == 1685962800  # naive taken as UTC
    assert sensor.metadata.time_received.seconds == 1685962803
    assert metadata["authorization"].startswith("Bearer ")


def test_binary_data_capture_upload_without_times_matches_official_sensor_bytes(fake):
    request = fake.request(
        "DataCaptureUpload", lambda c: c.binary_data_capture_upload(b"ab", "p", "t", "n", "m", ".png")
    )
    (sensor,) = request.sensor_contents
    assert sensor.SerializeToString() == bytes.fromhex("1a026162")
    assert request.metadata.file_extension == ".png"


def test_tabular_data_capture_upload_returns_file_id(fake):
    response = data_sync_pb2.DataCaptureUploadResponse(file_id="file-1")
    result, request, _ = fake.unary(
        "DataCaptureUpload",
        lambda c: c.tabular_data_capture_upload(
            [{"readings": {"a": 1, "n": None}}, {"readings": {"a": [1, 2]}}],
            "p",
            "rdk:component:sensor",
            "s",
            "Readings",
            [(T1, T2), None],
            tags=["x"],
        ),
        response,
    )
    assert result == "file-1"
    md = request.metadata
    assert md.type == data_sync_pb2.DATA_TYPE_TABULAR_SENSOR and list(md.tags) == ["x"]
    assert md.file_extension == "" and not md.dataset_ids and md.mime_type == ""
    first, second = request.sensor_contents
    assert struct_to_dict(first.struct) == {"readings": {"a": 1.0, "n": None}}
    assert first.metadata.time_requested.seconds == 1685962800
    assert not second.HasField("metadata")
    assert struct_to_dict(second.struct) == {"readings": {"a": [1.0, 2.0]}}


# ---------------------------------------------------------------------- StreamingDataCaptureUpload
def test_streaming_first_message_matches_official_bytes(fake):
    result, requests, _ = fake.stream(
        "StreamingDataCaptureUpload",
        lambda c: c.streaming_data_capture_upload(b"", "p", "png"),
        STREAM_RESPONSE,
    )
    assert result == "org/part/sid"
    assert requests[0].SerializeToString() == bytes.fromhex(
        "0a0f0a0b0a0170300 14a042e706e671200".replace(" ", "")
    )
    assert len(requests) == 2 and requests[1].SerializeToString() == bytes.fromhex("1200")


def test_streaming_upload_is_chunked(fake):
    payload = bytes(range(256)) * (DEFAULT_CHUNK_SIZE * 4 // 256 - 96)  # 3 full chunks + a partial one
    seen = []
    result, requests, metadata = fake.stream(
        "StreamingDataCaptureUpload",
        lambda c: c.streaming_data_capture_upload(
            payload,
            "p",
            ".pcd",
            "camera",
            "lidar",
            "NextPointCloud",
            {"k": "v"},
            (T1, T2),
            ["t"],
            ["ds"],
            "application/pcd",
            progress=lambda sent, total: seen.append((sent, total)),
        ),
        STREAM_RESPONSE,
    )
    first = requests[0].metadata
    assert first.upload_metadata.part_id == "p" and first.upload_metadata.file_extension == ".pcd"
    assert first.upload_metadata.mime_type == "application/pcd" and list(
        first.upload_metadata.dataset_ids
    ) == ["ds"]
    assert first.sensor_metadata.time_requested.seconds == 1685962800
    n = len(payload)
    assert [len(r.data) for r in requests[1:]] == [DEFAULT_CHUNK_SIZE] * 3 + [n - 3 * DEFAULT_CHUNK_SIZE]
    assert data_of(requests, "data") == payload
    assert seen[-1] == (n, n) and len(seen) == 4
    assert metadata["authorization"].startswith("Bearer ")


def test_streaming_from_iterator_rechunks(fake):
    pieces = [b"a" * 10, b"b" * 100_000, b"", b"c" * 5]
    _, requests, _ = fake.stream(
        "StreamingDataCaptureUpload",
        lambda c: c.streaming_data_capture_upload(iter(pieces), "p", "bin", chunk_size=40_000),
        STREAM_RESPONSE,
    )
    assert [len(r.data) for r in requests[1:]] == [40_000, 40_000, 20_015]
    assert data_of(requests, "data") == b"".join(pieces)


# ---------------------------------------------------------------------- FileUpload
def test_file_upload_sends_mime_type_and_chunks(fake):
    payload = b"z" * (DEFAULT_CHUNK_SIZE + 1)
    result, requests, _ = fake.stream(
        "FileUpload",
        lambda c: c.file_upload(
            "p", payload, "ct", "cn", "mn", "name", {"a": True}, "txt", ["t"], ["d"], "text/plain"
        ),
        FILE_RESPONSE,
    )
    assert result == "org/part/bid"
    md = requests[0].metadata
    assert requests[0].WhichOneof("upload_packet") == "metadata"
    assert (md.part_id, md.component_type, md.component_name, md.method_name, md.file_name) == (
        "p",
        "ct",
        "cn",
        "mn",
        "name",
    )
    assert md.type == data_sync_pb2.DATA_TYPE_FILE and md.file_extension == ".txt"
    assert md.mime_type == "text/plain" and list(md.tags) == ["t"] and list(md.dataset_ids) == ["d"]
    assert [len(r.file_contents.data) for r in requests[1:]] == [DEFAULT_CHUNK_SIZE, 1]
    assert data_of(requests, "file_contents") == payload


def test_file_upload_empty_still_sends_a_data_message(fake):
    _, requests, _ = fake.stream("FileUpload", lambda c: c.file_upload("p", b""), FILE_RESPONSE)
    assert [r.SerializeToString() for r in requests[1:]] == [bytes.fromhex("1200")]
    md = requests[0].metadata
    assert (md.file_name, md.file_extension, md.mime_type) == ("", "", "")


def test_file_upload_from_path_streams_the_file(fake, tmp_path):
    path = tmp_path / "a.tar.gz"
    payload = b"q" * (2 * DEFAULT_CHUNK_SIZE + 20_000)  # 3 chunks
    path.write_bytes(payload)
    _, requests, _ = fake.stream(
        "FileUpload",
        lambda c: c.file_upload_from_path(str(path), "p", tags=["x"], mime_type="application/gzip"),
        FILE_RESPONSE,
    )
    md = requests[0].metadata
    assert (md.file_name, md.file_extension, md.mime_type) == ("a.tar", ".gz", "application/gzip")
    assert len(requests) == 1 + 3 and data_of(requests, "file_contents") == payload


def test_upload_helper_from_file_object_uses_its_name(fake, tmp_path):
    path = tmp_path / "log.txt"
    path.write_bytes(b"hello")
    with open(path, "rb") as handle:
        _, requests, _ = fake.stream("FileUpload", lambda c: c.upload(handle, "p", tags=["l"]), FILE_RESPONSE)
    md = requests[0].metadata
    assert (md.file_name, md.file_extension, list(md.tags)) == ("log", ".txt", ["l"])
    assert data_of(requests, "file_contents") == b"hello"


def test_upload_helper_from_generator(fake):
    def produce():
        for i in range(5):
            yield bytes([i]) * 30_000

    seen = []
    _, requests, _ = fake.stream(
        "FileUpload",
        lambda c: c.upload(
            produce(),
            "p",
            file_name="gen",
            file_extension="bin",
            dataset_ids=["d"],
            progress=lambda s, t: seen.append((s, t)),
        ),
        FILE_RESPONSE,
    )
    assert requests[0].metadata.file_extension == ".bin" and requests[0].metadata.file_name == "gen"
    assert data_of(requests, "file_contents") == b"".join(bytes([i]) * 30_000 for i in range(5))
    assert seen[-1] == (150_000, None)


def test_source_exception_reaches_the_caller_as_itself(fake):
    class Boom(Exception):
        pass

    def produce():
        yield b"x" * 10
        raise Boom("disk gone")

    pending = Pending(lambda: fake.client.upload(produce(), "p"))
    fake.channel.take_stream_unary(METHODS["FileUpload"])
    with pytest.raises(Boom, match="disk gone"):
        pending.result()


@pytest.mark.parametrize(
    "make, replayable",
    [
        (lambda tmp: b"abc", True),
        (lambda tmp: bytearray(b"abc"), True),
        (lambda tmp: memoryview(b"abc"), True),
        (lambda tmp: io.BytesIO(b"abc"), True),
        (lambda tmp: iter([b"abc"]), False),
    ],
)
def test_replayable_is_passed_to_the_call_layer(fake, monkeypatch, make, replayable, tmp_path):
    seen = {}

    def spy(rpc, factory, *, replayable, timeout):
        seen["replayable"] = replayable
        seen["data"] = b"".join(r.file_contents.data for r in list(factory())[1:])
        if replayable:  # a second attempt reads the same bytes again
            assert b"".join(r.file_contents.data for r in list(factory())[1:]) == seen["data"]
        return FILE_RESPONSE

    monkeypatch.setattr(fake.client._caller, "call", spy)
    assert fake.client.file_upload("p", make(tmp_path)) == "org/part/bid"
    assert seen == {"replayable": replayable, "data": b"abc"}


def test_path_and_seekable_file_sources_replay_from_their_start(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"0123456789")
    source = UploadSource(path, chunk_size=4)
    assert source.replayable and source.total == 10
    assert list(source.chunks()) == [b"0123", b"4567", b"89"] == list(source.chunks())
    handle = open(path, "rb")
    handle.read(3)
    source = UploadSource(handle, chunk_size=4)
    assert source.replayable and source.total == 7
    assert b"".join(source.chunks()) == b"3456789" == b"".join(source.chunks())
    handle.close()


def test_iterator_source_is_single_use_and_lazy():
    pulled = []

    def produce():
        for i in range(100):
            pulled.append(i)
            yield b"x" * 1000

    source = UploadSource(produce(), chunk_size=2000)
    chunks = source.chunks()
    assert next(chunks) == b"x" * 2000
    assert len(pulled) == 2  # constant memory: reads only what one chunk needs
    list(chunks)
    with pytest.raises(ValueError):
        list(source.chunks())


def test_bad_upload_sources_are_refused(tmp_path):
    with pytest.raises(TypeError, match="not str"):
        UploadSource("some text")
    with pytest.raises(TypeError, match="binary mode"):
        UploadSource(io.StringIO("x"))
    with pytest.raises(TypeError):
        UploadSource(12)
    with pytest.raises(FileNotFoundError):
        UploadSource(tmp_path / "missing")
    with pytest.raises(IsADirectoryError):
        UploadSource(tmp_path)
    with pytest.raises(ValueError):
        UploadSource(b"x", chunk_size=0)
    with pytest.raises(TypeError):
        list(UploadSource(iter(["text"])).chunks())
