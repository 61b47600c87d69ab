"""Calls before login cannot take the room authenticated callers need (issue 23, item 1).

The attack: 33 connections, each holding 32 ``Authenticate`` calls that never send their
request. Counted per connection (32 each) against one shared limit
(``max_concurrent_calls`` = 1024), they filled the server: authenticated calls and new
logins all failed with RESOURCE_EXHAUSTED for as long as the idle calls were held.
Calls before login now share a small budget of their own (a sixteenth of
``max_concurrent_calls``, and 4 per connection), the oldest waiter giving way to a new
call, and their request must come within ``anonymous_request_timeout``.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from contextlib import ExitStack
from typing import Any, Iterator, List

import grpc
import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync.server import LocalDataServer
from viam_data_sync.server.web.serving import event_loop

from .conftest import authenticate, make_api

AUTHENTICATE = "/proto.rpc.v1.AuthService/Authenticate"
#: A channel of its own connection: grpc shares one connection between the channels of
#: a process otherwise, and the attack is many connections.
OWN_CONNECTION = [("grpc.use_local_subchannel_pool", 1)]


class _Silent:
    def __init__(self, release: threading.Event) -> None:
        self.release = release

    def __iter__(self) -> Iterator[Any]:
        self.release.wait(60)
        return
        yield  # pragma: no cover


def _idle_logins(stack: ExitStack, address: str, release: threading.Event, connections: int,
                 per_connection: int) -> List[Any]:
    futures = []
    for _ in range(connections):
        channel = stack.enter_context(grpc.insecure_channel(address, options=OWN_CONNECTION))
        method = channel.stream_unary(AUTHENTICATE, request_serializer=lambda m: m.SerializeToString())
        futures += [method.future(iter(_Silent(release)), timeout=60) for _ in range(per_connection)]
    return futures


@pytest.mark.parametrize("connections", [33, 40])  # 1,056 (the attack) and 1,280 idle logins
def test_idle_logins_on_many_connections_leave_authenticated_calls_and_new_logins_served(connections: int) -> None:
    release = threading.Event()
    with ExitStack() as stack, LocalDataServer() as server:
        stack.callback(release.set)
        with grpc.insecure_channel(server.address, options=OWN_CONNECTION) as channel:
            api = make_api(server, channel)  # logged in before the attack
            idle = _idle_logins(stack, server.address, release, connections, 32)
            time.sleep(0.5)  # the idle calls are open at the server
            for _ in range(20):
                response = api.call(api.data.TabularDataByFilter, data_pb2.TabularDataByFilterRequest(), timeout=5)
                assert response.count == 0
            # A new client logs in, on a connection of its own, while the idle calls are held.
            with grpc.insecure_channel(server.address, options=OWN_CONNECTION) as fresh:
                assert authenticate(fresh, server.api_key_id, server.api_key)
        # Once every idle call has reached the server, what stays open is within the
        # budget of calls before login (1024 // 16); the rest were ended.
        deadline = time.monotonic() + 30
        while len([future for future in idle if not future.done()]) > 64:
            assert time.monotonic() < deadline, "more idle logins stayed open than the budget"
            time.sleep(0.1)
        for future in idle:
            if future.done():
                assert future.exception().code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        for future in idle:
            future.cancel()


def test_a_login_that_sends_nothing_is_ended_after_the_anonymous_request_timeout() -> None:
    release = threading.Event()
    with ExitStack() as stack, LocalDataServer(anonymous_request_timeout=0.5) as server:
        stack.callback(release.set)
        [future] = _idle_logins(stack, server.address, release, 1, 1)
        error = future.exception(timeout=10)
        assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert "anonymous_request_timeout" in error.details()


def test_one_connection_holds_at_most_its_share_of_idle_logins_and_a_real_login_still_passes() -> None:
    release = threading.Event()
    # A long anonymous_request_timeout: only the newer call can end the first one.
    with ExitStack() as stack, LocalDataServer(max_anonymous_calls_per_connection=2,
                                               anonymous_request_timeout=120) as server:
        stack.callback(release.set)
        channel = stack.enter_context(grpc.insecure_channel(server.address, options=OWN_CONNECTION))
        method = channel.stream_unary(AUTHENTICATE, request_serializer=lambda m: m.SerializeToString())
        calls = [method.future(iter(_Silent(release)), timeout=60) for _ in range(3)]
        deadline = time.monotonic() + 30
        while not any(future.done() for future in calls):
            assert time.monotonic() < deadline, "no call made room for the third"
            time.sleep(0.02)
        time.sleep(0.2)
        # The oldest waiter at the server (the order calls arrive in is the server's) made room.
        [ended] = [future for future in calls if future.done()]
        assert ended.exception().code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "max_anonymous_calls" in ended.exception().details()
        assert authenticate(channel, server.api_key_id, server.api_key)  # same connection, served
        deadline = time.monotonic() + 30  # the login ended one more waiter (its end may still be on its way)
        while sum(future.done() for future in calls) < 2:
            assert time.monotonic() < deadline, "the login made no room on its connection"
            time.sleep(0.02)
        time.sleep(0.2)
        assert sum(future.done() for future in calls) == 2
        for future in calls:
            future.cancel()


def _until(condition: Any, message: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.02)


class _Arrivals(grpc.ServerInterceptor):
    """Records the method of each call as the server takes it up, in that order."""

    def __init__(self) -> None:
        self.methods: List[str] = []

    def intercept_service(self, continuation: Any, handler_call_details: Any) -> Any:
        self.methods.append(handler_call_details.method)
        return continuation(handler_call_details)


def test_an_authenticated_call_does_not_wait_behind_logins_queued_before_it() -> None:
    # The attack's cost was a queue: grpc's server takes new calls one at a time from a
    # queue in its core, and the logins ended to make room came straight back, so an
    # authenticated call waited behind hundreds of them. Logins now have a queue of
    # their own. Here the server's loop is held while 60 idle logins and then one
    # authenticated call arrive on one connection (in that order), then let go.
    arrivals = _Arrivals()
    release, loop_held = threading.Event(), threading.Event()
    with ExitStack() as stack, LocalDataServer(interceptors=[arrivals]) as server:
        stack.callback(release.set)
        stack.callback(loop_held.set)
        channel = stack.enter_context(grpc.insecure_channel(server.address, options=OWN_CONNECTION))
        api = make_api(server, channel)
        event_loop().call_soon_threadsafe(loop_held.wait, 60)  # it takes no new call meanwhile
        arrivals.methods.clear()
        method = channel.stream_unary(AUTHENTICATE, request_serializer=lambda m: m.SerializeToString())
        idle = [method.future(iter(_Silent(release)), timeout=60) for _ in range(60)]
        time.sleep(0.5)  # the logins are at the server before the authenticated call
        answer = api.data.TabularDataByFilter.future(
            data_pb2.TabularDataByFilterRequest(), metadata=api.metadata, timeout=60)
        time.sleep(0.5)
        loop_held.set()
        assert answer.result().count == 0
        taken = arrivals.methods.index("/viam.app.data.v1.DataService/TabularDataByFilter")
        # In one queue it came 61st; in its own, among the first taken up.
        assert taken < 10, arrivals.methods[:taken + 1]
        # And the logins are taken up too, each through the interceptor.
        _until(lambda: arrivals.methods.count(AUTHENTICATE) >= 60, "the queued logins were not all taken up")
        for future in idle:
            future.cancel()


def test_a_flood_of_ended_logins_is_logged_as_counts_not_a_line_each(caplog: Any) -> None:
    caplog.set_level(logging.INFO, logger="viam_data_sync.server")
    release = threading.Event()
    with ExitStack() as stack, LocalDataServer(max_anonymous_calls_per_connection=1,
                                               anonymous_request_timeout=120) as server:
        stack.callback(release.set)
        calls = _idle_logins(stack, server.address, release, 1, 30)
        _until(lambda: sum(future.done() for future in calls) >= 29,  # each new one ended the one before
               "the logins did not make room for each other")
        for future in calls:
            future.cancel()
    # The server has stopped: what it had counted but not yet logged is logged.
    lines = [r.getMessage() for r in caplog.records if "calls before login ended" in r.getMessage()]
    assert 1 <= len(lines) <= 3, lines  # one a line each before
    assert sum(int(n) for line in lines for n in re.findall(r"(\d+) to make room", line)) == 29
    assert not [r for r in caplog.records if "ended before its request came" in r.getMessage()]


class _NoLogins(grpc.ServerInterceptor):
    def intercept_service(self, continuation: Any, handler_call_details: Any) -> Any:
        return None if handler_call_details.method == AUTHENTICATE else continuation(handler_call_details)


def test_an_interceptor_still_decides_each_login_in_its_own_queue() -> None:
    with LocalDataServer(interceptors=[_NoLogins()]) as server, \
            grpc.insecure_channel(server.address, options=OWN_CONNECTION) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            authenticate(channel, server.api_key_id, server.api_key)
        assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED
