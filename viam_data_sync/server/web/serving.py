"""The local server's serving core: grpc's asyncio server in front of the sync servicers.

Why: grpcio's thread-pool server hands each call one of its worker threads as the call
starts, before the request has arrived or any auth check ran, so as many idle calls as
there are threads stop the server for everyone. Here one event loop holds every call
while it waits on its client (for the request, the next upload chunk, room to send a
response), and a worker thread is taken only for the database and file work between
messages:

* Every method is registered as request-streaming, whatever its kind (the bytes on the
  wire are the same), so the request is read here, under ``request_idle_timeout``: a
  call whose request, or whose next upload chunk, does not come in time is ended with
  DEADLINE_EXCEEDED.
* Before anything is read, the caller is identified: the API key id of the bearer token
  (signature and expiry checked in the loop, no database read), or for ``Authenticate``
  and with auth off, the connection. A call without a valid token is refused at once.
* Per caller, at most ``max_calls_per_caller`` calls are open (RESOURCE_EXHAUSTED
  beyond, at once) and at most ``max_workers_per_caller`` of them use a worker thread at
  a time (the others wait in the loop, holding no thread); overall, ``max_workers``
  threads do the work and grpc refuses calls beyond ``max_concurrent_calls``.
* Calls made before logging in (``Authenticate`` while auth is on) share one small
  budget of their own, ``max_anonymous_calls`` in all and ``max_anonymous_calls_per_connection``
  per connection, and their request must come within ``anonymous_request_timeout``:
  however many connections hold idle logins, they cannot fill ``max_concurrent_calls``,
  so authenticated callers are always served.
* ``Authenticate`` is a registered method of grpc's server, so its new calls wait in a
  queue of their own in grpc's core: grpc's asyncio server takes one new call from each
  queue per turn of its loop, so a flood of logins (the ones ended to make room come
  straight back) does not stand between an authenticated call and its handler. Every
  other method shares the generic queue.
* Uploads are consumers (``_rpc.stream_handler``): each chunk is handed to a worker as
  it arrives. A response stream (``ExportTabularData``) runs on one worker, which stops
  when the client reads nothing for ``request_idle_timeout``.

Interceptors given to ``LocalDataServer`` are grpc's sync ``ServerInterceptor``: they see
and may replace the sync handlers (in the loop, so they must not block), which are then
served as above; a replaced client-stream handler reads its stream on a worker thread
(the idle timeout still ends it). ``grpc.aio.ServerInterceptor`` objects are given to
grpc's server as they are.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import threading
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Sequence, Tuple

import grpc
from google.protobuf.message import DecodeError

from viam_data_sync.server._rpc import LOG, ContextAborted, RpcFail, consumer_of, log_unexpected
from viam_data_sync.server.web.admission import AUTHENTICATE, Admission, Caller, EndedLog, Limits, Seat

#: Responses a response stream may have ready ahead of its client.
STREAM_BUFFER = 16

#: The methods whose new calls wait in a queue of their own in grpc's core (see above).
OWN_QUEUE = (AUTHENTICATE,)


# ---------------------------------------------------------------- the event loop
_LOOP_LOCK = threading.Lock()
_LOOP: Optional[asyncio.AbstractEventLoop] = None


def event_loop() -> asyncio.AbstractEventLoop:
    """The process's serving loop, on a daemon thread (one for every server: grpc's
    asyncio layer shares one completion queue per process)."""
    global _LOOP
    with _LOOP_LOCK:
        if _LOOP is None:
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="viam-data-server-loop", daemon=True).start()
            ready.wait()
            _LOOP = loop
        return _LOOP


def _forget_loop() -> None:  # a forked child has no loop thread
    global _LOOP
    _LOOP = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_loop)


# ---------------------------------------------------------------- what sync code sees
class SyncContext:
    """The ``grpc.ServicerContext`` a sync handler sees on a worker thread.

    ``abort`` records the status and raises :class:`ContextAborted`; the loop sends it.
    """

    def __init__(self, context: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._context = context
        self._loop = loop
        self.code: Optional[grpc.StatusCode] = None
        self.details = ""
        self.cancelled = False

    def abort(self, code: grpc.StatusCode, details: str = "") -> None:
        if self.code is None:
            self.code, self.details = code, details
        raise ContextAborted()

    def abort_with_status(self, status: Any) -> None:
        if status.trailing_metadata:
            self.set_trailing_metadata(status.trailing_metadata)
        self.abort(status.code, status.details)

    def fail_internal(self, method: str, exc: BaseException) -> None:
        log_unexpected(LOG, method, exc)
        if self.code is None:
            self.code = grpc.StatusCode.INTERNAL
            self.details = f"internal error in {method.rsplit('/', 1)[-1]}; see the server log"

    def invocation_metadata(self) -> Any:
        return self._context.invocation_metadata()

    def peer(self) -> str:
        return str(self._context.peer())

    def time_remaining(self) -> Optional[float]:
        remaining: Optional[float] = self._context.time_remaining()
        return remaining

    def is_active(self) -> bool:
        return not (self.cancelled or self._context.done() or self._context.cancelled())

    def set_trailing_metadata(self, metadata: Any) -> None:
        self._context.set_trailing_metadata(tuple(metadata))

    def set_code(self, code: grpc.StatusCode) -> None:
        self._context.set_code(code)

    def set_details(self, details: str) -> None:
        self._context.set_details(details)

    def add_callback(self, callback: Callable[[], None]) -> bool:
        return False

    def auth_context(self) -> Any:
        return self._context.auth_context()

    def send_initial_metadata(self, metadata: Any) -> None:
        asyncio.run_coroutine_threadsafe(self._context.send_initial_metadata(metadata), self._loop).result()


class StreamEnded(grpc.RpcError):
    """Raised by a worker's request iterator when the stream went silent or broke."""


