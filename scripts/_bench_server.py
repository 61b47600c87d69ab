#!/usr/bin/env python3
"""A LocalDataServer in its own process, seeded for a benchmark (client and server in
one process would share the GIL and distort every figure).

Prints one JSON line (address and fleet ids) when ready; serves until stdin closes.

    python scripts/_bench_server.py --rows 20000 [--ties 10000] [--latency-ms 20] [--images 200 --image-kb 256] [--auth]

With ``--auth`` the server checks API keys; the key's id and secret are printed too
(for readers that, like Spark executors, build their own clients from a key).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from typing import Any

import grpc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from viam_data_sync._convert import datetime_to_timestamp, dict_to_struct  # noqa: E402
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2, data_sync_pb2_grpc  # noqa: E402
from viam_data_sync.server import LocalDataServer  # noqa: E402
from viam_data_sync.testing import LatencyInjector  # noqa: E402

T0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def seed(address: str, part_id: str, rows: int, images: int, image_kb: int, metadata: Any = (),
         ties: int = 0) -> None:
    """``rows`` readings one second apart; with ``ties``, the last ``ties`` of them
    share one timestamp (a batch captured in one instant)."""
    with grpc.insecure_channel(address, options=[("grpc.max_send_message_length", 64 << 20)]) as channel:
        stub = data_sync_pb2_grpc.DataSyncServiceStub(channel)
        batch = 1000
        for start in range(0, rows, batch):
            contents = []
            for i in range(start, min(rows, start + batch)):
                t = T0 + dt.timedelta(seconds=min(i, rows - ties))
                reading = {"readings": {"temperature": 20 + (i % 100) / 10, "humidity": 40.0 + (i % 7),
                                        "ok": i % 2 == 0, "name": f"s{i % 5}", "pos": [1.0, 2.0, float(i)],
                                        "nested": {"a": i, "b": None}}}
                contents.append(data_sync_pb2.SensorData(
                    metadata=data_sync_pb2.SensorMetadata(time_requested=datetime_to_timestamp(t),
                                                          time_received=datetime_to_timestamp(t)),
                    struct=dict_to_struct(reading)))
            stub.DataCaptureUpload(data_sync_pb2.DataCaptureUploadRequest(
                metadata=data_sync_pb2.UploadMetadata(
                    part_id=part_id, component_type="rdk:component:sensor", component_name="sensor-1",
                    method_name="Readings", type=data_sync_pb2.DATA_TYPE_TABULAR_SENSOR),
                sensor_contents=contents), timeout=120, metadata=metadata)
        blob = os.urandom(image_kb * 1024)
        for i in range(images):
            t = T0 + dt.timedelta(seconds=i)
            stub.DataCaptureUpload(data_sync_pb2.DataCaptureUploadRequest(
                metadata=data_sync_pb2.UploadMetadata(
                    part_id=part_id, component_type="rdk:component:camera", component_name="cam-1",
                    method_name="ReadImage", type=data_sync_pb2.DATA_TYPE_BINARY_SENSOR, file_extension=".bin"),
                sensor_contents=[data_sync_pb2.SensorData(
                    metadata=data_sync_pb2.SensorMetadata(time_requested=datetime_to_timestamp(t),
                                                          time_received=datetime_to_timestamp(t)),
                    binary=blob[:-4] + i.to_bytes(4, "big"))]), timeout=120, metadata=metadata)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=0)
    parser.add_argument("--ties", type=int, default=0)
    parser.add_argument("--images", type=int, default=0)
    parser.add_argument("--image-kb", type=int, default=256)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--max-upload-bytes", type=int, default=None)
    parser.add_argument("--max-workers", type=int, default=16)
    parser.add_argument("--auth", action="store_true", help="check API keys (printed with the address)")
    ns = parser.parse_args()
    latency = LatencyInjector(0.0)
    with tempfile.TemporaryDirectory() as tmp:
        server = LocalDataServer(os.path.join(tmp, "bench.db"), auth=ns.auth, interceptors=[latency],
                                 max_page_size=10_000, max_message_bytes=256 << 20,
                                 max_workers=ns.max_workers)
        with server:
            auth = [("authorization", f"Bearer {server.token()}")] if ns.auth else []
            seed(server.address, server.part_id, ns.rows, ns.images, ns.image_kb, auth, ns.ties)
            latency.seconds = ns.latency_ms / 1000.0  # seeding ran at full speed
            key = {"api_key": server.api_key, "api_key_id": server.api_key_id} if ns.auth else {}
            print(json.dumps({"address": server.address, "organization_id": server.organization_id,
                              "part_id": server.part_id, "pid": os.getpid(), **key}), flush=True)
            sys.stdin.read()  # until the benchmark closes our stdin
    return 0


if __name__ == "__main__":
    sys.exit(main())
