"""Admission: who is calling, and how much of the server they may hold.

Before anything of a call is read, :class:`Admission` names its caller (the API key of
its bearer token; its connection while auth is off; an anonymous connection for
``Authenticate``) and admits it within :class:`Limits`: at most
``max_calls_per_caller`` calls open per caller, and for calls before login a budget of
their own, ``max_anonymous_calls`` in all and ``max_anonymous_calls_per_connection``
per connection, the oldest waiter giving way to a new call. The serving core
(``serving.py``) asks it at each call's start and end, in the event loop's thread.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import time
from typing import Any, Callable, Dict, Optional, Tuple

import grpc

from viam_data_sync.server._rpc import RpcFail

AUTHENTICATE = "/proto.rpc.v1.AuthService/Authenticate"


@dataclasses.dataclass(frozen=True)
class Limits:
    """The serving limits (see ``LocalDataServer`` and the README's local-server section)."""

    max_workers: int = 16
    max_workers_per_caller: int = 8
    max_calls_per_caller: int = 32
    max_concurrent_calls: int = 1024
    request_idle_timeout: float = 60.0
    #: Calls before login, in all (default: a sixteenth of ``max_concurrent_calls``).
    max_anonymous_calls: Optional[int] = None
    max_anonymous_calls_per_connection: int = 4
    anonymous_request_timeout: float = 10.0

    @property
    def anonymous_calls(self) -> int:
        """The budget of calls before login, in all: always well under ``max_concurrent_calls``."""
        if self.max_anonymous_calls is not None:
            return min(self.max_anonymous_calls, max(1, self.max_concurrent_calls // 2))
        return max(1, self.max_concurrent_calls // 16)

    def check(self) -> None:
        for name in ("max_workers", "max_workers_per_caller", "max_calls_per_caller", "max_concurrent_calls",
                     "max_anonymous_calls_per_connection"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        if self.max_anonymous_calls is not None and self.max_anonymous_calls < 1:
            raise ValueError("max_anonymous_calls must be >= 1")
        for name in ("request_idle_timeout", "anonymous_request_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0")


class Caller:
    __slots__ = ("open", "slots", "anonymous", "waiting")

    def __init__(self, workers: int, anonymous: bool) -> None:
        self.open = 0
        self.slots = asyncio.Semaphore(workers)
        self.anonymous = anonymous
        #: A caller before login: its calls still waiting for their request, oldest first.
        self.waiting: "collections.OrderedDict[Seat, None]" = collections.OrderedDict()


class Seat:
    """One admitted call: its caller, and for a call before login, the future that ends
    its wait for the request when a newer call needs the room (see :class:`Admission`)."""

    __slots__ = ("who", "caller", "evicted", "counted")

    def __init__(self, who: str, caller: Caller, evicted: "Optional[asyncio.Future[None]]") -> None:
        self.who = who
        self.caller = caller
        self.evicted = evicted
        self.counted = True  # holds its place in the caller's (and the anonymous) count


#: The prefix of a caller that has not logged in: ``Authenticate`` while auth is on.
_ANONYMOUS = "anonymous "


class Admission:
    """Who is calling, and how much of the server they may hold. Loop thread only.

    Calls before login share one budget, and each connection has a small one. When a
    budget is full, the call in it that has waited longest for its request is ended to
    make room: a real login sends its request at once, so it is never the oldest waiter
    for long, while idle calls held to block logins are the first to go.
    """

    def __init__(self, authority: Any, limits: Limits) -> None:
        self.authority = authority
        self.limits = limits
        self._callers: Dict[str, Caller] = {}
        self._anonymous_open = 0
        self._waiting: "collections.OrderedDict[Seat, None]" = collections.OrderedDict()

    def identify(self, method: str, context: Any) -> str:
        """The caller: ``key <id>`` from a valid token, else its connection (``peer``)."""
        if not self.authority.enabled:
            return "peer " + str(context.peer())
        if method == AUTHENTICATE:
            return _ANONYMOUS + str(context.peer())
        key_id: str = self.authority.key_id_of(context.invocation_metadata())
        return "key " + key_id

    def request_timeout(self, seat: Seat) -> Tuple[float, str]:
        """How long ``seat``'s call may wait for each request message, and the setting
        that says so."""
        limits = self.limits
        if seat.caller.anonymous and limits.anonymous_request_timeout < limits.request_idle_timeout:
            return limits.anonymous_request_timeout, "anonymous_request_timeout"
        return limits.request_idle_timeout, "request_idle_timeout"

    def enter(self, who: str, loop: asyncio.AbstractEventLoop) -> Seat:
        anonymous = who.startswith(_ANONYMOUS)
        caller = self._callers.get(who)
        if caller is None:
            caller = self._callers[who] = Caller(self.limits.max_workers_per_caller, anonymous)
        try:
            if anonymous:
                self._make_anonymous_room(caller)
            elif caller.open >= self.limits.max_calls_per_caller:
                raise RpcFail(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"too many calls in flight for this caller: the server allows "
                    f"{self.limits.max_calls_per_caller} at once (max_calls_per_caller); retry later",
                )
        except RpcFail:
            self._forget_if_idle(who, caller)
            raise
        caller.open += 1
        seat = Seat(who, caller, loop.create_future() if anonymous else None)
        if anonymous:
            self._anonymous_open += 1
            self._waiting[seat] = None
            caller.waiting[seat] = None
        return seat

    def _make_anonymous_room(self, caller: Caller) -> None:
        limits = self.limits
        if caller.open >= limits.max_anonymous_calls_per_connection:
            if not caller.waiting:
                raise RpcFail(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"too many calls before login on this connection: the server allows "
                    f"{limits.max_anonymous_calls_per_connection} at once (max_anonymous_calls_per_connection); "
                    "retry later",
                )
            self._end_waiter(next(iter(caller.waiting)))
        if self._anonymous_open >= limits.anonymous_calls:
            if not self._waiting:  # every one of them is being answered: a moment's wait
                raise RpcFail(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"too many calls before login: the server allows {limits.anonymous_calls} at once "
                    "(max_anonymous_calls); retry later",
                )
            self._end_waiter(next(iter(self._waiting)))

    def _end_waiter(self, seat: Seat) -> None:
        """End ``seat``'s wait for its request; its place is free at once."""
        self._release(seat)
        if seat.evicted is not None and not seat.evicted.done():
            seat.evicted.set_result(None)

    def request_came(self, seat: Seat) -> None:
        """``seat``'s request has arrived: it is no longer a waiter to end."""
        self._waiting.pop(seat, None)
        seat.caller.waiting.pop(seat, None)

    def leave(self, seat: Seat) -> None:
        self._release(seat)
        self._forget_if_idle(seat.who, seat.caller)

    def _release(self, seat: Seat) -> None:
        self.request_came(seat)
        if seat.counted:
            seat.counted = False
            seat.caller.open -= 1
            if seat.caller.anonymous:
                self._anonymous_open -= 1

    def _forget_if_idle(self, who: str, caller: Caller) -> None:
        if caller.open == 0 and self._callers.get(who) is caller:
            del self._callers[who]


class EndedLog:
    """One log line per ``interval`` seconds for the calls before login the server ends,
    however many: under a flood of idle logins (each one ended comes straight back) a
    line per call would cost the event loop more than ending the call does.

    The first end is logged at once; the ends that follow within ``interval`` are
    counted, by reason, and logged as one line with the next end after it, or at
    :meth:`flush` (when the server stops). Loop thread only.
    """

    def __init__(self, log: logging.Logger, interval: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._log = log
        self._interval = interval
        self._clock = clock
        self._counts: Dict[str, int] = {}
        self._next = 0.0

    def ended(self, reason: str) -> None:
        """A call before login was ended, for ``reason`` (a phrase naming the setting)."""
        self._counts[reason] = self._counts.get(reason, 0) + 1
        now = self._clock()
        if now >= self._next:
            self._next = now + self._interval
            self.flush()

    def flush(self) -> None:
        counts, self._counts = self._counts, {}
        if counts:
            self._log.info(
                "calls before login ended: %s",
                "; ".join(f"{n} {reason}" for reason, n in sorted(counts.items())),
            )