# ---------------------------------------------------------------- a consumer's steps
class _Steps:
    """Drives an upload consumer from worker threads, one step at a time."""

    def __init__(self, consumer: Any, context: SyncContext, method: str) -> None:
        self._consumer = consumer
        self._context = context
        self._method = method
        self._lock = threading.Lock()
        self.done = False
        self.result: Any = None

    def send(self, value: Any) -> bool:
        """Hand ``value`` to the consumer (the first call starts it); True once it is done."""
        with self._lock:
            if self.done:
                return True
            try:
                self._consumer.send(value)
                return False
            except StopIteration as stop:
                self.result = stop.value
            except ContextAborted:
                pass
            except Exception as exc:  # noqa: BLE001 - a status, never a traceback
                self._context.fail_internal(self._method, exc)
            self.done = True
            return True

    def close(self) -> None:
        with self._lock:
            if not self.done:
                self.done = True
                with contextlib.suppress(Exception):
                    self._consumer.close()  # its cleanup runs: temp files go


def _run(method: str, fn: Callable[..., Any], request: Any, context: SyncContext) -> Any:
    try:
        return fn(request, context)
    except ContextAborted:
        return None
    except Exception as exc:  # noqa: BLE001
        if type(exc) is Exception and not exc.args:  # grpc's own abort, from an interceptor
            return None
        context.fail_internal(method, exc)
        return None


_EOF = object()
_TIMED_OUT = object()
_ENDED = object()


async def _within(awaitable: Any, timeout: float, ended: "Optional[asyncio.Future[None]]" = None) -> Any:
    """``await awaitable``, or ``_TIMED_OUT`` after ``timeout`` seconds, or ``_ENDED``
    once ``ended`` (if given) is done.

    Not ``asyncio.wait_for``: before Python 3.12 it can swallow a cancellation that
    arrives as the awaited operation completes, and a client's cancel comes exactly so
    (its stream ends as it is cancelled).
    """
    task = asyncio.ensure_future(awaitable)
    waiting = {task} if ended is None else {task, ended}
    try:
        done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if task not in done:
        task.cancel()
        return _ENDED if ended is not None and ended in done else _TIMED_OUT
    return task.result()


