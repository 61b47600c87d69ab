"""Benchmark the local Data API server: filter-page latency vs store size, and ingest rate.

Builds two file-backed stores by direct bulk insert (not through gRPC), serves each with
``LocalDataServer`` and times ``TabularDataByFilter`` pages over loopback, then measures
tabular batch ingest through ``DataCaptureUpload``. Prints figures and ratios; asserts
nothing.

Usage::

    python scripts/bench_server.py            # 10k vs 1M readings
    python scripts/bench_server.py --small    # 10k vs 100k (quick)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from typing import Any, Callable, Dict, List

import grpc

from viam_data_sync._convert import datetime_to_timestamp, dict_to_struct
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync.server import LocalDataServer
from viam_data_sync.server.store import Store
from viam_data_sync.server.store.readings import insert as insert_readings

T0_NS = 1_700_000_000 * 1_000_000_000
STEP_NS = 1_000_000_000  # one reading per second per component
COMPONENTS = ("sensor-a", "sensor-b", "sensor-c", "sensor-d")
PAGE = 100
REPEATS = 25


def build_store(path: str, n: int) -> Dict[str, Any]:
    """Create a server store at ``path`` holding ``n`` readings; returns fleet ids."""
    with LocalDataServer(path) as server:  # creates schema, fleet and key
        fleet = server.fleet
    store = Store(path, path + ".blobs")
    try:
        batch: List[tuple] = []
        for i in range(n):
            component = COMPONENTS[i % len(COMPONENTS)]
            t = T0_NS + i * STEP_NS // len(COMPONENTS)
            data = json.dumps({"readings": {"temp": 20.0 + (i % 100) / 10, "humidity": i % 97, "seq": i}})
            batch.append(
                (
                    uuid.uuid4().hex,
                    fleet.organization_id,
                    fleet.location_id,
                    fleet.robot_id,
                    fleet.robot_name,
                    fleet.part_id,
                    fleet.part_name,
                    "rdk:component:sensor",
                    component,
                    "Readings",
                    "{}",
                    '["bench"]' if i % 10 == 0 else "[]",
                    "",
                    t,
                    t,
                    data,
                )
            )
            if len(batch) == 20_000:
                with store.write() as conn:
                    insert_readings(conn, batch)
                batch.clear()
        if batch:
            with store.write() as conn:
                insert_readings(conn, batch)
        store.conn().execute("ANALYZE")
    finally:
        store.close()
    return {"n": n}


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure_pages(path: str, n: int) -> Dict[str, float]:
    """Median latency (ms) of several kinds of filter page at this store size."""
    out: Dict[str, float] = {}
    with LocalDataServer(path) as server, grpc.insecure_channel(server.address) as channel:
        from viam_data_sync._proto.app.data.v1 import data_pb2_grpc

        stub = data_pb2_grpc.DataServiceStub(channel)
        md = (("authorization", "Bearer " + server.token()),)

        def page(flt: Any, order: int = 0, last: str = "") -> Any:
            return stub.TabularDataByFilter(
                data_pb2.TabularDataByFilterRequest(
                    data_request=data_pb2.DataRequest(filter=flt, limit=PAGE, sort_order=order, last=last)
                ),
                metadata=md,
                timeout=60,
            )

        mid = T0_NS + (n // 2) * STEP_NS // len(COMPONENTS)
        mid_ts = datetime_to_timestamp(dt.datetime.fromtimestamp(mid / 1e9, dt.timezone.utc))
        scenarios = {
            "first page, no filter": lambda: page(data_pb2.Filter()),
            "newest page (descending)": lambda: page(data_pb2.Filter(), data_pb2.ORDER_DESCENDING),
            "component + interval from the middle": lambda: page(
                data_pb2.Filter(component_name="sensor-c", interval=data_pb2.CaptureInterval(start=mid_ts))
            ),
            "tags filter (10% tagged)": lambda: page(
                data_pb2.Filter(tags_filter=data_pb2.TagsFilter(tags=["bench"]))
            ),
        }
        deep_last = [""]

        def next_page() -> None:
            response = page(data_pb2.Filter(part_id=server.part_id), last=deep_last[0])
            deep_last[0] = response.last

        # cursor at the middle of the store: page via an interval once, then follow cursors
        scenarios["following the cursor"] = next_page
        for name, fn in scenarios.items():
            fn()  # warm
            out[name] = statistics.median(timed(fn) for _ in range(REPEATS)) * 1000
    return out


def measure_ingest(batches: int = 200, per_batch: int = 100) -> float:
    """Readings per second stored through DataCaptureUpload (``per_batch`` readings a call)."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        LocalDataServer(os.path.join(tmp, "ingest.db")) as server,
        grpc.insecure_channel(server.address) as channel,
    ):
        from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2_grpc

        stub = data_sync_pb2_grpc.DataSyncServiceStub(channel)
        md = (("authorization", "Bearer " + server.token()),)
        meta = data_sync_pb2.UploadMetadata(
            part_id=server.part_id,
            component_type="rdk:component:sensor",
            component_name="s",
            method_name="Readings",
            type=data_sync_pb2.DATA_TYPE_TABULAR_SENSOR,
        )
        request = data_sync_pb2.DataCaptureUploadRequest(
            metadata=meta,
            sensor_contents=[
                data_sync_pb2.SensorData(struct=dict_to_struct({"readings": {"temp": 20.0 + i, "seq": i}}))
                for i in range(per_batch)
            ],
        )
        stub.DataCaptureUpload(request, metadata=md, timeout=60)
        start = time.perf_counter()
        for _ in range(batches):
            stub.DataCaptureUpload(request, metadata=md, timeout=60)
        elapsed = time.perf_counter() - start
    return batches * per_batch / elapsed


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="compare 10k with 100k readings (quick)")
    args = parser.parse_args(argv)
    sizes = (10_000, 100_000) if args.small else (10_000, 1_000_000)
    results: Dict[int, Dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = os.path.join(tmp, f"bench-{n}.db")
            start = time.perf_counter()
            build_store(path, n)
            print(f"built {n:>9,} readings in {time.perf_counter() - start:6.1f} s", flush=True)
            results[n] = measure_pages(path, n)
    small, large = sizes
    print(f"\nTabularDataByFilter, {PAGE} rows a page, median of {REPEATS} (ms):")
    print(f"{'scenario':<40}{small:>12,}{large:>12,}{'ratio':>8}")
    for name in results[small]:
        a, b = results[small][name], results[large][name]
        print(f"{name:<40}{a:>12.2f}{b:>12.2f}{b / a:>8.2f}")
    rate = measure_ingest()
    print(f"\nDataCaptureUpload ingest: {rate:,.0f} readings/s (batches of 100, one client thread)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
