"""A DataClient over a grpc_testing channel: each test plays the server by hand."""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List, Tuple

import grpc
import grpc_testing
import pytest

from viam_data_sync import DataClient
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2

SERVICES = [
    data_pb2.DESCRIPTOR.services_by_name["DataService"],
    dataset_pb2.DESCRIPTOR.services_by_name["DatasetService"],
    data_sync_pb2.DESCRIPTOR.services_by_name["DataSyncService"],
    data_pipelines_pb2.DESCRIPTOR.services_by_name["DataPipelinesService"],
]
METHODS = {method.name: method for service in SERVICES for method in service.methods}
TOKEN = "Bearer secret-token-123"
WAIT = 10.0


class Pending:
    """A client call running in a thread."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.value: Any = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.value = fn()
            except BaseException as exc:  # handed to the test
                self.error = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def result(self) -> Any:
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "the client call did not finish"
        if self.error is not None:
            raise self.error
        return self.value


class Fake:
    def __init__(self) -> None:
        self.channel = grpc_testing.channel(SERVICES, grpc_testing.strict_real_time())
        self.client = DataClient(self.channel, {"authorization": TOKEN}, timeout=WAIT, retry=None)

    # ---------------------------------------------------------------- unary
    def unary(
        self,
        method: str,
        call: Callable[[DataClient], Any],
        response: Any = None,
        code: grpc.StatusCode = grpc.StatusCode.OK,
        details: str = "",
    ) -> Tuple[Any, Any, Dict[str, str]]:
        """Run ``call(client)``, answer its ``method`` request with ``response``; returns
        ``(result, request, metadata)``."""
        descriptor = METHODS[method]
        pending = Pending(lambda: call(self.client))
        metadata, request, rpc = self.channel.take_unary_unary(descriptor)
        if response is None:
            from google.protobuf import message_factory

            response = message_factory.GetMessageClass(descriptor.output_type)()
        rpc.terminate(response, (), code, details)
        return pending.result(), request, dict(metadata)

    def request(self, method: str, call: Callable[[DataClient], Any], response: Any = None) -> Any:
        return self.unary(method, call, response)[1]

    # ---------------------------------------------------------------- client stream
    def stream(
        self,
        method: str,
        call: Callable[[DataClient], Any],
        response: Any,
    ) -> Tuple[Any, List[Any], Dict[str, str]]:
        """Run an upload; collect every request message; answer with ``response``."""
        pending = Pending(lambda: call(self.client))
        metadata, rpc = self.channel.take_stream_unary(METHODS[method])
        rpc.requests_closed()
        requests = list(rpc._rpc_state._requests)  # all of them, now that the stream is closed
        rpc._rpc_state._requests.clear()
        rpc.terminate(response, (), grpc.StatusCode.OK, "")
        return pending.result(), requests, dict(metadata)

    # ---------------------------------------------------------------- server stream
    def server_stream(
        self, method: str, call: Callable[[DataClient], Any], responses: List[Any]
    ) -> Tuple[Any, Any, Dict[str, str]]:
        pending = Pending(lambda: call(self.client))
        metadata, request, rpc = self.channel.take_unary_stream(METHODS[method])
        for response in responses:
            rpc.send_response(response)
        rpc.terminate((), grpc.StatusCode.OK, "")
        return pending.result(), request, dict(metadata)

    def nothing_sent(self) -> bool:
        states = self.channel._state._rpc_states
        return all(not pending for pending in states.values())


@pytest.fixture
def fake() -> Fake:
    return Fake()
