"""Small server interceptors for tests: wrap one unary method's handler."""
from __future__ import annotations

from typing import Any, Callable

import grpc


def wrap_unary(continuation: Callable[[Any], Any], details: Any, method: str,
               around: Callable[[Callable[[Any, Any], Any], Any, Any], Any]) -> Any:
    """The handler for ``details``; for the unary method named ``method``, one whose
    calls go through ``around(inner, request, context)``."""
    handler = continuation(details)
    if handler is None or not details.method.endswith(f"/{method}"):
        return handler
    inner = handler.unary_unary
    return grpc.unary_unary_rpc_method_handler(lambda request, context: around(inner, request, context),
                                               handler.request_deserializer, handler.response_serializer)
