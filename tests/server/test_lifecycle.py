"""Starting and stopping the local server: a stop returns promptly and frees its ports.

The generous bound (1 s) catches a regression to a polling listener (the HTTP listener
used to notice a stop only at its next 0.5 s poll); the figure itself is measured by
``scripts/bench_lifecycle.py``.
"""

from __future__ import annotations

import pathlib
import socket
import time
import urllib.error
import urllib.request

import pytest

from viam_data_sync.server import LocalDataServer
from viam_data_sync.server.web.http import HttpListener


def _refused(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2.0)
        return sock.connect_ex((host, port)) != 0


def test_stop_is_prompt_and_closes_both_listeners() -> None:
    server = LocalDataServer().start()
    grpc_port, http_port = server.port, server.http_port
    # The HTTP listener answers before the stop (404 for an unknown path).
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{server.grpc_web_url}/nothing-here", timeout=5)
    assert err.value.code == 404
    started = time.perf_counter()
    server.stop()
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"stop() took {elapsed:.3f} s"
    assert _refused("127.0.0.1", grpc_port)
    assert _refused("127.0.0.1", http_port)


def test_http_listener_stops_without_waiting_for_a_poll() -> None:
    listener = HttpListener("127.0.0.1", 0)
    listener.start()
    port = listener.port
    times = []
    for _ in range(3):
        started = time.perf_counter()
        listener.stop()
        times.append(time.perf_counter() - started)
        assert _refused("127.0.0.1", port)
        listener = HttpListener("127.0.0.1", 0)
        listener.start()
        port = listener.port
    listener.stop()
    # A polling serve_forever() needs up to 0.5 s each time; three in a row at least ~0.75 s
    # on average. Waking the loop makes each a few milliseconds.
    assert sum(times) < 0.75, times


def test_a_stopped_server_restarts_on_the_same_store(tmp_path: pathlib.Path) -> None:
    path = str(tmp_path / "data.db")
    first = LocalDataServer(path).start()
    key = (first.api_key_id, first.api_key, first.organization_id)
    first.stop()
    second = LocalDataServer(path).start()
    try:
        assert (second.api_key_id, second.api_key, second.organization_id) == key
    finally:
        second.stop()


def test_stop_does_not_wait_for_a_running_query() -> None:
    # A query that would run until the query time limit (20 s): the stop kills its worker
    # after the grace period instead of waiting for it.
    import threading

    import grpc

    from viam_data_sync._proto.app.data.v1 import data_pb2, data_pb2_grpc

    from .conftest import SLOW_MQL, code_of, make_api

    server = LocalDataServer(query_timeout=20).start()
    import bson

    endless = SLOW_MQL  # runs until the time limit stops it
    request = data_pb2.TabularDataByMQLRequest(organization_id=server.organization_id,
                                               mql_binary=[bson.encode(s) for s in endless])
    outcome: list = []
    with grpc.insecure_channel(server.address) as channel:
        make_api(server, channel).upload_tabular([{"x": 1}])  # the $limit: 1 needs one document
        stub = data_pb2_grpc.DataServiceStub(channel)

        def call() -> None:
            with pytest.raises(grpc.RpcError) as excinfo:
                stub.TabularDataByMQL(request, metadata=[("authorization", f"Bearer {server.token()}")], timeout=60)
            outcome.append(code_of(excinfo))

        caller = threading.Thread(target=call)
        caller.start()
        deadline = time.monotonic() + 10
        while not server.queries._busy and time.monotonic() < deadline:  # the query reached a worker
            time.sleep(0.01)
        assert server.queries._busy
        started = time.perf_counter()
        server.stop(grace=0.2)
        elapsed = time.perf_counter() - started
        caller.join(10)
    assert elapsed < 5.0, f"stop() took {elapsed:.1f} s"
    assert outcome and outcome[0] in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)
