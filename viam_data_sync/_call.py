"""The call layer: deadline, auth header, retry policy and error mapping per RPC.

``DataClient`` builds requests and maps responses; everything about *making* a call
lives here. Each attempt gets an explicit timeout, cut to what remains of the call's
overall deadline; failures become :mod:`viam_data_sync._errors` exceptions chained
from the ``grpc.RpcError``; retries follow :mod:`viam_data_sync._retry`.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Dict, Iterable, Iterator, Optional, Sequence, Tuple, Type, Union

import grpc
import tenacity

from viam_data_sync._auth import ApiKeyAuth
from viam_data_sync._channel import Connection
from viam_data_sync._errors import (
    ApiError,
    DeadlineExceeded,
    Unauthenticated,
    UploadOutcomeUnknown,
    from_rpc_error,
)
from viam_data_sync._proto.app.data.v1 import data_pb2_grpc
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2_grpc
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2_grpc
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2_grpc
from viam_data_sync._proto.proto.rpc.v1 import auth_pb2_grpc
from viam_data_sync._retry import IDEMPOTENCY, Idempotency, RetryBudget, RetryPolicy, should_retry

LOGGER = logging.getLogger("viam_data_sync")


class _stop_if(tenacity.stop.stop_base):
    """A plain ``(RetryCallState) -> bool`` predicate as a tenacity stop strategy, so it
    can be combined with ``|`` (tenacity calls it exactly as it would the bare callable)."""

    def __init__(self, predicate: Callable[[tenacity.RetryCallState], bool]) -> None:
        self._predicate = predicate

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self._predicate(retry_state)


class _Default:
    def __repr__(self) -> str:
        return "USE_CLIENT_DEFAULT"


#: Pass as ``timeout=`` or ``retry=`` to use the client's default (the default).
USE_CLIENT_DEFAULT: Any = _Default()

SERVICES: Dict[type, str] = {
    data_pb2_grpc.DataServiceStub: "viam.app.data.v1.DataService",
    dataset_pb2_grpc.DatasetServiceStub: "viam.app.dataset.v1.DatasetService",
    data_sync_pb2_grpc.DataSyncServiceStub: "viam.app.datasync.v1.DataSyncService",
    auth_pb2_grpc.AuthServiceStub: "proto.rpc.v1.AuthService",
    data_pipelines_pb2_grpc.DataPipelinesServiceStub: "viam.app.datapipelines.v1.DataPipelinesService",
}

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

Timeout = Union[float, None, Any]
#: No attempt is started with less time than this left.
_MIN_ATTEMPT_SECONDS = 0.005


def method_path(stub_cls: type, name: str) -> str:
    return f"/{SERVICES[stub_cls]}/{name}"


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
    """Makes calls on a :class:`Connection` with one policy. Thread-safe."""

    def __init__(
        self,
        connection: Connection,
        *,
        metadata: Sequence[Tuple[str, str]] = (),
        auth: Optional[ApiKeyAuth] = None,
        timeout: Optional[float] = 60.0,
        retry: Optional[RetryPolicy] = None,
        budget: Optional[RetryBudget] = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be > 0 or None")
        self.connection = connection
        self._metadata = tuple((k.lower(), v) for k, v in metadata)
        self.auth = auth
        self.timeout = timeout
        self.retry = retry if retry is not None else RetryPolicy()
        self.budget = budget if budget is not None else RetryBudget()
        self._sleep = sleep

    # ------------------------------------------------------------ helpers
    def _policy(self, retry: Any) -> RetryPolicy:
        if retry is USE_CLIENT_DEFAULT:
            return self.retry
        if retry is None:
            return RetryPolicy.disabled()
        if not isinstance(retry, RetryPolicy):
            raise TypeError("retry must be a RetryPolicy, None or USE_CLIENT_DEFAULT")
        return retry

    def _attempt_timeout(self, timeout: Timeout, deadline: float, last_error: Optional[BaseException] = None) -> float:
        """This attempt's timeout: the per-call timeout cut to what remains of the
        overall deadline. With (almost) nothing left, the previous attempt's error is
        raised again rather than a call sent with a useless deadline."""
        per_call = self.timeout if timeout is USE_CLIENT_DEFAULT else timeout
        remaining = deadline - time.monotonic()
        value = remaining if per_call is None else min(float(per_call), remaining)
        if value <= _MIN_ATTEMPT_SECONDS:
            if last_error is not None:
                raise last_error
            raise DeadlineExceeded(grpc.StatusCode.DEADLINE_EXCEEDED, "the call's overall deadline passed")
        return value

    def metadata(self, timeout: float) -> Tuple[Tuple[str, str], ...]:
        if self.auth is None:
            return self._metadata
        return self._metadata + self.auth.metadata(timeout)

    def _reauthenticate(self, error: ApiError, sent: Tuple[Tuple[str, str], ...]) -> bool:
        """After UNAUTHENTICATED: drop the token so the next attempt gets a new one."""
        if self.auth is None or not isinstance(error, Unauthenticated):
            return False
        header = dict(sent).get("authorization")
        LOGGER.info("token rejected (%s); authenticating again", error.code.name)
        self.auth.invalidate(header)
        return True

    def _retrying(self, path: str, idempotency: Idempotency, policy: RetryPolicy, deadline: float,
                  extra: Callable[[BaseException], bool] = lambda e: True) -> tenacity.Retrying:
        def retryable(exc: BaseException) -> bool:
            return isinstance(exc, ApiError) and should_retry(exc.code, idempotency, exc.details) and extra(exc)

        def past_deadline(state: tenacity.RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            wait_floor = exc.retry_after() if isinstance(exc, ApiError) else None
            return time.monotonic() + (wait_floor or 0.0) >= deadline

        def budget_spent(state: tenacity.RetryCallState) -> bool:
            if self.budget.try_spend():
                return False
            LOGGER.warning("retry budget exhausted: not retrying %s", path)
            return True

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            delay = policy.backoff(state.attempt_number)
            after = exc.retry_after() if isinstance(exc, ApiError) else None
            if after is not None:
                delay = max(delay, after)
            return max(0.0, min(delay, deadline - time.monotonic()))

        def log(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            code = exc.code.name if isinstance(exc, ApiError) else type(exc).__name__
            LOGGER.warning(
                "retrying %s after %s (attempt %d of %d) in %.2fs",
                path, code, state.attempt_number, policy.max_attempts,
                state.next_action.sleep if state.next_action else 0.0,
            )

        return tenacity.Retrying(
            retry=tenacity.retry_if_exception(retryable),
            stop=(
                tenacity.stop_after_attempt(policy.max_attempts)
                | _stop_if(past_deadline)
                | _stop_if(budget_spent)
            ),
            wait=wait,
            before_sleep=log,
            sleep=self._sleep,
            reraise=True,
        )

    # ------------------------------------------------------------ unary
    def unary(
        self,
        stub_cls: Type[Any],
        name: str,
        request: Any,
        *,
        timeout: Timeout = USE_CLIENT_DEFAULT,
        retry: Any = USE_CLIENT_DEFAULT,
        upload: bool = False,
    ) -> Any:
        """Call a unary RPC. ``upload=True`` turns ambiguous failures into
        :class:`UploadOutcomeUnknown` (the server may have stored the data)."""
        path = method_path(stub_cls, name)
        idempotency = IDEMPOTENCY.get(path, Idempotency.UNSAFE)
        policy = self._policy(retry)
        deadline = time.monotonic() + policy.deadline

        errors: list[ApiError] = []

        def attempt() -> Any:
            for _ in range(2):  # a second pass only after re-authenticating
                attempt_timeout = self._attempt_timeout(timeout, deadline, errors[-1] if errors else None)
                sent = self.metadata(attempt_timeout)
                try:
                    method = getattr(self.connection.stub(stub_cls), name)
                    return method(request, timeout=attempt_timeout, metadata=sent)
                except grpc.RpcError as exc:
                    error = from_rpc_error(exc, path)
                    if _ == 0 and self._reauthenticate(error, sent):
                        continue
                    errors.append(error)
                    raise error from exc
            raise AssertionError("unreachable")

        try:
            result = self._retrying(path, idempotency, policy, deadline)(attempt)
        except ApiError as error:
            if upload and error.code in _AMBIGUOUS:
                raise UploadOutcomeUnknown(
                    f"upload {path} failed with {error.code.name}; the server may have stored it",
                    error,
                ) from error
            raise
        self.budget.record_success()
        return result

    # ------------------------------------------------------------ client stream
    def stream_unary(
        self,
        stub_cls: Type[Any],
        name: str,
        requests: Callable[[], Iterable[Any]],
        *,
        replayable: bool,
        timeout: Timeout = USE_CLIENT_DEFAULT,
        retry: Any = USE_CLIENT_DEFAULT,
    ) -> Any:
        """Call a client-streaming RPC (an upload).

        ``requests()`` is called once per attempt for a fresh iterator. An attempt is
        repeated only if ``replayable`` (the source can be read again), the failure is
        transient, and gRPC had not taken the last message yet, so the server cannot
        have stored the upload. A failure after the last message was handed over is
        ambiguous and raises :class:`UploadOutcomeUnknown`; an exception raised by the
        source reaches the caller as itself.
        """
        path = method_path(stub_cls, name)
        policy = self._policy(retry)
        deadline = time.monotonic() + policy.deadline
        sources: list[_RequestSource] = []

        errors: list[ApiError] = []

        def attempt() -> Any:
            for _ in range(2):
                attempt_timeout = self._attempt_timeout(timeout, deadline, errors[-1] if errors else None)
                sent = self.metadata(attempt_timeout)
                source = _RequestSource(requests())
                sources.append(source)
                try:
                    method = getattr(self.connection.stub(stub_cls), name)
                    return method(iter(source), timeout=attempt_timeout, metadata=sent)
                except grpc.RpcError as exc:
                    if source.error is not None:
                        raise source.error from None
                    error = from_rpc_error(exc, path)
                    if _ == 0 and replayable and self._reauthenticate(error, sent):
                        continue
                    errors.append(error)
                    raise error from exc
            raise AssertionError("unreachable")

        def safe_to_repeat(exc: BaseException) -> bool:
            return replayable and bool(sources) and not sources[-1].exhausted

        retrying = self._retrying(path, Idempotency.IDEMPOTENT, policy, deadline, safe_to_repeat)
        try:
            result = retrying(attempt)
        except ApiError as error:
            if sources and sources[-1].exhausted and error.code in _AMBIGUOUS:
                raise UploadOutcomeUnknown(
                    f"upload {path} failed with {error.code.name} after all data was sent; "
                    "the server may have stored it",
                    error,
                ) from error
            raise
        self.budget.record_success()
        return result

    # ------------------------------------------------------------ server stream
    def server_stream(
        self,
        stub_cls: Type[Any],
        name: str,
        request: Any,
        *,
        timeout: Timeout = USE_CLIENT_DEFAULT,
    ) -> Iterator[Any]:
        """Iterate a server-streaming RPC; the stream is cancelled when the consumer
        stops early (``close()``, ``break``, garbage collection).

        ``timeout`` bounds the *whole* stream. Resuming a broken stream is the
        caller's job (see the export iterator), since only it knows where to resume.
        """
        path = method_path(stub_cls, name)
        limit = self.timeout if timeout is USE_CLIENT_DEFAULT else timeout
        deadline = None if limit is None else time.monotonic() + float(limit)
        for first in (True, False):
            # ``timeout=None`` bounds nothing: a long export may legitimately run for hours.
            attempt_timeout = None if deadline is None else self._attempt_timeout(None, deadline)
            sent = self.metadata(attempt_timeout if attempt_timeout is not None else float(self.timeout or 60.0))
            call = getattr(self.connection.stub(stub_cls), name)(request, timeout=attempt_timeout, metadata=sent)
            received = False
            try:
                for message in call:
                    received = True
                    yield message
                return
            except grpc.RpcError as exc:
                error = from_rpc_error(exc, path)
                if first and not received and self._reauthenticate(error, sent):
                    continue
                raise error from exc
            finally:
                call.cancel()
