"""Finding 1 of the security review: no caller can starve another.

On the thread-pool server every idle call held one of the 16 worker threads, so 16
calls that never sent their request stopped the server for everyone until their
deadline. Each test here failed on that server (the first waited for its
DEADLINE_EXCEEDED; the others got no idle timeout and no per-caller bound).
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import ExitStack
from typing import Any, Iterator, List

import grpc
import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync.server import LocalDataServer

from .conftest import Api, make_api, other_org_api

AUTHENTICATE = "/proto.rpc.v1.AuthService/Authenticate"
TABULAR = "/viam.app.data.v1.DataService/TabularDataByFilter"
IDLE = 64


class _Silent:
    """A request iterator that sends ``first`` (if any), then nothing until released."""

    def __init__(self, release: threading.Event, first: Any = None) -> None:
        self.release, self.first = release, first

    def __iter__(self) -> Iterator[Any]:
        if self.first is not None:
            yield self.first
        self.release.wait(60)


def _raw(channel: grpc.Channel, method: str) -> Any:
    # Any method can be called as a client stream: the bytes on the wire are the same,
    # and a stream that sends nothing is a call whose request never comes.
    return channel.stream_unary(method, request_serializer=lambda m: m.SerializeToString())


def _upload_metadata(api: Api) -> Any:
    md = data_sync_pb2.UploadMetadata(part_id=api.part_id, type=data_sync_pb2.DATA_TYPE_FILE, file_name="idle")
    return data_sync_pb2.FileUploadRequest(metadata=md)


def _tmp_files(server: LocalDataServer) -> List[str]:
    assert server.store is not None
    return os.listdir(os.path.join(server.store.blob_dir, "tmp"))


def _wait_for(predicate: Any, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_idle_unauthenticated_calls_and_idle_uploads_starve_no_one() -> None:
    release = threading.Event()
    # All 64 uploads are one key's, and the channels of one process share one connection
    # (the caller of an Authenticate): the per-caller bound is raised so that every idle
    # call stays open and holds what it can (the bound itself is the last test's).
    with ExitStack() as stack, LocalDataServer(max_calls_per_caller=2 * IDLE) as server:
        stack.callback(release.set)
        idle: List[Any] = []
        logins: List[Any] = []
        refused: List[Any] = []
        for _ in range(IDLE):  # calls with no token that never send their request
            channel = stack.enter_context(grpc.insecure_channel(server.address))
            logins.append(_raw(channel, AUTHENTICATE).future(iter(_Silent(release)), timeout=60))
            refused.append(_raw(channel, TABULAR).future(iter(_Silent(release)), timeout=60))
        abuser = other_org_api(server, stack.enter_context(grpc.insecure_channel(server.address)))
        for _ in range(IDLE):  # authenticated uploads: the metadata, then nothing
            channel = stack.enter_context(grpc.insecure_channel(server.address))
            stream = _Silent(release, _upload_metadata(abuser))
            idle.append(_raw(channel, "/viam.app.datasync.v1.DataSyncService/FileUpload").future(
                iter(stream), metadata=abuser.metadata, timeout=60))
        _wait_for(lambda: len(_tmp_files(server)) == IDLE)  # every upload is open at the server

        # A new client, with the default key: authenticates, reads, uploads.
        with grpc.insecure_channel(server.address) as channel:
            api = make_api(server, channel)
            api.call(api.data.TabularDataByFilter, data_pb2.TabularDataByFilterRequest(), timeout=5)
            api.upload_tabular([{"x": 1}])
            assert api.tabular_by_filter(count_only=True).count == 1

        for future in refused:  # no token: refused at once, without waiting for a request
            assert future.exception(timeout=10).code() == grpc.StatusCode.UNAUTHENTICATED
        assert not any(future.done() for future in idle)  # still open: none was dropped to make room
        # Idle logins share one connection here (one process): it holds at most
        # max_anonymous_calls_per_connection of them, the oldest ended to make room.
        ended = [future for future in logins if future.done()]
        assert len(ended) >= IDLE - 4
        for future in ended:
            assert future.exception().code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "max_anonymous_calls" in future.exception().details()
        for future in idle + logins:
            future.cancel()
        _wait_for(lambda: _tmp_files(server) == [])  # the cancelled uploads left nothing


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Lets every silent request iterator end (the test's own cleanup)."""
    event = threading.Event()
    yield event
    event.set()


def test_a_call_that_sends_nothing_is_ended_after_the_idle_timeout(release: threading.Event) -> None:
    with LocalDataServer(request_idle_timeout=1.0) as server, grpc.insecure_channel(server.address) as channel:
        api = make_api(server, channel)
        silent_auth = _raw(channel, AUTHENTICATE).future(iter(_Silent(release)), timeout=60)
        stream = _Silent(release, _upload_metadata(api))
        silent_upload = api.sync.FileUpload.future(iter(stream), metadata=api.metadata, timeout=60)
        for future in (silent_auth, silent_upload):
            error = future.exception(timeout=30)
            assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            assert "request_idle_timeout" in error.details()  # the server's timeout, not the client's deadline
        _wait_for(lambda: _tmp_files(server) == [])
        assert api.all_binary_ids() == []


def test_one_caller_cannot_hold_more_than_its_share_of_calls(release: threading.Event) -> None:
    with LocalDataServer(max_calls_per_caller=4) as server, grpc.insecure_channel(server.address) as channel:
        abuser = other_org_api(server, channel)
        streams = [
            abuser.sync.FileUpload.future(
                iter(_Silent(release, _upload_metadata(abuser))), metadata=abuser.metadata, timeout=60
            )
            for _ in range(4)
        ]
        _wait_for(lambda: len(_tmp_files(server)) == 4)
        with pytest.raises(grpc.RpcError) as excinfo:
            abuser.call(abuser.data.TabularDataByFilter, data_pb2.TabularDataByFilterRequest())
        assert excinfo.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "max_calls_per_caller" in excinfo.value.details()
        api = make_api(server, channel)  # another key is not held back
        assert api.tabular_by_filter(count_only=True).count == 0
        for future in streams:
            future.cancel()
        _wait_for(lambda: _tmp_files(server) == [])
        assert abuser.tabular_by_filter(count_only=True).count == 0  # its calls closed: room again


def test_a_response_stream_its_client_does_not_read_is_ended() -> None:
    """A stalled reader held a worker thread for as long as it liked."""
    with LocalDataServer(request_idle_timeout=1.0) as server, grpc.insecure_channel(server.address) as channel:
        api = make_api(server, channel)
        for _ in range(10):  # 20 MB of readings: more than the transport buffers
            api.upload_tabular([{"pad": "x" * 2000, "i": j} for j in range(1000)])
        request = data_pb2.ExportTabularDataRequest(
            part_id=server.part_id, resource_name="sensor-1", resource_subtype="rdk:component:sensor",
            method_name="Readings",
        )
        stream = api.call(api.data.ExportTabularData, request, timeout=60)
        next(stream)
        time.sleep(8)  # read nothing for much longer than the idle timeout (the server may be slow to fill the buffers)
        read = 1
        with pytest.raises(grpc.RpcError) as excinfo:
            for _ in stream:
                read += 1
        assert excinfo.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert "request_idle_timeout" in excinfo.value.details()
        assert read < 10_000  # ended part-way: what was already buffered, then the status
        assert api.tabular_by_filter(count_only=True).count == 10_000  # and the server serves on
