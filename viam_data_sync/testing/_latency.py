"""Added latency per call: a server interceptor that makes loopback behave like a
network (benchmarks of latency hiding, timeouts)."""
from __future__ import annotations

import time
from typing import Any, Callable

import grpc


class LatencyInjector(grpc.ServerInterceptor):
    """Delay every call by ``seconds`` before it is handled.

    Example::

        LocalDataServer(interceptors=[LatencyInjector(0.020)])   # a 20 ms network
    """

    def __init__(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self.seconds = seconds

    def intercept_service(self, continuation: Callable[[Any], Any], handler_call_details: Any) -> Any:
        handler = continuation(handler_call_details)
        if handler is None or not self.seconds:
            return handler
        delay = self.seconds

        def delayed(behavior: Callable[..., Any]) -> Callable[..., Any]:
            def run(request: Any, context: grpc.ServicerContext) -> Any:
                time.sleep(delay)
                return behavior(request, context)

            return run

        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                delayed(handler.unary_unary), handler.request_deserializer, handler.response_serializer)
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                delayed(handler.unary_stream), handler.request_deserializer, handler.response_serializer)
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                delayed(handler.stream_unary), handler.request_deserializer, handler.response_serializer)
        return handler
