"""A small real gRPC server for call-layer tests: real grpcio on 127.0.0.1, real auth
tokens, a FaultInjector in front. Only the handful of RPCs these tests need."""
from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from concurrent import futures
from dataclasses import dataclass, field
from typing import List

import grpc
import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2, data_pb2_grpc
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2, dataset_pb2_grpc
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2, data_sync_pb2_grpc
from viam_data_sync._proto.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
from viam_data_sync import Clock
from viam_data_sync.testing import FaultInjector

API_KEY_ID = "3f7c8d2a-0000-4000-8000-00000000abcd"
API_KEY = "s3cr3t-api-key-value-do-not-log"


@dataclass
class State:
    tokens: set = field(default_factory=set)
    counter: itertools.count = field(default_factory=itertools.count)
    authentications: int = 0
    tags: List[str] = field(default_factory=list)
    datasets: List[str] = field(default_factory=list)
    uploads: List[bytes] = field(default_factory=list)
    seen_auth: List[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def revoke_all(self) -> None:
        with self.lock:
            self.tokens.clear()


def _token(n: int, ttl: float = 3600.0) -> str:
    """A JWT-shaped token ("tok<n>.<claims>.sig") whose ``exp`` claim the client reads."""
    claims = base64.urlsafe_b64encode(json.dumps({"exp": time.time() + ttl}).encode()).decode().rstrip("=")
    return f"tok{n}.{claims}.sig"


class TestClock(Clock):
    """Wall time shifted by ``offset`` seconds; sleeps recorded in ``waits``, not slept."""

    __test__ = False

    def __init__(self) -> None:
        self.offset = 0.0
        self.waits: List[float] = []

    def time(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def _check(state: State, context) -> None:
    values = [v for k, v in context.invocation_metadata() if k == "authorization"]
    state.seen_auth.extend(values)
    if len(values) != 1 or not values[0].startswith("Bearer ") or values[0][7:] not in state.tokens:
        context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid token")


class Auth(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, state: State):
        self.state = state

    def Authenticate(self, request, context):
        if any(k == "authorization" for k, _ in context.invocation_metadata()):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "already authenticated; cannot re-authenticate")
        if request.credentials.type != "api-key":
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unknown credential type")
        if request.entity != API_KEY_ID or request.credentials.payload != API_KEY:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "invalid credentials")
        with self.state.lock:
            token = _token(next(self.state.counter))
            self.state.tokens.add(token)
            self.state.authentications += 1
        return auth_pb2.AuthenticateResponse(access_token=token)


class Data(data_pb2_grpc.DataServiceServicer):
    def __init__(self, state: State):
        self.state = state

    def TagsByFilter(self, request, context):
        _check(self.state, context)
        return data_pb2.TagsByFilterResponse(tags=sorted(set(self.state.tags)))

    def AddTagsToBinaryDataByIDs(self, request, context):
        _check(self.state, context)
        self.state.tags.extend(request.tags)
        return data_pb2.AddTagsToBinaryDataByIDsResponse()

    def ExportTabularData(self, request, context):
        _check(self.state, context)
        for i in range(int(request.method_name or "5")):
            yield data_pb2.ExportTabularDataResponse(part_id=request.part_id, resource_name=str(i))


class Dataset(dataset_pb2_grpc.DatasetServiceServicer):
    def __init__(self, state: State):
        self.state = state

    def CreateDataset(self, request, context):
        _check(self.state, context)
        self.state.datasets.append(request.name)
        return dataset_pb2.CreateDatasetResponse(id=f"ds{len(self.state.datasets)}")


class Sync(data_sync_pb2_grpc.DataSyncServiceServicer):
    def __init__(self, state: State):
        self.state = state

    def DataCaptureUpload(self, request, context):
        _check(self.state, context)
        self.state.uploads.append(request.sensor_contents[0].binary)
        return data_sync_pb2.DataCaptureUploadResponse(binary_data_id=f"b{len(self.state.uploads)}")

    def FileUpload(self, request_iterator, context):
        _check(self.state, context)
        first = next(request_iterator)
        if not first.HasField("metadata"):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "first message must be metadata")
        body = b"".join(r.file_contents.data for r in request_iterator)
        self.state.uploads.append(body)
        return data_sync_pb2.FileUploadResponse(binary_data_id=f"f{len(self.state.uploads)}")


@dataclass
class Server:
    address: str
    state: State
    faults: FaultInjector
    server: grpc.Server


@pytest.fixture
def server():
    state = State()
    faults = FaultInjector(seed=7)
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=8), interceptors=[faults])
    auth_pb2_grpc.add_AuthServiceServicer_to_server(Auth(state), srv)
    data_pb2_grpc.add_DataServiceServicer_to_server(Data(state), srv)
    dataset_pb2_grpc.add_DatasetServiceServicer_to_server(Dataset(state), srv)
    data_sync_pb2_grpc.add_DataSyncServiceServicer_to_server(Sync(state), srv)
    port = srv.add_insecure_port("127.0.0.1:0")
    srv.start()
    yield Server(f"127.0.0.1:{port}", state, faults, srv)
    srv.stop(0)
