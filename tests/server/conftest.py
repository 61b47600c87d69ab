"""Fixtures for the local server's integration tests: a real server, a real channel."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import grpc
import pytest

from viam_data_sync._convert import datetime_to_timestamp, dict_to_struct, params_to_any_map
from viam_data_sync._proto.app.data.v1 import data_pb2, data_pb2_grpc
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2_grpc
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2, data_sync_pb2_grpc
from viam_data_sync._proto.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
from viam_data_sync.server import LocalDataServer

from ._readings_fixture import open_store, standard_rows

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 1, 1, tzinfo=UTC)
TIMEOUT = 30.0  # generous: a loaded CI machine runs four test workers on two cores
#: An MQL pipeline that runs for about half a minute in little memory (3,000 x 3,000
#: nested ``$reduce`` steps over its first document): a query that only a time limit
#: stops. Needs at least one reading.
SLOW_MQL = [{"$limit": 1}, {"$project": {"n": {"$reduce": {
    "input": {"$range": [0, 3000]}, "initialValue": 0, "in": {"$add": ["$$value", {"$reduce": {
        "input": {"$range": [0, 3000]}, "initialValue": 0, "in": {"$add": ["$$value", "$$this"]}}}]}}}}}]


def authenticate(channel: grpc.Channel, key_id: str, key: str) -> str:
    stub = auth_pb2_grpc.AuthServiceStub(channel)
    response = stub.Authenticate(
        auth_pb2.AuthenticateRequest(
            entity=key_id, credentials=auth_pb2.Credentials(type="api-key", payload=key)
        ),
        timeout=TIMEOUT,
    )
    return response.access_token


@dataclass
class Api:
    """Our generated stubs over one channel, with an authorization header."""

    channel: grpc.Channel
    metadata: Tuple[Tuple[str, str], ...]
    server: LocalDataServer
    part_id: str
    organization_id: str

    def __post_init__(self) -> None:
        self.data = data_pb2_grpc.DataServiceStub(self.channel)
        self.dataset = dataset_pb2_grpc.DatasetServiceStub(self.channel)
        self.sync = data_sync_pb2_grpc.DataSyncServiceStub(self.channel)
        self.auth = auth_pb2_grpc.AuthServiceStub(self.channel)

    def call(self, stub_method: Any, request: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs.setdefault("metadata", self.metadata)
        return stub_method(request, **kwargs)

    # ---------------------------------------------------------------- uploads
    def upload_tabular(
        self,
        readings: Sequence[Dict[str, Any]],
        *,
        times: Optional[Sequence[dt.datetime]] = None,
        part_id: Optional[str] = None,
        component_name: str = "sensor-1",
        component_type: str = "rdk:component:sensor",
        method_name: str = "Readings",
        tags: Sequence[str] = (),
        method_parameters: Optional[Dict[str, Any]] = None,
    ) -> str:
        contents = []
        for index, reading in enumerate(readings):
            item = data_sync_pb2.SensorData(struct=dict_to_struct(reading))
            if times is not None:
                t = times[index]
                item.metadata.time_requested.CopyFrom(datetime_to_timestamp(t))
                item.metadata.time_received.CopyFrom(datetime_to_timestamp(t))
            contents.append(item)
        md = data_sync_pb2.UploadMetadata(
            part_id=part_id or self.part_id,
            component_type=component_type,
            component_name=component_name,
            method_name=method_name,
            type=data_sync_pb2.DATA_TYPE_TABULAR_SENSOR,
            tags=list(tags),
        )
        for key, value in params_to_any_map(method_parameters or {}).items():
            md.method_parameters[key].CopyFrom(value)
        response = self.call(
            self.sync.DataCaptureUpload,
            data_sync_pb2.DataCaptureUploadRequest(metadata=md, sensor_contents=contents),
        )
        return response.file_id

    def upload_binary(
        self,
        payload: bytes,
        *,
        when: Optional[dt.datetime] = None,
        part_id: Optional[str] = None,
        component_name: str = "camera-1",
        file_extension: str = ".jpg",
        tags: Sequence[str] = (),
        dataset_ids: Sequence[str] = (),
        mime_type: str = "image/jpeg",
        method_name: str = "GetImages",
    ) -> str:
        item = data_sync_pb2.SensorData(binary=payload)
        if when is not None:
            item.metadata.time_requested.CopyFrom(datetime_to_timestamp(when))
            item.metadata.time_received.CopyFrom(datetime_to_timestamp(when))
        md = data_sync_pb2.UploadMetadata(
            part_id=part_id or self.part_id,
            component_type="rdk:component:camera",
            component_name=component_name,
            method_name=method_name,
            type=data_sync_pb2.DATA_TYPE_BINARY_SENSOR,
            file_extension=file_extension,
            tags=list(tags),
            dataset_ids=list(dataset_ids),
            mime_type=mime_type,
        )
        response = self.call(
            self.sync.DataCaptureUpload,
            data_sync_pb2.DataCaptureUploadRequest(metadata=md, sensor_contents=[item]),
        )
        assert response.binary_data_id
        return response.binary_data_id

    def file_upload(
        self,
        chunks: Sequence[bytes],
        *,
        file_name: str = "notes",
        file_extension: str = ".txt",
        tags: Sequence[str] = (),
        **kwargs: Any,
    ) -> Any:
        md = data_sync_pb2.UploadMetadata(
            part_id=self.part_id,
            type=data_sync_pb2.DATA_TYPE_FILE,
            file_name=file_name,
            file_extension=file_extension,
            tags=list(tags),
        )

        def messages() -> Iterator[Any]:
            yield data_sync_pb2.FileUploadRequest(metadata=md)
            for chunk in chunks:
                yield data_sync_pb2.FileUploadRequest(file_contents=data_sync_pb2.FileData(data=chunk))

        return self.call(self.sync.FileUpload, messages(), **kwargs)

    def add_box(self, binary_data_id: str, label: str = "a") -> str:
        """A bounding box on ``binary_data_id``; returns its id."""
        request = data_pb2.AddBoundingBoxToImageByIDRequest(
            binary_data_id=binary_data_id,
            label=label,
            x_min_normalized=0.1,
            y_min_normalized=0.1,
            x_max_normalized=0.2,
            y_max_normalized=0.2,
        )
        return self.call(self.data.AddBoundingBoxToImageByID, request).bbox_id

    # ---------------------------------------------------------------- queries
    def binary_by_filter(
        self,
        flt: Optional[Any] = None,
        *,
        limit: int = 0,
        last: str = "",
        order: int = 0,
        include_binary: bool = False,
        count_only: bool = False,
    ) -> Any:
        request = data_pb2.BinaryDataByFilterRequest(
            data_request=data_pb2.DataRequest(limit=limit, last=last, sort_order=order),
            include_binary=include_binary,
            count_only=count_only,
        )
        if flt is not None:
            request.data_request.filter.CopyFrom(flt)
        return self.call(self.data.BinaryDataByFilter, request)

    def tabular_by_filter(
        self,
        flt: Optional[Any] = None,
        *,
        limit: int = 0,
        last: str = "",
        order: int = 0,
        count_only: bool = False,
    ) -> Any:
        request = data_pb2.TabularDataByFilterRequest(
            data_request=data_pb2.DataRequest(
                filter=flt or data_pb2.Filter(), limit=limit, last=last, sort_order=order
            ),
            count_only=count_only,
        )
        return self.call(self.data.TabularDataByFilter, request)

    def all_binary_ids(self, flt: Optional[Any] = None, *, limit: int = 7, order: int = 0) -> List[str]:
        out: List[str] = []
        last = ""
        for _ in range(10_000):
            page = self.binary_by_filter(flt, limit=limit, last=last, order=order)
            if not page.data:
                return out
            out.extend(d.metadata.binary_data_id for d in page.data)
            last = page.last
        raise AssertionError("paging did not end")


def make_api(
    server: LocalDataServer,
    channel: grpc.Channel,
    key_id: Optional[str] = None,
    key: Optional[str] = None,
    part_id: Optional[str] = None,
    organization_id: Optional[str] = None,
) -> Api:
    token = authenticate(channel, key_id or server.api_key_id, key or server.api_key)
    return Api(
        channel,
        (("authorization", f"Bearer {token}"),),
        server,
        part_id or server.part_id,
        organization_id or server.organization_id,
    )


def other_org_api(server: LocalDataServer, channel: grpc.Channel, name: str = "other-org") -> Api:
    """An Api for a new organization of ``server``, with its own key."""
    other = server.create_organization(name)
    key_id, key = server.create_api_key(other.organization_id)
    return make_api(server, channel, key_id, key, part_id=other.part_id, organization_id=other.organization_id)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A store file holding ``standard_rows()``, for the SQL and MQL engines' tests."""
    connection = open_store(tmp_path / "store.db", standard_rows())
    yield connection
    connection.close()


