"""Plumbing shared by the local server's servicers: status errors and handler wrapping.

Every handler is wrapped so that it (1) authorizes the call, (2) turns a
:class:`RpcFail` into the gRPC status it names, an engine's :class:`QueryFailed` into
the status of its kind and the store's :class:`~.store.errors.StoreError` into the status
of its class (this is the one place errors become statuses), and (3) turns any
other exception into INTERNAL with a short message, after logging it. No Python traceback ever reaches a
client, and the server keeps serving.

Log lines never quote a request: a caller may put a key, token or password in any field
(an API key secret as the key id, say), so the log carries method names, status codes,
exception types and stack frames, never the caller's values or exception messages.
"""

from __future__ import annotations

import errno
import functools
import inspect
import logging
import sqlite3
import traceback
from typing import Any, Callable, Dict, Generator, Optional, Protocol, Set

import grpc

from viam_data_sync.server._query_errors import QueryFailed
from viam_data_sync.server.store.errors import AccessDenied, InvalidInput, NotFound, StoreError
from viam_data_sync.server.store.filters import Scope as Scope  # the services' name for it

LOG = logging.getLogger("viam_data_sync.server")

class RpcFail(Exception):
    """Raised inside a handler to end the call with ``code`` and ``message``."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(message: str) -> RpcFail:
    return RpcFail(grpc.StatusCode.INVALID_ARGUMENT, message)


def not_found(message: str) -> RpcFail:
    return RpcFail(grpc.StatusCode.NOT_FOUND, message)


def denied(message: str) -> RpcFail:
    return RpcFail(grpc.StatusCode.PERMISSION_DENIED, message)


class Organizations(Protocol):
    """What :func:`check_org` asks of the store."""

    def organization_exists(self, organization_id: str) -> bool: ...


def check_org(organizations: Organizations, organization_id: str, scope: Scope) -> None:
    """An organization named explicitly: must be non-empty, visible and known."""
    if not organization_id:
        raise invalid("organization_id is required")
    if scope is not None and organization_id not in scope:
        raise denied(f"no access to organization {organization_id}")
    if not organizations.organization_exists(organization_id):
        raise not_found(f"organization {organization_id} not found")


class ContextAborted(Exception):
    """What ``context.abort()`` raises in a handler run by the server's worker pool
    (``_aio.SyncContext``): the status is recorded, and this unwinds the handler."""


class Authorizer(Protocol):
    """What a servicer needs from the auth layer (see ``_auth.TokenAuthority``)."""

    def scope(self, context: grpc.ServicerContext) -> Scope: ...


def log_unexpected(logger: logging.Logger, what: str, exc: BaseException, level: int = logging.ERROR) -> None:
    """Log an unexpected exception by type and stack frames, without its message.

    The message (and a chained one) may quote the request, so it is withheld.
    """
    frames = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
    logger.log(level, "%s failed unexpectedly: %s (message withheld)\n%s", what, type(exc).__name__, frames)


_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


#: SQLite's codes for a write that found no room: SQLITE_FULL (ENOSPC), and
#: SQLITE_IOERR_WRITE, which is what a quota or file size limit (EDQUOT, EFBIG) gives.
_FULL_SQLITE_CODES = frozenset({sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR_WRITE})


def storage_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk (or a quota or file size limit) is full."""
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return True
    return isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) in _FULL_SQLITE_CODES


#: The status of each kind of :class:`QueryFailed`.
QUERY_STATUS = {
    "invalid": grpc.StatusCode.INVALID_ARGUMENT,
    "unavailable": grpc.StatusCode.UNIMPLEMENTED,
    "time": grpc.StatusCode.DEADLINE_EXCEEDED,
    "memory": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "too_large": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "busy": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "stopping": grpc.StatusCode.UNAVAILABLE,
    "crashed": grpc.StatusCode.UNAVAILABLE,  # a worker died or did not start: retried
    "internal": grpc.StatusCode.INTERNAL,
}


#: The status of each kind of :class:`~.store.errors.StoreError`.
STORE_STATUS = {
    InvalidInput: grpc.StatusCode.INVALID_ARGUMENT,
    AccessDenied: grpc.StatusCode.PERMISSION_DENIED,
    NotFound: grpc.StatusCode.NOT_FOUND,
}


def _abort(context: grpc.ServicerContext, method: str, exc: BaseException) -> None:
    if isinstance(exc, QueryFailed):
        exc = RpcFail(QUERY_STATUS[exc.kind], exc.message)
    elif isinstance(exc, StoreError):
        code = next((code for kind, code in STORE_STATUS.items() if isinstance(exc, kind)), None)
        if code is not None:
            exc = RpcFail(code, exc.message)
    if isinstance(exc, RpcFail):
        LOG.debug("%s -> %s", method, exc.code.name)
        context.abort(exc.code, exc.message)
    if storage_full(exc):
        # Every write is all-or-nothing (temp file, one transaction), so nothing is kept.
        LOG.error("%s: the server's storage is full (%s)", method, type(exc).__name__)
        context.abort(
            grpc.StatusCode.RESOURCE_EXHAUSTED, "the server's storage is full (or cannot grow); nothing was stored"
        )
    log_unexpected(LOG, method, exc)
    context.abort(grpc.StatusCode.INTERNAL, f"internal error in {method}; see the server log")


