"""The HTTP listener (signed URLs, gRPC-web) under attack (issue 23, items 2 and 9).

Before: the gRPC-web proxy read up to 2 x 32 MiB of body before any authentication, one
thread per connection and no cap on connections: 12 connections each holding a 64 MiB
body one byte short took the server to 836 MiB, linearly. Now a body over 64 KiB is read
only with a valid token (refused UNAUTHENTICATED at its headers otherwise), at most
``max_connections`` connections are served at once (503 beyond), and a non-ASCII URL
signature or a huge ``grpc-timeout`` get an answer, not a traceback or a deadline
already passed.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from typing import Dict, List

import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync.server import LocalDataServer
from viam_data_sync.server.web.http import HttpListener

from .conftest import start_server_process

sonora_protocol = pytest.importorskip("sonora.protocol")

SQL = "/viam.app.data.v1.DataService/TabularDataBySQL"
MIB = 1024 * 1024


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _hold_body(host: str, port: int, length: int, sent: int, headers: Dict[str, str]) -> socket.socket:
    """A connection that sends a POST's headers and ``sent`` bytes of its body, then waits."""
    sock = socket.create_connection((host, port), timeout=10)
    lines = [f"POST {SQL} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/grpc-web+proto",
             f"Content-Length: {length}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    sock.sendall("\r\n".join(lines).encode())
    chunk = b"\0" * MIB
    for _ in range(sent // MIB):
        try:
            sock.sendall(chunk)
        except OSError:  # the server answered and closed: it read no more
            break
    return sock


def _answer(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    data = b""
    while True:
        try:
            part = sock.recv(65536)
        except OSError:
            break
        if not part:
            break
        data += part
    return data


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads RSS from /proc")
def test_held_large_bodies_without_a_token_are_refused_before_they_are_read() -> None:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        proc, info = start_server_process(os.path.join(tmp, "data.db"))
        stack.callback(proc.kill)
        url = urllib.parse.urlsplit(info["grpc_web_url"])
        before = _rss_mib(proc.pid)
        socks: List[socket.socket] = []
        for _ in range(12):  # each a 64 MiB body, 8 MiB of it sent, the rest held back
            sock = _hold_body(url.hostname or "", url.port or 0, 64 * MIB, 8 * MIB, {})
            stack.callback(sock.close)
            socks.append(sock)
        time.sleep(0.5)
        grown = _rss_mib(proc.pid) - before
        for sock in socks:
            answer = _answer(sock)
            assert answer.startswith(b"HTTP/1.1 200")  # gRPC-web: the status is in the trailers
            assert b"grpc-status:16" in answer.replace(b" ", b"")  # UNAUTHENTICATED
        assert grown < 64, f"the server grew {grown:.0f} MiB holding refused bodies"


def test_a_large_body_with_a_valid_token_is_read() -> None:
    with LocalDataServer() as server:
        url = urllib.parse.urlsplit(server.grpc_web_url)
        query = "SELECT COUNT(*) AS x FROM readings -- " + "p" * (200 * 1024)  # a 200 KiB request message
        message = data_pb2.TabularDataBySQLRequest(organization_id=server.organization_id, sql_query=query)
        body = sonora_protocol.wrap_message(False, False, message.SerializeToString())
        sock = _hold_body(url.hostname or "", url.port or 0, len(body), 0,
                          {"authorization": f"Bearer {server.token()}", "Connection": "close"})
        sock.sendall(body)
        answer = _answer(sock)
        sock.close()
        assert b"grpc-status:0" in answer.replace(b" ", b"")


def test_connections_beyond_the_cap_are_answered_503_at_once() -> None:
    listener = HttpListener("127.0.0.1", 0, idle_timeout=30, max_connections=4)
    listener.start()
    try:
        with ExitStack() as stack:
            held = [stack.enter_context(socket.create_connection(("127.0.0.1", listener.port), timeout=10))
                    for _ in range(4)]
            time.sleep(0.2)
            with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as extra:
                started = time.monotonic()
                assert _answer(extra).startswith(b"HTTP/1.1 503")
                assert time.monotonic() - started < 5
            for sock in held:
                sock.close()
            time.sleep(0.2)
            with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as again:
                again.sendall(b"GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                assert _answer(again).startswith(b"HTTP/1.1 404")  # room again: served
    finally:
        listener.stop()


def test_a_non_ascii_signature_is_403_not_a_traceback() -> None:
    with LocalDataServer() as server:
        url = f"http://{server.http_address}/blobs/abc?expires=9999999999&signature=%C3%A9%C3%A9"
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(url, timeout=10)
        assert excinfo.value.code == 403


@pytest.mark.parametrize("timeout", ["99999999999S", "99999999999999999999n", "99999999H"])
def test_a_huge_grpc_timeout_is_no_deadline_already_passed(timeout: str) -> None:
    with LocalDataServer() as server:
        url = urllib.parse.urlsplit(server.grpc_web_url)
        message = data_pb2.TabularDataBySQLRequest(organization_id=server.organization_id, sql_query="SELECT COUNT(*) AS x FROM readings")
        body = sonora_protocol.wrap_message(False, False, message.SerializeToString())
        sock = _hold_body(url.hostname or "", url.port or 0, len(body), 0,
                          {"authorization": f"Bearer {server.token()}", "grpc-timeout": timeout,
                           "Connection": "close"})
        sock.sendall(body)
        answer = _answer(sock)
        sock.close()
        assert b"grpc-status:0" in answer.replace(b" ", b""), answer[-200:]


def _preflight(server: LocalDataServer, origin: str, host: str = "") -> "tuple[int, str | None]":
    import http.client

    url = urllib.parse.urlsplit(server.grpc_web_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
        if host:
            headers["Host"] = host
        conn.request("OPTIONS", SQL, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Access-Control-Allow-Origin")
    finally:
        conn.close()


def test_with_auth_off_only_pages_of_this_machine_may_call_across_origins() -> None:
    with LocalDataServer(auth=False) as server:
        assert _preflight(server, "http://localhost:5173") == (204, "http://localhost:5173")
        assert _preflight(server, "http://127.0.0.1:3000") == (204, "http://127.0.0.1:3000")
        assert _preflight(server, "https://evil.example")[1] is None
        assert _preflight(server, "null")[1] is None
    with LocalDataServer() as server:  # auth on: a page still needs a token
        assert _preflight(server, "https://app.example")[1] == "https://app.example"
        assert _preflight(server, "null")[1] is None


def test_a_rebound_host_name_is_refused_on_a_loopback_server() -> None:
    with LocalDataServer(auth=False) as server:
        status, _ = _preflight(server, "http://localhost:5173", host=f"evil.example:{server.http_port}")
        assert status == 403
        status, _ = _preflight(server, "http://localhost:5173", host=f"localhost:{server.http_port}")
        assert status == 204
