"""The call layer: every RPC the client sends goes through :meth:`Caller.call`.

``Caller.call(rpc, request)`` takes a row of :mod:`viam_data_sync._rpcs` and owns,
for that one user call:

* the deadline: each RPC gets the per-call timeout cut to what remains of the retry
  policy's overall deadline;
* the auth header: the API key is exchanged for a token (``Authenticate``) inside the
  attempt that needs it, so that RPC comes out of the same attempt budget and deadline
  as the call it is for; a refused token is renewed once;
* the attempts: one tenacity loop, the only retry loop of the client. ``max_attempts``
  counts every RPC the call sends, ``Authenticate`` included; what may be repeated is
  decided by the failed RPC's idempotency class (:func:`viam_data_sync._retry.should_retry`);
* the error mapping: a ``grpc.RpcError`` becomes an :mod:`viam_data_sync._errors`
  exception chained from it; an upload that may have been stored raises
  :class:`UploadOutcomeUnknown`.

Nothing above this layer retries a call again, with one exception: a page still
answered RESOURCE_EXHAUSTED after its attempts is fetched again by the page workers
(``_fetching.py``, halving the pages fetched at once). Both draw from one
:class:`~viam_data_sync._retry.PageBudget` per page (``budget=``), which this layer
charges for every RPC it sends, so one page costs at most ``DEFAULT_PAGE_RPCS`` (10)
RPCs in all. A broken export stream is resumed by its iterator.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence, Tuple, TypeVar, overload

import grpc
import tenacity
from google.protobuf.message import Message

from viam_data_sync._auth import CREDENTIALS_TYPE_API_KEY, ApiKeyAuth
from viam_data_sync._channel import Connection
from viam_data_sync._clock import SYSTEM_CLOCK, Clock
from viam_data_sync._defaults import DEFAULT_TIMEOUT
from viam_data_sync._config import USE_CLIENT_DEFAULT, RetryArg, TimeoutArg, check_timeout, resolve_retry
from viam_data_sync._errors import (
    ApiError, DeadlineExceeded, ResourceExhausted, Unauthenticated, UploadOutcomeUnknown, from_rpc_error,
    is_tls_mismatch, tls_mismatch_error,
)
from viam_data_sync._proto.proto.rpc.v1 import auth_pb2
from viam_data_sync._retry import Idempotency, PageBudget, RetryBudget, RetryPolicy, should_retry
from viam_data_sync._rpcs import RPCS, AuthService, ClientStream, Rpc, ServerStream, Unary

LOGGER = logging.getLogger("viam_data_sync")

Q = TypeVar("Q", bound=Message)
P = TypeVar("P", bound=Message)
Metadata = Tuple[Tuple[str, str], ...]

# Codes after which an upload whose bytes were all handed to gRPC may or may not have
# been stored by the server.
_AMBIGUOUS = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.ABORTED,
    }
)
#: No RPC is started with less time than this left.
_MIN_ATTEMPT_SECONDS = 0.005
#: The bound on an ``Authenticate`` made for a call that has none (an unbounded stream).
_AUTH_TIMEOUT = DEFAULT_TIMEOUT


class _stop_if(tenacity.stop.stop_base):
    """A plain ``(RetryCallState) -> bool`` predicate as a tenacity stop strategy, so it
    can be combined with ``|``."""

    def __init__(self, predicate: Callable[[tenacity.RetryCallState], bool]) -> None:
        self._predicate = predicate

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self._predicate(retry_state)


@dataclass
class _Call:
    """The state of one user call: its RPC, deadline and what it has sent so far."""

    rpc: Rpc[Any, Any]
    policy: RetryPolicy
    deadline: Optional[float]  # monotonic; None: unbounded (a stream with timeout=None)
    per_call: Optional[float]
    page_budget: Optional[PageBudget] = None  # the page this call is for: every RPC draws from it
    sent: int = 0  # RPCs sent, Authenticate included
    reauthenticated: bool = False  # a token was refused once already
    reauthenticating: bool = False  # the pending retry is that renewal
    last_error: Optional[ApiError] = None


class _RequestSource:
    """Wraps an upload's request iterator: keeps the source's own exception (gRPC
    would report it as UNKNOWN "Exception iterating requests!") and whether the
    iterator ran to its end (after which the server may have committed)."""

    def __init__(self, requests: Iterable[Any]) -> None:
        self._requests = requests
        self.error: Optional[BaseException] = None
        self.exhausted = False

    def __iter__(self) -> Iterator[Any]:
        try:
            for request in self._requests:
                yield request
        except BaseException as exc:  # re-raised to the caller as itself
            self.error = exc
            raise
        self.exhausted = True


class Caller:
    """Makes calls on a :class:`Connection` with one policy. Thread-safe.

    Args:
        connection: the channel to call on.
        metadata: gRPC metadata sent with every call.
        auth: an API key to exchange for bearer tokens (``None``: no auth header).
        timeout: the default per-call timeout in seconds (``None``: only the deadline).
        retry: the default retry policy (``None``: no retries).
        budget: the retry budget shared by every call of this caller.
        clock: time, deadlines and backoff sleeps (a test seam).
    """

    def __init__(
        self,
        connection: Connection,
        *,
        metadata: Sequence[Tuple[str, str]] = (),
        auth: Optional[ApiKeyAuth] = None,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
        retry: RetryArg = USE_CLIENT_DEFAULT,
        budget: Optional[RetryBudget] = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.connection = connection
        self._metadata: Metadata = tuple((k.lower(), v) for k, v in metadata)
        self.auth = auth
        self.timeout = check_timeout(timeout)
        self.retry = resolve_retry(retry, RetryPolicy())
        self.budget = budget if budget is not None else RetryBudget()
        if not isinstance(clock, Clock):
            raise TypeError(f"clock must be a viam_data_sync.Clock, got {type(clock).__name__}")
        self.clock = clock

    # ------------------------------------------------------------ the entry point
    @overload
    def call(self, rpc: Unary[Q, P], request: Q, *, timeout: TimeoutArg = ...,
             retry: RetryArg = ..., budget: Optional[PageBudget] = ...) -> P: ...

    @overload
    def call(self, rpc: ClientStream[Q, P], request: Callable[[], Iterable[Q]], *, replayable: bool,
             timeout: TimeoutArg = ..., retry: RetryArg = ...) -> P: ...

    @overload
    def call(self, rpc: ServerStream[Q, P], request: Q, *, timeout: TimeoutArg = ...) -> Iterator[P]: ...

    def call(self, rpc: Rpc[Any, Any], request: Any, *, timeout: TimeoutArg = USE_CLIENT_DEFAULT,
             retry: RetryArg = USE_CLIENT_DEFAULT, replayable: bool = False,
             budget: Optional[PageBudget] = None) -> Any:
        """Send ``rpc`` with ``request`` and return its response.

        * unary: the response, retried as the policy and the RPC's idempotency allow;
        * client stream (an upload): ``request`` is a function returning a fresh
          iterator of request messages for each attempt. An attempt is repeated only if
          ``replayable`` (the source can be read again), the failure is transient, and
          gRPC had not taken the last message yet, so the server cannot have stored the
          upload; a failure after that raises :class:`UploadOutcomeUnknown`, and an
          exception raised by the source reaches the caller as itself;
        * server stream: an iterator of responses, cancelled when the consumer stops
          early; ``timeout`` bounds the whole stream (``None``: unbounded). Resuming a
          broken stream is its iterator's job, since only it knows where to resume.

        ``budget`` (unary calls: a page of a paged read) is charged one RPC for every
        RPC sent, ``Authenticate`` included; the attempts stop when it is spent.
        """
        per_call = self.timeout if timeout is USE_CLIENT_DEFAULT else check_timeout(timeout)
        if isinstance(rpc, ServerStream):
            deadline = None if per_call is None else self.clock.monotonic() + per_call
            return self._server_stream(_Call(rpc, RetryPolicy.disabled(), deadline, None), request)
        policy = resolve_retry(retry, self.retry)
        call = _Call(rpc, policy, self.clock.monotonic() + policy.deadline, per_call, budget)
        if isinstance(rpc, ClientStream):
            return self._client_stream(call, request, replayable)
        return self._unary(call, request)

    # ------------------------------------------------------------ one RPC
    def _rpc_timeout(self, call: _Call) -> Optional[float]:
        """The next RPC's timeout: the per-call timeout cut to what remains of the
        deadline. With (almost) nothing left, the last error is raised again rather
        than an RPC sent with a useless deadline."""
        if call.deadline is None:
            return call.per_call
        remaining = call.deadline - self.clock.monotonic()
        value = remaining if call.per_call is None else min(call.per_call, remaining)
        if value <= _MIN_ATTEMPT_SECONDS:
            if call.last_error is not None:
                raise call.last_error
            raise DeadlineExceeded(grpc.StatusCode.DEADLINE_EXCEEDED, "the call's overall deadline passed",
                                   method=call.rpc.path)
        return value

    def _send(self, call: _Call, rpc: Rpc[Any, Any], request: Any, metadata: Metadata) -> Any:
        """Send one RPC of ``call`` (counted against its attempts)."""
        timeout = self._rpc_timeout(call)
        if rpc is AuthService.Authenticate and timeout is None:
            timeout = _AUTH_TIMEOUT
        if call.page_budget is not None and not call.page_budget.spend():
            if call.last_error is not None:
                raise call.last_error
            raise ResourceExhausted(grpc.StatusCode.RESOURCE_EXHAUSTED,
                                    f"the page's budget of {call.page_budget.max_rpcs} RPCs is spent",
                                    method=call.rpc.path)
        call.sent += 1
        method = self.connection.method(rpc)
        if isinstance(rpc, ServerStream):
            return method(request, timeout=timeout, metadata=metadata)  # errors surface while iterating
        try:
            return method(request, timeout=timeout, metadata=metadata)
        except grpc.RpcError as exc:
            raise self._error(exc, rpc) from exc

    def _error(self, exc: grpc.RpcError, rpc: Rpc[Any, Any]) -> ApiError:
        error = from_rpc_error(exc, rpc.path)
        target = self.connection.tls_target
        if target is not None and error.code == grpc.StatusCode.UNAVAILABLE and is_tls_mismatch(error.details):
            return tls_mismatch_error(target, rpc.path)
        return error

    def _headers(self, call: _Call) -> Metadata:
        """The metadata of ``call``'s next RPC, authenticating first if needed."""
        if self.auth is None:
            return self._metadata

        def authenticate(entity: str, key: str) -> str:
            # Sent with no authorization header, as the cloud requires.
            request = auth_pb2.AuthenticateRequest(
                entity=entity, credentials=auth_pb2.Credentials(type=CREDENTIALS_TYPE_API_KEY, payload=key)
            )
            response = self._send(call, AuthService.Authenticate, request, self._metadata)
            return str(response.access_token)

        return self._metadata + (self.auth.header(authenticate),)

    def _token_refused(self, call: _Call, error: ApiError, sent: Metadata) -> bool:
        """After the call's own RPC answered UNAUTHENTICATED: forget the token so the
        next attempt gets a new one, once per call."""
        if self.auth is None or call.reauthenticated or not isinstance(error, Unauthenticated):
            return False
        if error.method != call.rpc.path:
            return False  # Authenticate itself refused the key: renewing cannot help
        call.reauthenticated = True
        LOGGER.info("token rejected (%s); authenticating again", error.code.name)
        self.auth.invalidate(dict(sent).get("authorization"))
        return True

    # ------------------------------------------------------------ the attempts
    def _attempts(self, call: _Call, attempt: Callable[[], Any],
                  repeat_as: Optional[Callable[[], Idempotency]] = None) -> Any:
        """Run ``attempt`` until it succeeds or may not be repeated.

        Whether a failure may be repeated is decided by the failed RPC's row (an
        ``Authenticate`` failure sent nothing of the call itself), or for the call's own
        RPC by ``repeat_as`` when given (an upload that cannot have been stored yet
        repeats like an idempotent write).
        """
        policy = call.policy

        def retryable(exc: BaseException) -> bool:
            if not isinstance(exc, ApiError):
                return False
            call.last_error = exc
            if call.reauthenticating:
                return True
            if exc.method == call.rpc.path and repeat_as is not None:
                idempotency = repeat_as()
            else:
                row = RPCS.get(exc.method)
                idempotency = row.idempotency if row is not None else Idempotency.UNSAFE
            return should_retry(exc.code, idempotency, exc.details)

        def past_deadline(state: tenacity.RetryCallState) -> bool:
            assert call.deadline is not None
            error = call.last_error
            floor = error.retry_after() if error is not None and not call.reauthenticating else None
            return self.clock.monotonic() + (floor or 0.0) >= call.deadline

        def out_of_attempts(state: tenacity.RetryCallState) -> bool:
            spent = call.page_budget is not None and call.page_budget.left <= 0
            return spent or call.sent >= policy.max_attempts

        def budget_spent(state: tenacity.RetryCallState) -> bool:
            if call.reauthenticating or self.budget.try_spend():
                return False
            LOGGER.warning("retry budget exhausted: not retrying %s", call.rpc.path)
            return True

        def wait(state: tenacity.RetryCallState) -> float:
            error = call.last_error
            if call.reauthenticating or error is None:
                return 0.0
            delay = policy.backoff(state.attempt_number)
            after = error.retry_after()
            if after is not None:
                delay = max(delay, after)
            assert call.deadline is not None
            return max(0.0, min(delay, call.deadline - self.clock.monotonic()))

        def log(state: tenacity.RetryCallState) -> None:
            error = call.last_error
            if call.reauthenticating or error is None:
                return
            via = "" if error.method == call.rpc.path else f" from {error.method}"
            LOGGER.warning(
                "retrying %s after %s%s (%d of %d attempts) in %.2fs",
                call.rpc.path, error.code.name, via, call.sent, policy.max_attempts,
                state.next_action.sleep if state.next_action else 0.0,
            )

        def guarded() -> Any:
            call.reauthenticating = False
            return attempt()

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(retryable),
            stop=_stop_if(out_of_attempts) | _stop_if(past_deadline) | _stop_if(budget_spent),
            wait=wait,
            before_sleep=log,
            sleep=self.clock.sleep,
            reraise=True,
        )
        result = retrying(guarded)
        self.budget.record_success()
        return result

    # ------------------------------------------------------------ by kind
    def _unary(self, call: _Call, request: Any) -> Any:
        def attempt() -> Any:
            sent = self._headers(call)
            try:
                return self._send(call, call.rpc, request, sent)
            except ApiError as error:
                call.reauthenticating = self._token_refused(call, error, sent)
                raise

        try:
            return self._attempts(call, attempt)
        except ApiError as error:
            if call.rpc.upload and error.method == call.rpc.path and error.code in _AMBIGUOUS:
                raise UploadOutcomeUnknown(
                    f"upload {call.rpc.path} failed with {error.code.name}; the server may have stored it",
                    error,
                ) from error
            raise

    def _client_stream(self, call: _Call, requests: Callable[[], Iterable[Any]], replayable: bool) -> Any:
        sources: List[_RequestSource] = []

        def attempt() -> Any:
            sent = self._headers(call)
            source = _RequestSource(requests())
            sources.append(source)
            try:
                return self._send(call, call.rpc, iter(source), sent)
            except ApiError as error:
                if source.error is not None:
                    raise source.error from None
                call.reauthenticating = replayable and self._token_refused(call, error, sent)
                raise

        def repeat_as() -> Idempotency:
            # Until gRPC has taken the last message, the server cannot have stored it.
            unsent = replayable and bool(sources) and not sources[-1].exhausted
            return Idempotency.IDEMPOTENT if unsent else Idempotency.UNSAFE

        try:
            return self._attempts(call, attempt, repeat_as)
        except ApiError as error:
            if (error.method == call.rpc.path and sources and sources[-1].exhausted
                    and error.code in _AMBIGUOUS):
                raise UploadOutcomeUnknown(
                    f"upload {call.rpc.path} failed with {error.code.name} after all data was sent; "
                    "the server may have stored it",
                    error,
                ) from error
            raise

    def _server_stream(self, call: _Call, request: Any) -> Iterator[Any]:
        for first in (True, False):
            sent = self._headers(call)
            stream = self._send(call, call.rpc, request, sent)
            received = False
            try:
                for message in stream:
                    received = True
                    yield message
                return
            except grpc.RpcError as exc:
                error = self._error(exc, call.rpc)
                if first and not received and self._token_refused(call, error, sent):
                    continue
                raise error from exc
            finally:
                stream.cancel()


__all__ = ["Caller", "USE_CLIENT_DEFAULT"]
