"""``export_tabular_data(timeout=)`` bounds the whole export (issue 23, item 9).

Before, ``timeout`` bounded each stream, and a broken stream that had given new rows was
resumed without end: against a server streaming rows forever, ``timeout=3`` reopened the
stream 11 times in 30 s while the list grew, and never returned. The server here is a
real grpcio server on loopback whose ``ExportTabularData`` streams a row every 20 ms
for as long as the call lasts (it gives up after 6 streams, so the old client returns a
list instead of hanging the suite).
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from typing import Any, Iterator

import grpc
import pytest

from viam_data_sync import DataClient, DeadlineExceeded
from viam_data_sync._convert import ns_to_timestamp
from viam_data_sync._proto.app.data.v1 import data_pb2, data_pb2_grpc


class Endless(data_pb2_grpc.DataServiceServicer):
    def __init__(self) -> None:
        self.streams = 0
        self.lock = threading.Lock()

    def ExportTabularData(self, request: Any, context: Any) -> Iterator[Any]:  # noqa: N802
        with self.lock:
            self.streams += 1
            if self.streams > 6:
                return
        t = 1_700_000_000_000_000_000 if not request.HasField("interval") else 0
        t = max(t, request.interval.start.ToNanoseconds() if request.HasField("interval") else 0)
        while context.is_active():
            t += 1_000_000
            yield data_pb2.ExportTabularDataResponse(
                part_id=request.part_id, resource_name=request.resource_name,
                resource_subtype=request.resource_subtype, method_name=request.method_name,
                time_captured=ns_to_timestamp(t),
            )
            time.sleep(0.02)


@pytest.fixture
def endless() -> Iterator[tuple]:
    servicer = Endless()
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(8))
    data_pb2_grpc.add_DataServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield servicer, f"127.0.0.1:{port}"
    finally:
        server.stop(0)


def test_an_explicit_timeout_bounds_the_whole_export(endless: tuple) -> None:
    servicer, address = endless
    with DataClient(grpc.insecure_channel(address)) as client:
        with pytest.raises(DeadlineExceeded):
            client.export_tabular_data("part", "sensor-1", "rdk:component:sensor", "Readings", timeout=1.5)
    assert servicer.streams == 1  # one stream, cut at the export's deadline, not resumed