def handler(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a servicer method ``fn(self, request, context, scope)``.

    ``scope`` is the frozenset of organization ids the caller may see, or ``None``
    when auth is off (everything visible). Generator handlers stay generators.
    """
    method = fn.__name__

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def stream_wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
            try:
                scope = self.auth.scope(context)
                yield from fn(self, request, context, scope)
            except Exception as exc:  # noqa: BLE001 - mapped to a status
                if _is_abort(exc):
                    raise
                _abort(context, method, exc)

        return stream_wrapper

    @functools.wraps(fn)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            scope = self.auth.scope(context)
            return fn(self, request, context, scope)
        except Exception as exc:  # noqa: BLE001 - mapped to a status
            if _is_abort(exc):
                raise
            _abort(context, method, exc)

    return wrapper


def _is_abort(exc: BaseException) -> bool:
    # context.abort() raises after recording the status (grpc's sync server a bare
    # Exception, our worker pool ContextAborted); let it through untouched so that status
    # is what the client sees.
    return isinstance(exc, ContextAborted) or (type(exc) is Exception and not exc.args)


#: A client-stream consumer: a generator that receives each request message by ``yield``
#: (``None`` at the end of the stream) and returns the response.
Consumer = Generator[None, Any, Any]


def stream_handler(fn: Callable[..., Consumer]) -> Callable[..., Any]:
    """Wrap a client-streaming servicer method written as a consumer,
    ``fn(self, context, scope)``, that takes each request by ``message = yield``
    (``None`` once the stream has ended) and returns the response.

    The result is an ordinary grpcio stream handler ``(self, request_iterator, context)``
    (so interceptors can wrap it); :func:`consumer_of` gives ``consumer(self, context)``: the
    same consumer with auth and error mapping, for a server that hands it each message
    as it arrives instead of blocking a thread on the stream (``web/serving.py``).
    """
    method = fn.__name__

    def consumer(self: Any, context: grpc.ServicerContext) -> Consumer:
        try:
            scope = self.auth.scope(context)
            return (yield from fn(self, context, scope))
        except Exception as exc:  # noqa: BLE001 - mapped to a status
            if _is_abort(exc):
                raise
            _abort(context, method, exc)

    @functools.wraps(fn)
    def wrapper(self: Any, request_iterator: Any, context: grpc.ServicerContext) -> Any:
        steps = consumer(self, context)
        try:
            next(steps)
            try:
                messages = iter(request_iterator)
                while True:
                    try:
                        message = next(messages, None)
                    except grpc.RpcError:
                        steps.throw(RpcFail(grpc.StatusCode.CANCELLED, "upload stream broken before it completed"))
                        raise AssertionError("unreachable") from None  # the consumer re-raised it as a status
                    steps.send(message)
                    if message is None:
                        break
            finally:
                steps.close()
        except StopIteration as stop:
            return stop.value
        raise RuntimeError(f"{method} did not return at the end of its stream")

    _CONSUMERS[wrapper] = consumer
    return wrapper


#: Each client-stream handler made by :func:`stream_handler`, and its consumer.
_CONSUMERS: Dict[Callable[..., Any], Callable[..., Consumer]] = {}


def consumer_of(handler_fn: Any) -> Optional[Callable[..., Consumer]]:
    """The consumer behind a (bound) handler made by :func:`stream_handler`, or None."""
    return _CONSUMERS.get(getattr(handler_fn, "__func__", handler_fn))


def fill_unimplemented(cls: type, service_descriptor: Any, implemented: Set[str]) -> None:
    """Give ``cls`` a handler answering UNIMPLEMENTED, naming the RPC, for every RPC
    of ``service_descriptor`` not in ``implemented``."""
    for method in service_descriptor.methods:
        if method.name in implemented:
            continue
        setattr(cls, method.name, _unimplemented(service_descriptor.full_name, method))


def _unimplemented(service: str, method: Any) -> Callable[..., Any]:
    name = method.name
    message = f"{service}/{name} is not implemented by the local Data API server"
    server_streaming = method.server_streaming if hasattr(method, "server_streaming") else False

    def unary(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        _check_auth(self, context)
        context.abort(grpc.StatusCode.UNIMPLEMENTED, message)

    def streaming(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        _check_auth(self, context)
        context.abort(grpc.StatusCode.UNIMPLEMENTED, message)
        yield  # pragma: no cover

    fn = streaming if server_streaming else unary
    fn.__name__ = name
    return fn


def _check_auth(servicer: Any, context: grpc.ServicerContext) -> None:
    try:
        servicer.auth.scope(context)
    except RpcFail as exc:
        context.abort(exc.code, exc.message)
