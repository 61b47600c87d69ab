"""Seeding a real LocalDataServer with many readings, fast (batched uploads over gRPC)."""
from __future__ import annotations

import datetime as dt

import grpc

from viam_data_sync._convert import datetime_to_timestamp, dict_to_struct
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2, data_sync_pb2_grpc

T0 = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)


def seed_readings(address: str, part_id: str, count: int, *, metadata=(), batch: int = 5000,
                  component_name: str = "sensor-1", same_time_every: int = 0) -> None:
    """Upload ``count`` readings ``{"readings": {"i": n}}``; reading n is captured at
    ``T0 + n ms`` (or, with ``same_time_every=k``, k readings share each time)."""
    with grpc.insecure_channel(address, options=[("grpc.max_send_message_length", 64 << 20)]) as channel:
        stub = data_sync_pb2_grpc.DataSyncServiceStub(channel)
        for start in range(0, count, batch):
            contents = []
            for n in range(start, min(count, start + batch)):
                step = n // same_time_every if same_time_every else n
                t = datetime_to_timestamp(T0 + dt.timedelta(milliseconds=step))
                contents.append(data_sync_pb2.SensorData(
                    metadata=data_sync_pb2.SensorMetadata(time_requested=t, time_received=t),
                    struct=dict_to_struct({"readings": {"i": n}})))
            stub.DataCaptureUpload(data_sync_pb2.DataCaptureUploadRequest(
                metadata=data_sync_pb2.UploadMetadata(
                    part_id=part_id, component_type="rdk:component:sensor", component_name=component_name,
                    method_name="Readings", type=data_sync_pb2.DATA_TYPE_TABULAR_SENSOR),
                sensor_contents=contents), timeout=120, metadata=metadata)
