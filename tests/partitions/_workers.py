"""Code run in spawned processes by the partition tests: it gets only a partition's
JSON and the server address, builds its own client, and reads."""
from __future__ import annotations

import datetime as dt
import threading
import time

import grpc

from viam_data_sync import DataClient, Partition
from viam_data_sync._convert import datetime_to_timestamp, dict_to_struct
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2, data_sync_pb2_grpc


def read_ids(args):
    """Read one partition (JSON) in this process: the ``i`` of each row."""
    address, payload = args
    partition = Partition.from_json(payload)
    with DataClient(grpc.insecure_channel(address)) as client:
        return [int(row.data["readings"]["i"]) for row in client.read_partition(partition, page_size=97)]


class LiveWriter:
    """Uploads batches of live readings (captured now) until stopped, one batch after
    the other: a batch is created only once the previous one is stored."""

    def __init__(self, address: str, part_id: str, *, start: int, batch: int = 20,
                 component_name: str = "sensor-1", pause: float = 0.0, metadata=()) -> None:
        self.address, self.part_id, self.batch, self.component_name = address, part_id, batch, component_name
        self.metadata = tuple(metadata)
        self.pause = pause
        self.next = start
        self.stored = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "LiveWriter":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def wait_for(self, batches: int) -> None:
        target = self.stored + batches * self.batch
        while self.stored < target and self._thread.is_alive():
            time.sleep(0.005)

    def _run(self) -> None:
        with grpc.insecure_channel(self.address) as channel:
            stub = data_sync_pb2_grpc.DataSyncServiceStub(channel)
            while not self._stop.is_set():
                contents = []
                for _ in range(self.batch):
                    t = datetime_to_timestamp(dt.datetime.now(dt.timezone.utc))
                    contents.append(data_sync_pb2.SensorData(
                        metadata=data_sync_pb2.SensorMetadata(time_requested=t, time_received=t),
                        struct=dict_to_struct({"readings": {"i": self.next}})))
                    self.next += 1
                stub.DataCaptureUpload(data_sync_pb2.DataCaptureUploadRequest(
                    metadata=data_sync_pb2.UploadMetadata(
                        part_id=self.part_id, component_type="rdk:component:sensor",
                        component_name=self.component_name, method_name="Readings",
                        type=data_sync_pb2.DATA_TYPE_TABULAR_SENSOR),
                    sensor_contents=contents), timeout=30, metadata=self.metadata)
                self.stored += len(contents)
                self._stop.wait(self.pause)


def read_arrow(args):
    """Read one partition (JSON) in this process as a ``pyarrow.Table``, returned as
    Arrow IPC stream bytes."""
    import pyarrow as pa

    address, payload = args
    partition = Partition.from_json(payload)
    with DataClient(grpc.insecure_channel(address)) as client:
        table = client.read_partition(partition).to_arrow()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()
