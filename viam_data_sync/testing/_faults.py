"""Fault injection for a gRPC server: fail calls on a schedule, cut streams mid-way.

Pass a :class:`FaultInjector` as a server interceptor (``LocalDataServer(interceptors=
[faults])``) to see how client code behaves when the network or the service fails.

Example::

    faults = FaultInjector()
    faults.fail("TabularDataByFilter", grpc.StatusCode.UNAVAILABLE, times=2)
    faults.fail("ExportTabularData", grpc.StatusCode.UNAVAILABLE, after_messages=10, times=1)
    faults.fail(None, grpc.StatusCode.UNAVAILABLE, every=10)   # one call in ten, any method
"""
from __future__ import annotations

import dataclasses
import random
import threading
from collections import Counter
from typing import Any, Callable, Iterator, List, Optional

import grpc


@dataclasses.dataclass
class FaultRule:
    """One scheduled failure; see :meth:`FaultInjector.fail`."""

    method: Optional[str]
    code: grpc.StatusCode
    details: str = "injected fault"
    times: Optional[int] = None
    every: Optional[int] = None
    probability: Optional[float] = None
    after_messages: Optional[int] = None
    after_handler: bool = False
    retry_after: Optional[float] = None
    fired: int = 0
    seen: int = 0

    def matches(self, full_method: str) -> bool:
        if self.method is None:
            return True
        return full_method == self.method or full_method.rsplit("/", 1)[-1] == self.method


class FaultInjector(grpc.ServerInterceptor):
    """A server interceptor that fails matching calls according to its rules. Thread-safe."""

    def __init__(self, seed: int = 0) -> None:
        self._rules: List[FaultRule] = []
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.calls: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()

    def fail(
        self,
        method: Optional[str],
        code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE,
        *,
        times: Optional[int] = None,
        every: Optional[int] = None,
        probability: Optional[float] = None,
        after_messages: Optional[int] = None,
        after_handler: bool = False,
        retry_after: Optional[float] = None,
        details: str = "injected fault",
    ) -> FaultRule:
        """Add a rule.

        Args:
            method: a method name (``"TagsByFilter"``) or full path; ``None`` for all.
            code: the status to fail with.
            times: fire at most this many times (default: unlimited).
            every: fire on every N-th matching call (else on each matching call).
            probability: fire with this probability (seeded: repeatable).
            after_messages: for server streams, send this many messages first, then
                fail (a stream cut mid-way); for client streams, read this many
                request messages first.
            after_handler: run the real handler first (its effects are committed),
                then fail: the response is "lost" on the way back.
            retry_after: send a ``retry-after`` trailer (seconds).
        """
        rule = FaultRule(method, code, details, times, every, probability, after_messages, after_handler, retry_after)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def _pick(self, full_method: str) -> Optional[FaultRule]:
        with self._lock:
            self.calls[full_method] += 1
            for rule in self._rules:
                if not rule.matches(full_method):
                    continue
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                rule.seen += 1
                if rule.every is not None and rule.seen % rule.every != 0:
                    continue
                if rule.probability is not None and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                self.injected[full_method] += 1
                return rule
        return None

    @staticmethod
    def _abort(context: grpc.ServicerContext, rule: FaultRule) -> None:
        if rule.retry_after is not None:
            context.set_trailing_metadata((("retry-after", str(rule.retry_after)),))
        context.abort(rule.code, rule.details)

    def intercept_service(self, continuation: Callable[[Any], Any], handler_call_details: Any) -> Any:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        rule = self._pick(handler_call_details.method)
        if rule is None:
            return handler
        abort = self._abort
        if handler.unary_unary:
            inner = handler.unary_unary

            def unary_unary(request: Any, context: grpc.ServicerContext) -> Any:
                if rule.after_handler:
                    inner(request, context)
                abort(context, rule)

            return grpc.unary_unary_rpc_method_handler(
                unary_unary, handler.request_deserializer, handler.response_serializer
            )
        if handler.unary_stream:
            inner_stream = handler.unary_stream

            def unary_stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
                if rule.after_messages:
                    for index, message in enumerate(inner_stream(request, context)):
                        if index >= rule.after_messages:
                            break
                        yield message
                abort(context, rule)

            return grpc.unary_stream_rpc_method_handler(
                unary_stream, handler.request_deserializer, handler.response_serializer
            )
        if handler.stream_unary:
            inner_client = handler.stream_unary

            def stream_unary(request_iterator: Iterator[Any], context: grpc.ServicerContext) -> Any:
                if rule.after_handler:
                    inner_client(request_iterator, context)
                    abort(context, rule)
                for index, _message in enumerate(request_iterator):
                    if rule.after_messages is not None and index + 1 >= rule.after_messages:
                        break
                abort(context, rule)

            return grpc.stream_unary_rpc_method_handler(
                stream_unary, handler.request_deserializer, handler.response_serializer
            )
        return handler
