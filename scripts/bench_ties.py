#!/usr/bin/env python3
"""Paging cost with equal timestamps: 200,000 readings, the last half sharing one
``time_received``, paged through ``TabularDataByFilter`` from a server in its own
process. Prints the median page time over the first pages and over the last ones (deep
inside the ties) and their ratio; flat paging keeps the ratio near 1 (goal <= 1.2).

    python scripts/bench_ties.py [--rows 200000] [--page 1000] [--edge 20]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import List

import grpc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _benchlib import report, server_process  # noqa: E402

from viam_data_sync._proto.app.data.v1 import data_pb2, data_pb2_grpc  # noqa: E402


def page_times(address: str, organization_id: str, page: int) -> List[float]:
    """Seconds each page took, paging through every reading in ascending order."""
    times: List[float] = []
    with grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", 256 << 20)]) as channel:
        stub = data_pb2_grpc.DataServiceStub(channel)
        last = ""
        while True:
            request = data_pb2.TabularDataByFilterRequest(data_request=data_pb2.DataRequest(
                filter=data_pb2.Filter(organization_ids=[organization_id]), limit=page, last=last))
            start = time.perf_counter()
            response = stub.TabularDataByFilter(request, timeout=60)
            times.append(time.perf_counter() - start)
            if not response.data:
                return times[:-1]
            last = response.last


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--edge", type=int, default=20, help="pages measured at each end")
    ns = parser.parse_args()
    with server_process(rows=ns.rows, ties=ns.rows // 2) as info:
        page_times(info["address"], info["organization_id"], ns.page)  # warm the page cache
        times = page_times(info["address"], info["organization_id"], ns.page)
    start = statistics.median(times[:ns.edge])
    end = statistics.median(times[-ns.edge:])
    report(f"{ns.rows} readings, {ns.rows // 2} sharing one time_received, pages of {ns.page}", [
        ("pages", len(times)),
        ("median page, first pages (ms)", f"{start * 1000:.1f}"),
        ("median page, last pages, deep in the ties (ms)", f"{end * 1000:.1f}"),
        ("ratio last / first (goal <= 1.2)", f"{end / start:.2f}"),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