class ServingCore:
    """One ``grpc.aio`` server serving sync handlers under :class:`Limits`."""

    def __init__(
        self,
        handlers: Dict[str, Any],
        interceptors: Sequence[Any],
        authority: Any,
        limits: Limits,
        options: Sequence[Tuple[str, Any]],
    ) -> None:
        limits.check()
        self.handlers = handlers
        self.sync_interceptors = [i for i in interceptors if not isinstance(i, grpc.aio.ServerInterceptor)]
        self.aio_interceptors = [i for i in interceptors if isinstance(i, grpc.aio.ServerInterceptor)]
        self.admission = Admission(authority, limits)
        self.ended_log = EndedLog(LOG)
        self.limits = limits
        self.options = list(options)
        self.loop = event_loop()
        self.pool: Optional[concurrent.futures.ThreadPoolExecutor] = None
        self._server: Optional[grpc.aio.Server] = None
        self._stopped = threading.Event()

    # ------------------------------------------------------------ lifecycle
    def start(self, address: str) -> int:
        """Listen on ``address`` and serve; returns the port."""
        port: int = asyncio.run_coroutine_threadsafe(self._start(address), self.loop).result(timeout=60)
        return port

    async def _start(self, address: str) -> int:
        self.pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.limits.max_workers, thread_name_prefix="viam-data-server"
        )
        server = grpc.aio.server(
            handlers=[_Generic(self)],
            interceptors=self.aio_interceptors,
            options=self.options,
            maximum_concurrent_rpcs=self.limits.max_concurrent_calls,
        )
        for method in OWN_QUEUE:
            if method in self.handlers:
                service, name = method[1:].split("/")
                server.add_registered_method_handlers(service, {name: self._own_queue(method)})
        port = server.add_insecure_port(address)
        if not port:
            raise OSError(f"cannot listen on {address}")
        await server.start()
        self._server = server
        return int(port)

    def stop(self, grace: Optional[float], before_join: Optional[Callable[[], None]] = None) -> None:
        """Stop listening; calls still running after ``grace`` seconds are cancelled.
        ``before_join`` runs next, before waiting for the handler threads (it can end
        what they wait on, e.g. a query in a worker process)."""
        server, self._server = self._server, None
        if server is not None:
            asyncio.run_coroutine_threadsafe(self._stop(server, grace), self.loop).result()
        if before_join is not None:
            before_join()
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self._stopped.set()

    async def _stop(self, server: grpc.aio.Server, grace: Optional[float]) -> None:
        await server.stop(grace)
        self.ended_log.flush()  # the ends of calls before login not logged yet

    def wait(self, timeout: Optional[float]) -> bool:
        return self._stopped.wait(timeout)

    # ------------------------------------------------------------ handlers
    def lookup(self, details: Any) -> Any:
        """The sync handler for a call, after the sync interceptors."""

        def step(index: int, call_details: Any) -> Any:
            if index == len(self.sync_interceptors):
                return self.handlers.get(call_details.method)
            return self.sync_interceptors[index].intercept_service(
                lambda d: step(index + 1, d), call_details
            )

        return step(0, details)

    def _own_queue(self, method: str) -> Any:
        """The registered handler of ``method`` (a unary call): the sync interceptors still
        see each call, as a generic handler's calls do."""
        base = self.handlers[method]

        async def unary(requests: Any, context: Any) -> Any:
            h = base
            if self.sync_interceptors:
                h = self.lookup(_CallDetails(method, context.invocation_metadata()))
            if h is None or h.unary_unary is None:
                await context.abort(grpc.StatusCode.UNIMPLEMENTED, f"{method} is not served")
            return await self._unary(method, h.unary_unary, context)

        return grpc.stream_unary_rpc_method_handler(unary, base.request_deserializer, base.response_serializer)

    def wrap(self, method: str, h: Any) -> Any:
        des, ser = h.request_deserializer, h.response_serializer
        if not h.request_streaming and not h.response_streaming:

            async def unary(requests: Any, context: Any) -> Any:
                return await self._unary(method, h.unary_unary, context)

            return grpc.stream_unary_rpc_method_handler(unary, des, ser)
        if not h.request_streaming:

            async def server_stream(requests: Any, context: Any) -> None:
                await self._server_stream(method, h.unary_stream, context)

            return grpc.stream_stream_rpc_method_handler(server_stream, des, ser)
        if not h.response_streaming:

            async def client_stream(requests: Any, context: Any) -> Any:
                return await self._client_stream(method, h.stream_unary, context)

            return grpc.stream_unary_rpc_method_handler(client_stream, des, ser)
        return h  # bidirectional: none in these services

    # ------------------------------------------------------------ pieces
    @contextlib.asynccontextmanager
    async def _admitted(self, method: str, context: Any) -> AsyncIterator[Seat]:
        try:
            who = self.admission.identify(method, context)
            seat = self.admission.enter(who, self.loop)
        except RpcFail as fail:
            LOG.debug("%s refused before its request: %s", method, fail.code.name)
            await context.abort(fail.code, fail.message)
            raise  # unreachable: abort raises
        try:
            yield seat
        finally:
            self.admission.leave(seat)

    async def _job(self, caller: Caller, context: SyncContext, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` on a worker, within the caller's share of the workers."""
        assert self.pool is not None
        await caller.slots.acquire()
        try:
            future = self.pool.submit(fn, *args)
        except BaseException:
            caller.slots.release()
            raise
        # The slot is the thread's: it is given back when the work ends, even if the call
        # was cancelled while the work ran.
        future.add_done_callback(lambda _: self.loop.call_soon_threadsafe(caller.slots.release))
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            context.cancelled = True
            raise

    async def _read(self, method: str, context: Any, seat: Seat) -> Any:
        """The next request message (``_EOF`` at the end); ends a silent call."""
        timeout, setting = self.admission.request_timeout(seat)
        try:
            message = await _within(context.read(), timeout, seat.evicted)
        except (DecodeError, ValueError, TypeError):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "a request message does not parse")
        if message is _ENDED:
            self.ended_log.ended("to make room for newer ones (max_anonymous_calls)")
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "this call before login sent no request while newer ones waited (max_anonymous_calls); retry",
            )
        self.admission.request_came(seat)
        if message is _TIMED_OUT:
            if seat.caller.anonymous:
                self.ended_log.ended(f"with no request for {timeout:g} s ({setting})")
            else:
                LOG.info("%s: no request message for %g s; call ended", method, timeout)
            await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, _idle_message(timeout, setting))
        return _EOF if message is grpc.aio.EOF else message

    async def _request(self, method: str, context: Any, seat: Seat) -> Any:
        """The one request message of a call with a unary request."""
        request = await self._read(method, context, seat)
        if request is _EOF:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "the call ended without its request message")
        return request

    async def _finish(self, context: Any, sync: SyncContext) -> None:
        if sync.code is not None:
            await context.abort(sync.code, sync.details)

    async def _unary(self, method: str, fn: Any, context: Any) -> Any:
        async with self._admitted(method, context) as seat:
            caller = seat.caller
            request = await self._request(method, context, seat)
            sync = SyncContext(context, self.loop)
            response = await self._job(caller, sync, _run, method, fn, request, sync)
            await self._finish(context, sync)
            return response

    async def _server_stream(self, method: str, fn: Any, context: Any) -> None:
        async with self._admitted(method, context) as seat:
            caller = seat.caller
            request = await self._request(method, context, seat)
            sync = SyncContext(context, self.loop)
            queue: "asyncio.Queue[Any]" = asyncio.Queue(STREAM_BUFFER)
            job = asyncio.ensure_future(self._job(caller, sync, self._pump, method, fn, request, sync, queue))
            timeout = self.limits.request_idle_timeout
            try:
                while True:
                    getter = asyncio.ensure_future(queue.get())
                    done, _ = await asyncio.wait({getter, job}, return_when=asyncio.FIRST_COMPLETED)
                    if getter not in done:
                        getter.cancel()
                        break
                    await self._write(context, getter.result(), timeout)
                while not queue.empty():
                    await self._write(context, queue.get_nowait(), timeout)
                await job
            finally:
                sync.cancelled = sync.cancelled or not job.done()
            await self._finish(context, sync)

    async def _write(self, context: Any, message: Any, timeout: float) -> None:
        if await _within(context.write(message), timeout) is _TIMED_OUT:
            await context.abort(
                grpc.StatusCode.DEADLINE_EXCEEDED,
                f"the client read no response for {timeout:g} s (the server's request_idle_timeout)",
            )

    def _pump(self, method: str, fn: Any, request: Any, sync: SyncContext, queue: "asyncio.Queue[Any]") -> None:
        """On a worker: run a response stream, handing each response to the loop."""
        timeout = self.limits.request_idle_timeout
        responses = None
        try:
            responses = iter(fn(request, sync))
            for response in responses:
                if sync.cancelled:
                    return
                put = asyncio.run_coroutine_threadsafe(queue.put(response), self.loop)
                try:
                    put.result(timeout)
                except concurrent.futures.TimeoutError:
                    put.cancel()
                    sync.cancelled = True
                    return
        except ContextAborted:
            pass
        except Exception as exc:  # noqa: BLE001
            if not (type(exc) is Exception and not exc.args):
                sync.fail_internal(method, exc)
        finally:
            close = getattr(responses, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()

    async def _client_stream(self, method: str, fn: Any, context: Any) -> Any:
        async with self._admitted(method, context) as seat:
            caller = seat.caller
            sync = SyncContext(context, self.loop)
            consumer = consumer_of(fn)
            owner = getattr(fn, "__self__", None)
            if consumer is None or owner is None:
                return await self._bridged(method, fn, context, caller, sync)
            steps = _Steps(consumer(owner, sync), sync, method)
            try:
                finished = await self._job(caller, sync, steps.send, None)  # auth, up to the first message
                while not finished:
                    message = await self._read(method, context, seat)
                    finished = await self._job(caller, sync, steps.send, None if message is _EOF else message)
            finally:
                if not steps.done:
                    self._later(steps.close)
            await self._finish(context, sync)
            return steps.result

    def _later(self, fn: Callable[[], None]) -> None:
        with contextlib.suppress(RuntimeError):  # the pool is shut down: the server stopped
            assert self.pool is not None
            self.pool.submit(fn)

    async def _bridged(self, method: str, fn: Any, context: Any, caller: Caller, sync: SyncContext) -> Any:
        """A client-stream handler that is not a consumer (an interceptor replaced it):
        it reads its stream on a worker, each message fetched from the loop."""
        ended: List[str] = []
        timeout = self.limits.request_idle_timeout

        async def next_message() -> Any:
            try:
                message = await _within(context.read(), timeout)
            except (DecodeError, ValueError, TypeError):
                ended.append("bad")
                return None
            if message is _TIMED_OUT:
                ended.append("idle")
                return None
            return _EOF if message is grpc.aio.EOF else message

        loop = self.loop

        def requests() -> Any:
            while True:
                message = asyncio.run_coroutine_threadsafe(next_message(), loop).result(timeout + 5)
                if message is _EOF:
                    return
                if message is None:
                    raise StreamEnded()
                yield message

        response = await self._job(caller, sync, _run, method, fn, requests(), sync)
        if "idle" in ended:
            await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, _idle_message(timeout, "request_idle_timeout"))
        if "bad" in ended:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "a request message does not parse")
        await self._finish(context, sync)
        return response


def _idle_message(timeout: float, setting: str) -> str:
    return (
        f"no request message for {timeout:g} s (the server's {setting}); "
        "the call was ended and nothing was stored"
    )


class _CallDetails(grpc.HandlerCallDetails):
    def __init__(self, method: str, invocation_metadata: Any) -> None:
        self.method = method
        self.invocation_metadata = invocation_metadata


class _Generic(grpc.GenericRpcHandler):
    def __init__(self, core: ServingCore) -> None:
        self._core = core

    def service(self, handler_call_details: Any) -> Any:
        handler = self._core.lookup(handler_call_details)
        if handler is None:
            return None
        return self._core.wrap(handler_call_details.method, handler)


class HandlerCollector:
    """Stands in for a ``grpc.Server`` in the generated ``add_*Servicer_to_server``
    functions, collecting their sync method handlers by full method path."""

    def __init__(self) -> None:
        self.handlers: Dict[str, Any] = {}

    def add_generic_rpc_handlers(self, generic_handlers: Any) -> None:
        pass  # the same handlers also come by add_registered_method_handlers

    def add_registered_method_handlers(self, service_name: str, method_handlers: Dict[str, Any]) -> None:
        for name, h in method_handlers.items():
            self.handlers[f"/{service_name}/{name}"] = h
