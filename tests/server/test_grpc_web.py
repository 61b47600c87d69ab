"""gRPC-web on the local server, driven by a real gRPC-web client (sonora's, an independent
implementation of the protocol) and by raw HTTP/1.1 for CORS and grpc-web-text.

Each call goes browser-side protocol -> the HTTP listener -> the server's own native port,
so the values checked here come from the same servicers as over native gRPC.
"""

from __future__ import annotations

import base64
import http.client
import io
import re
import urllib.parse
from typing import Any, Dict, List, Optional, Tuple

import bson
import grpc
import pytest

from viam_data_sync import DataClient
from viam_data_sync._errors import Unauthenticated
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync._proto.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector

from .conftest import T0, Api, start_server_process

sonora_client = pytest.importorskip("sonora.client")
sonora_protocol = pytest.importorskip("sonora.protocol")

SQL = "/viam.app.data.v1.DataService/TabularDataBySQL"
ORIGIN = "http://localhost:5173"
ALLOWED = ("authorization", "content-type", "x-grpc-web", "x-user-agent", "grpc-timeout")


class WebChannel:
    """sonora's ``WebChannel`` with what a ``grpc.Channel`` user may also expect: the
    generated stubs' ``_registered_method`` keyword, ``stream_unary`` and ``cancel()`` on a
    response stream (sonora 0.2.3 has neither; the protocol is all sonora's)."""

    def __init__(self, url: str) -> None:
        self._web = sonora_client.insecure_web_channel(url)

    def unary_unary(
        self, path: str, request_serializer: Any = None, response_deserializer: Any = None, **_: Any
    ) -> Any:
        return self._web.unary_unary(path, request_serializer, response_deserializer)

    def stream_unary(
        self, path: str, request_serializer: Any = None, response_deserializer: Any = None, **_: Any
    ) -> Any:
        return self._web.stream_unary(path, request_serializer, response_deserializer)

    def unary_stream(
        self, path: str, request_serializer: Any = None, response_deserializer: Any = None, **_: Any
    ) -> Any:
        multicallable = self._web.unary_stream(path, request_serializer, response_deserializer)

        class Stream:
            def __init__(self, call: Any) -> None:
                self._messages = iter(call)

            def __iter__(self) -> "Stream":
                return self

            def __next__(self) -> Any:
                return next(self._messages)

            def cancel(self) -> None:
                self._messages.close()

        return lambda *args, **kwargs: Stream(multicallable(*args, **kwargs))


def web_token(server: LocalDataServer) -> str:
    """An access token from ``Authenticate``, itself called over gRPC-web."""
    stub = auth_pb2_grpc.AuthServiceStub(WebChannel(server.grpc_web_url))
    response = stub.Authenticate(
        auth_pb2.AuthenticateRequest(
            entity=server.api_key_id, credentials=auth_pb2.Credentials(type="api-key", payload=server.api_key)
        ),
        timeout=10,
    )
    return str(response.access_token)


def web_client(server: LocalDataServer, token: Optional[str] = None, **kwargs: Any) -> DataClient:
    return DataClient(
        WebChannel(server.grpc_web_url),
        metadata={"authorization": f"Bearer {token or web_token(server)}"},
        **kwargs,
    )