@pytest.fixture
def loaded(monkeypatch: pytest.MonkeyPatch) -> Dict[str, int]:
    """Counts the rows the MQL engine turns into documents."""
    from viam_data_sync.server.engines import mql

    counter = {"rows": 0}
    original = mql.reading_document

    def counting(r: Any, *fields: Any) -> Dict[str, Any]:
        counter["rows"] += 1
        return original(r, *fields)

    monkeypatch.setattr(mql, "reading_document", counting)
    return counter


@pytest.fixture
def server() -> Iterator[LocalDataServer]:
    with LocalDataServer(max_page_size=100, max_workers=8) as srv:
        yield srv


@pytest.fixture
def channel(server: LocalDataServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.address) as chan:
        yield chan


@pytest.fixture
def api(server: LocalDataServer, channel: grpc.Channel) -> Api:
    return make_api(server, channel)


def code_of(excinfo: Any) -> grpc.StatusCode:
    return excinfo.value.code()


def start_server_process(
    db: str, *args: str, preexec_fn: Optional[Callable[[], None]] = None
) -> Tuple[subprocess.Popen, Dict[str, str]]:
    """``python -m viam_data_sync.server --db db`` on a free port; returns the process and
    the ``name: value`` lines it printed (address, api_key_id, api_key, part_id, ...)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "viam_data_sync.server", "--db", db, "--port", "0", "--log-level", "WARNING",
         *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        preexec_fn=preexec_fn,
    )
    info: Dict[str, str] = {}
    deadline = time.monotonic() + 30
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.strip() == "ready":
            return proc, info
        key, _, value = line.strip().partition(": ")
        info[key] = value
    proc.kill()
    raise AssertionError(f"server process did not start: {info}")


def remote_server(info: Dict[str, str]) -> Any:
    """What :func:`make_api` reads from a server, for one printed by
    :func:`start_server_process` (api_key_id, api_key, part_id, organization_id)."""
    return type("RemoteServer", (), dict(info))
