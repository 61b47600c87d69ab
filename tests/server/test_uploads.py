"""Streamed uploads: chunking, ordering rules, limits, cancellation, crash safety."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any, Iterator, List

import grpc
import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync.server import LocalDataServer

from .conftest import TIMEOUT, Api, code_of, make_api, remote_server, start_server_process


def _wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


def _tmp_files(server_store_dir: str) -> List[str]:
    tmp = os.path.join(server_store_dir, "tmp")
    return os.listdir(tmp) if os.path.isdir(tmp) else []


def _blob_files(blob_dir: str) -> List[str]:
    out = []
    for entry in os.listdir(blob_dir):
        sub = os.path.join(blob_dir, entry)
        if entry != "tmp" and os.path.isdir(sub):
            out.extend(os.listdir(sub))
    return sorted(out)


def test_file_upload_many_chunks(api: Api) -> None:
    chunks = [bytes([i % 251]) * 1000 for i in range(300)]
    response = api.file_upload(chunks, file_name="log", file_extension=".txt", tags=["f"])
    assert (
        response.binary_data_id.count("/") == 2 and response.file_id == response.binary_data_id.split("/")[-1]
    )
    data = api.call(
        api.data.BinaryDataByIDs,
        data_pb2.BinaryDataByIDsRequest(binary_data_ids=[response.binary_data_id], include_binary=True),
    ).data[0]
    assert data.binary == b"".join(chunks)
    assert data.metadata.file_name == "log" and data.metadata.file_ext == ".txt"
    assert data.metadata.file_size_bytes == 300_000
    assert data.metadata.capture_metadata.mime_type == "text/plain"
    assert _tmp_files(api.server.store.blob_dir) == []


def test_file_upload_with_no_chunks_is_an_empty_file(api: Api) -> None:
    response = api.file_upload([])
    meta = (
        api.call(
            api.data.BinaryDataByIDs,
            data_pb2.BinaryDataByIDsRequest(binary_data_ids=[response.binary_data_id]),
        )
        .data[0]
        .metadata
    )
    assert meta.file_size_bytes == 0


def _streaming_messages(part_id: str, chunks: List[bytes], ext: str = ".png") -> Iterator[Any]:
    md = data_sync_pb2.DataCaptureUploadMetadata(
        upload_metadata=data_sync_pb2.UploadMetadata(
            part_id=part_id,
            component_type="rdk:component:camera",
            component_name="cam",
            method_name="GetImages",
            type=data_sync_pb2.DATA_TYPE_BINARY_SENSOR,
            file_extension=ext,
        ),
        sensor_metadata=data_sync_pb2.SensorMetadata(),
    )
    yield data_sync_pb2.StreamingDataCaptureUploadRequest(metadata=md)
    for chunk in chunks:
        yield data_sync_pb2.StreamingDataCaptureUploadRequest(data=chunk)


def test_streaming_data_capture_upload(api: Api) -> None:
    chunks = [os.urandom(4096) for _ in range(50)]
    response = api.call(api.sync.StreamingDataCaptureUpload, _streaming_messages(api.part_id, chunks))
    data = api.call(
        api.data.BinaryDataByIDs,
        data_pb2.BinaryDataByIDsRequest(binary_data_ids=[response.binary_data_id], include_binary=True),
    ).data[0]
    assert data.binary == b"".join(chunks)
    assert data.metadata.capture_metadata.mime_type == "image/png"
    assert data.metadata.capture_metadata.component_name == "cam"


def test_first_message_must_be_metadata_and_only_once(api: Api) -> None:
    def data_first() -> Iterator[Any]:
        yield data_sync_pb2.FileUploadRequest(file_contents=data_sync_pb2.FileData(data=b"x"))

    def metadata_twice() -> Iterator[Any]:
        md = data_sync_pb2.UploadMetadata(part_id=api.part_id)
        yield data_sync_pb2.FileUploadRequest(metadata=md)
        yield data_sync_pb2.FileUploadRequest(file_contents=data_sync_pb2.FileData(data=b"x"))
        yield data_sync_pb2.FileUploadRequest(metadata=md)

    def empty() -> Iterator[Any]:
        return iter(())

    for messages in (data_first(), metadata_twice(), empty()):
        with pytest.raises(grpc.RpcError) as excinfo:
            api.call(api.sync.FileUpload, messages)
        assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    twice = list(_streaming_messages(api.part_id, [b"a"]))
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(api.sync.StreamingDataCaptureUpload, iter(twice + twice[:1]))
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(api.sync.StreamingDataCaptureUpload, _streaming_messages("unknown-part", [b"a"]))
    assert code_of(excinfo) == grpc.StatusCode.NOT_FOUND
    assert api.binary_by_filter(count_only=True).count == 0
    assert _tmp_files(api.server.store.blob_dir) == []


def test_upload_size_limit() -> None:
    with LocalDataServer(max_upload_bytes=10_000) as server, grpc.insecure_channel(server.address) as channel:
        api = make_api(server, channel)
        api.file_upload([b"x" * 5000, b"y" * 5000])
        with pytest.raises(grpc.RpcError) as excinfo:
            api.file_upload([b"x" * 5000, b"y" * 5001])
        assert code_of(excinfo) == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert api.binary_by_filter(count_only=True).count == 1
        _wait_for(lambda: _tmp_files(server.store.blob_dir) == [])


class _Blocking:
    """A request iterator that sends metadata and ``n`` chunks, then waits until released."""

    def __init__(self, first: Any, chunk: Any, n: int) -> None:
        self.first, self.chunk, self.n = first, chunk, n
        self.release = threading.Event()

    def __iter__(self) -> Iterator[Any]:
        yield self.first
        for _ in range(self.n):
            yield self.chunk
        self.release.wait(20)


def _file_upload_stream(part_id: str, n: int) -> _Blocking:
    return _Blocking(
        data_sync_pb2.FileUploadRequest(
            metadata=data_sync_pb2.UploadMetadata(part_id=part_id, file_name="partial")
        ),
        data_sync_pb2.FileUploadRequest(file_contents=data_sync_pb2.FileData(data=b"z" * 10_000)),
        n,
    )


def test_cancelled_upload_leaves_nothing_and_restart_keeps_committed(tmp_path: Any) -> None:
    db = str(tmp_path / "store.db")
    server = LocalDataServer(db).start()
    try:
        with grpc.insecure_channel(server.address) as channel:
            api = make_api(server, channel)
            api.upload_tabular([{"i": i} for i in range(20)])
            kept = api.upload_binary(b"kept")
            stream = _file_upload_stream(server.part_id, 25)
            future = api.sync.FileUpload.future(iter(stream), metadata=api.metadata, timeout=TIMEOUT)
            blob_dir = server.store.blob_dir
            tmp = os.path.join(blob_dir, "tmp")
            _wait_for(lambda: any(os.path.getsize(os.path.join(tmp, f)) >= 250_000 for f in os.listdir(tmp)))
            future.cancel()
            stream.release.set()
            _wait_for(lambda: _tmp_files(blob_dir) == [])
            assert api.all_binary_ids() == [kept]
    finally:
        server.stop()
    with LocalDataServer(db) as reopened, grpc.insecure_channel(reopened.address) as channel:
        assert reopened.organization_id == server.organization_id and reopened.part_id == server.part_id
        api = make_api(reopened, channel)
        assert api.tabular_by_filter(count_only=True).count == 20
        assert api.all_binary_ids() == [kept]
        assert _blob_files(reopened.store.blob_dir) == [kept.split("/")[-1]]


def test_deadline_mid_upload_leaves_nothing(api: Api) -> None:
    stream = _file_upload_stream(api.part_id, 3)
    with pytest.raises(grpc.RpcError) as excinfo:
        api.sync.FileUpload(iter(stream), metadata=api.metadata, timeout=0.5)
    stream.release.set()
    assert code_of(excinfo) == grpc.StatusCode.DEADLINE_EXCEEDED
    _wait_for(lambda: _tmp_files(api.server.store.blob_dir) == [])
    assert api.binary_by_filter(count_only=True).count == 0


def test_sigkill_mid_upload_then_reopen(tmp_path: Any) -> None:
    db = str(tmp_path / "killed.db")
    proc, info = start_server_process(db)
    try:
        with grpc.insecure_channel(info["address"]) as channel:
            api = make_api(remote_server(info), channel)
            api.upload_tabular([{"i": i} for i in range(50)])
            kept = api.upload_binary(b"committed")
            stream = _file_upload_stream(info["part_id"], 20)
            future = api.sync.FileUpload.future(iter(stream), metadata=api.metadata, timeout=TIMEOUT)
            tmp = db + ".blobs/tmp"
            _wait_for(lambda: any(os.path.getsize(os.path.join(tmp, f)) >= 100_000 for f in os.listdir(tmp)))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            stream.release.set()
            with pytest.raises(grpc.RpcError):
                future.result(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert os.listdir(db + ".blobs/tmp")  # the crash really left a partial file behind
    with LocalDataServer(db) as reopened, grpc.insecure_channel(reopened.address) as channel:
        assert reopened.organization_id == info["organization_id"]
        api = make_api(reopened, channel)
        assert api.tabular_by_filter(count_only=True).count == 50
        assert api.all_binary_ids() == [kept]
        assert _tmp_files(reopened.store.blob_dir) == []
        assert _blob_files(reopened.store.blob_dir) == [kept.split("/")[-1]]


def test_main_exits_cleanly_on_sigterm(tmp_path: Any) -> None:
    proc, info = start_server_process(str(tmp_path / "term.db"))
    try:
        assert info["address"].startswith("127.0.0.1:") and info["api_key"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