def post(
    server: LocalDataServer, path: str, body: bytes, headers: Dict[str, str], method: str = "POST"
) -> Tuple[http.client.HTTPResponse, bytes]:
    url = urllib.parse.urlsplit(server.grpc_web_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def frames(body: bytes) -> List[Tuple[bool, bytes]]:
    """(is trailers, payload) of each frame of a binary gRPC-web body, read with sonora."""
    return [
        (trailers, payload)
        for trailers, _, payload in sonora_protocol.unwrap_message_stream(io.BytesIO(body))
    ]


def trailers_of(body: bytes) -> Dict[str, str]:
    found = [payload for is_trailer, payload in frames(body) if is_trailer]
    assert len(found) == 1, frames(body)
    return dict(sonora_protocol.unpack_trailers(found[0]))


def sql_request(server: LocalDataServer, query: str) -> bytes:
    return data_pb2.TabularDataBySQLRequest(
        organization_id=server.organization_id, sql_query=query
    ).SerializeToString()


def test_grpc_web_url_is_the_http_listener(server: LocalDataServer) -> None:
    assert server.grpc_web_url == f"http://127.0.0.1:{server.http_port}"


def test_data_client_over_grpc_web_reads_what_native_grpc_stored(server: LocalDataServer, api: Api) -> None:
    times = [T0.replace(minute=i) for i in range(3)]
    api.upload_tabular(
        [{"readings": {"temperature": 20.5 + i}} for i in range(3)], times=times, component_name="thermo"
    )

    client = web_client(server)
    rows = client.tabular_data_by_sql(
        server.organization_id, "SELECT data.readings.temperature AS t FROM readings ORDER BY time_received"
    )
    assert [row["t"] for row in rows] == [20.5, 21.5, 22.5]

    points, count, _ = client.tabular_data_by_filter(include_internal_data=False, count_only=False)
    assert count == 3
    assert sorted(p.data["readings"]["temperature"] for p in points) == [20.5, 21.5, 22.5]
    assert {p.metadata.component_name for p in points} == {"thermo"}


def test_a_write_over_grpc_web_is_seen_over_native_grpc(server: LocalDataServer, api: Api) -> None:
    client = web_client(server)
    dataset_id = client.create_dataset("from-the-browser", server.organization_id)
    native = api.call(api.dataset.ListDatasetsByIDs, dataset_pb2.ListDatasetsByIDsRequest(ids=[dataset_id]))
    assert [d.name for d in native.datasets] == ["from-the-browser"]


def test_server_streaming_export_streams_every_row(server: LocalDataServer, api: Api) -> None:
    times = [T0.replace(second=i) for i in range(40)]
    api.upload_tabular([{"readings": {"n": i}} for i in range(40)], times=times, component_name="counter")

    client = web_client(server)
    points = client.export_tabular_data(server.part_id, "counter", "rdk:component:sensor", "Readings")
    assert [p.payload["readings"]["n"] for p in points] == list(range(40))
    assert [p.time_captured for p in points] == times


def test_bad_token_is_unauthenticated_in_the_trailers(server: LocalDataServer) -> None:
    response, body = post(
        server,
        SQL,
        sonora_protocol.wrap_message(False, False, sql_request(server, "SELECT COUNT(*) AS one FROM readings")),
        {
            "content-type": "application/grpc-web+proto",
            "x-grpc-web": "1",
            "authorization": "Bearer not-a-token",
        },
    )
    assert response.status == 200
    assert response.getheader("content-type") == "application/grpc-web+proto"
    assert [is_trailer for is_trailer, _ in frames(body)] == [True]  # no message, just the status
    trailers = trailers_of(body)
    assert trailers["grpc-status"] == str(grpc.StatusCode.UNAUTHENTICATED.value[0])
    assert trailers["grpc-message"]
    assert b"not-a-token" not in body

    with pytest.raises(Unauthenticated):
        web_client(server, token="not-a-token", retry=None).tabular_data_by_sql(
            server.organization_id, "SELECT COUNT(*) AS one FROM readings"
        )


def test_cors_preflight_allows_the_grpc_web_headers(server: LocalDataServer) -> None:
    response, body = post(
        server,
        SQL,
        b"",
        {
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": ",".join(ALLOWED),
        },
        method="OPTIONS",
    )
    assert response.status == 204 and body == b""
    assert response.getheader("Access-Control-Allow-Origin") == ORIGIN
    assert "POST" in response.getheader("Access-Control-Allow-Methods", "")
    allowed = {h.strip() for h in response.getheader("Access-Control-Allow-Headers", "").split(",")}
    assert set(ALLOWED) <= allowed


def test_a_call_from_an_origin_exposes_the_status_headers(server: LocalDataServer) -> None:
    response, body = post(
        server,
        SQL,
        sonora_protocol.wrap_message(False, False, sql_request(server, "SELECT COUNT(*) AS n FROM readings")),
        {
            "Origin": ORIGIN,
            "content-type": "application/grpc-web+proto",
            "x-grpc-web": "1",
            "authorization": f"Bearer {server.token()}",
            "grpc-timeout": "10S",
        },
    )
    assert response.status == 200
    assert response.getheader("Access-Control-Allow-Origin") == ORIGIN
    exposed = {h.strip() for h in response.getheader("Access-Control-Expose-Headers", "").split(",")}
    assert {"grpc-status", "grpc-message"} <= exposed
    assert trailers_of(body)["grpc-status"] == "0"
    (message,) = [payload for is_trailer, payload in frames(body) if not is_trailer]
    assert data_pb2.TabularDataBySQLResponse.FromString(message).raw_data  # one BSON row


def test_grpc_web_text_is_base64_both_ways(server: LocalDataServer, api: Api) -> None:
    api.upload_tabular([{"readings": {"v": "text-mode"}}], times=[T0])
    request = sonora_protocol.b64_wrap_message(
        False, False, sql_request(server, "SELECT data.readings.v AS v FROM readings")
    )
    response, body = post(
        server,
        SQL,
        request,
        {
            "content-type": "application/grpc-web-text",
            "accept": "application/grpc-web-text",
            "x-grpc-web": "1",
            "authorization": f"Bearer {server.token()}",
        },
    )
    assert response.status == 200
    assert response.getheader("content-type").startswith("application/grpc-web-text")
    assert re.fullmatch(rb"[A-Za-z0-9+/=]+", body)
    decoded = b"".join(base64.b64decode(piece) for piece in re.findall(rb"[^=]+=*", body))
    assert trailers_of(decoded)["grpc-status"] == "0"
    (message,) = [payload for is_trailer, payload in frames(decoded) if not is_trailer]
    (row,) = [bson.decode(raw) for raw in data_pb2.TabularDataBySQLResponse.FromString(message).raw_data]
    assert row == {"v": "text-mode"}


def test_client_streaming_is_unimplemented_over_grpc_web(server: LocalDataServer) -> None:
    request = data_sync_pb2.FileUploadRequest(metadata=data_sync_pb2.UploadMetadata(part_id=server.part_id))
    response, body = post(
        server,
        "/viam.app.datasync.v1.DataSyncService/FileUpload",
        sonora_protocol.wrap_message(False, False, request.SerializeToString()),
        {"content-type": "application/grpc-web+proto", "authorization": f"Bearer {server.token()}"},
    )
    trailers = trailers_of(body)
    assert trailers["grpc-status"] == str(grpc.StatusCode.UNIMPLEMENTED.value[0])
    assert "client-streaming" in urllib.parse.unquote(trailers["grpc-message"])


@pytest.mark.parametrize(
    "headers, body, status",
    [
        ({"content-type": "application/json"}, b"{}", 415),
        ({"content-type": "application/grpc-web+json"}, b"{}", 415),
    ],
)
def test_not_grpc_web_is_an_http_error(
    server: LocalDataServer, headers: Dict[str, str], body: bytes, status: int
) -> None:
    response, _ = post(server, SQL, body, headers)
    assert response.status == status


@pytest.mark.parametrize(
    "body, headers, code",
    [
        (b"\x00\x00\x00", {}, grpc.StatusCode.INVALID_ARGUMENT),  # no whole frame prefix
        (b"\x00\x00\x00\x00\x09abc", {}, grpc.StatusCode.INVALID_ARGUMENT),  # shorter than it says
        (b"\x01\x00\x00\x00\x00", {}, grpc.StatusCode.UNIMPLEMENTED),  # compressed
        (b"\x00\x00\x00\x00\x00", {"grpc-timeout": "soon"}, grpc.StatusCode.INVALID_ARGUMENT),
        (b"\x00\x00\x00\x00\x00", {}, grpc.StatusCode.INVALID_ARGUMENT),  # empty SQL: the servicer's
        (b"\x00\x00\x00\x00\x00", {"grpc-timeout": "1n"}, grpc.StatusCode.DEADLINE_EXCEEDED),  # deadline
    ],
)
def test_bad_requests_get_a_precise_status(
    server: LocalDataServer, body: bytes, headers: Dict[str, str], code: grpc.StatusCode
) -> None:
    response, answer = post(
        server,
        SQL,
        body,
        {
            "content-type": "application/grpc-web+proto",
            "authorization": f"Bearer {server.token()}",
            **headers,
        },
    )
    assert response.status == 200
    assert trailers_of(answer)["grpc-status"] == str(code.value[0])


def test_an_unknown_method_is_not_found_or_unimplemented(server: LocalDataServer) -> None:
    response, answer = post(
        server,
        "/viam.app.data.v1.DataService/NoSuchRpc",
        b"\x00\x00\x00\x00\x00",
        {"content-type": "application/grpc-web+proto"},
    )
    assert response.status == 200
    assert trailers_of(answer)["grpc-status"] == str(grpc.StatusCode.UNIMPLEMENTED.value[0])
    response, _ = post(server, "/not-a-service/Call", b"", {"content-type": "application/grpc-web+proto"})
    assert response.status == 404


def test_blobs_are_still_get_only(server: LocalDataServer) -> None:
    response, _ = post(server, "/blobs/anything", b"", {"content-type": "application/octet-stream"})
    assert response.status == 405


def test_serve_prints_the_grpc_web_url(tmp_path: Any) -> None:
    proc, info = start_server_process(str(tmp_path / "web.db"))
    try:
        url = info["grpc_web_url"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        fake = type(
            "Remote", (), {"grpc_web_url": url, "api_key_id": info["api_key_id"], "api_key": info["api_key"]}
        )
        rows = web_client(fake).tabular_data_by_sql(info["organization_id"], "SELECT COUNT(*) AS one FROM readings")  # type: ignore[arg-type]
        assert rows == [{"one": 0}]  # a fresh store
    finally:
        proc.terminate()
        proc.wait(10)


def test_interceptors_statuses_and_trailing_metadata_come_through() -> None:
    faults = FaultInjector()
    faults.fail("TabularDataBySQL", grpc.StatusCode.UNAVAILABLE, times=1, retry_after=2.5,
                details="injected: ünïcode 100%")
    with LocalDataServer(interceptors=[faults]) as srv:
        headers = {"content-type": "application/grpc-web+proto", "authorization": f"Bearer {srv.token()}"}
        body = sonora_protocol.wrap_message(False, False, sql_request(srv, "SELECT COUNT(*) AS one FROM readings"))
        _, first = post(srv, SQL, body, headers)
        _, second = post(srv, SQL, body, headers)
    trailers = trailers_of(first)
    assert trailers["grpc-status"] == str(grpc.StatusCode.UNAVAILABLE.value[0])
    assert urllib.parse.unquote(trailers["grpc-message"]) == "injected: ünïcode 100%"
    assert trailers["retry-after"] == "2.5"
    assert trailers_of(second)["grpc-status"] == "0"  # the rule fired once, as over native gRPC
