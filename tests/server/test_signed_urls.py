"""Finding 4 of the security review: real signed URLs, and a client that follows only
http(s) URLs.

The local server's signed URLs were ``file://`` paths, and the client followed
``file://`` from any server: a hostile one made ``download_binary_data`` copy
``/etc/passwd`` into the export folder. The URL and ``file://`` tests failed on that
code; the download test and the other hostile schemes guard what already held.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent import futures
from pathlib import Path
from typing import Any, Iterator

import grpc
import pytest

from viam_data_sync import DataClient
from viam_data_sync._proto.app.data.v1 import data_pb2, data_pb2_grpc
from viam_data_sync.server import LocalDataServer

from .conftest import Api

ID = "org/location/file"


def _signed_url(api: Api, binary_data_id: str) -> str:
    request = data_pb2.CreateBinaryDataSignedURLRequest(binary_data_id=binary_data_id, expiration_minutes=5)
    url: str = api.call(api.data.CreateBinaryDataSignedURL, request).signed_url
    return url


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_signed_urls_are_http_on_loopback_with_signature_and_expiry(server: LocalDataServer, api: Api) -> None:
    binary_id = api.upload_binary(b"signed bytes")
    url = _signed_url(api, binary_id)
    parsed = urllib.parse.urlsplit(url)
    assert parsed.scheme == "http" and parsed.hostname == "127.0.0.1"
    assert parsed.port == server.http_port and parsed.port != server.port  # a port of its own
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"signed bytes"
    query = urllib.parse.parse_qs(parsed.query)
    forged = url.replace(query["signature"][0], "0" * len(query["signature"][0]))
    later = url.replace(f"expires={query['expires'][0]}", f"expires={int(query['expires'][0]) + 3600}")
    other = url.replace(parsed.path, "/blobs/" + "a" * 36)
    unsigned = f"http://{server.http_address}{parsed.path}"
    for bad in (forged, later, other, unsigned):
        assert _status(bad) == 403, bad
    assert server.signer is not None
    expired = server.signer.url(binary_id.split("/")[-1], time.time() - 1)
    assert _status(expired) == 403
    api.call(api.data.DeleteBinaryDataByIDs, data_pb2.DeleteBinaryDataByIDsRequest(binary_data_ids=[binary_id]))
    assert _status(url) == 404


def test_the_client_downloads_through_the_signed_url(server: LocalDataServer, tmp_path: Path) -> None:
    with DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True) as client:
        binary_id = client.binary_data_capture_upload(
            b"\x89PNG...", server.part_id, "rdk:component:camera", "cam", "ReadImage", ".png"
        )
        path = client.download_binary_data(binary_id, tmp_path)
        assert Path(path).read_bytes() == b"\x89PNG..."


class _Hostile(data_pb2_grpc.DataServiceServicer):
    """A server that answers every download with a URL of the client's own files."""

    def __init__(self, url: str, size: int) -> None:
        self.url, self.size = url, size

    def BinaryDataByIDs(self, request: Any, context: Any) -> Any:  # noqa: N802
        metadata = data_pb2.BinaryMetadata(binary_data_id=ID, file_size_bytes=self.size, file_name="passwd")
        return data_pb2.BinaryDataByIDsResponse(data=[data_pb2.BinaryData(metadata=metadata)])

    def CreateBinaryDataSignedURL(self, request: Any, context: Any) -> Any:  # noqa: N802
        return data_pb2.CreateBinaryDataSignedURLResponse(signed_url=self.url)


@pytest.fixture
def hostile_client(request: pytest.FixtureRequest) -> Iterator[Any]:
    def start(url: str, size: int) -> DataClient:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        data_pb2_grpc.add_DataServiceServicer_to_server(_Hostile(url, size), server)  # type: ignore[no-untyped-call]
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        request.addfinalizer(lambda: server.stop(None))
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        request.addfinalizer(channel.close)
        return DataClient(channel, {"authorization": "Bearer t"}, retry=None)

    yield start


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "FILE:///etc/passwd", "/etc/passwd", "ftp://127.0.0.1/etc/passwd",
     "http://example.com/passwd"],
)
def test_a_hostile_server_cannot_make_the_client_read_a_local_file(
    hostile_client: Any, tmp_path: Path, url: str
) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(b"root:x:0:0")
    client = hostile_client(url.replace("/etc/passwd", str(secret)), os.path.getsize(secret))
    out = tmp_path / "export"
    out.mkdir()
    with pytest.raises(ValueError, match="refusing to download"):
        client.download_binary_data(ID, out)
    assert list(out.iterdir()) == []  # nothing copied, not even a temp file
