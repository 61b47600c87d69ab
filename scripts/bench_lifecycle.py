#!/usr/bin/env python3
"""Start/stop benchmark of ``LocalDataServer``, against a bare ``grpc.server`` started and
stopped in the same run (the floor any gRPC server pays).

A test suite builds a server per test, so its start and stop time are paid hundreds of
times. Reported: the best and median wall time of ``start()`` and of ``stop()``, and
their ratio to the bare server's.

    python scripts/bench_lifecycle.py [--runs 10]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import statistics
import sys
import time
from typing import Callable, List, Tuple

import grpc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts._benchlib import report  # noqa: E402
from viam_data_sync.server import LocalDataServer  # noqa: E402


def bare_grpc() -> Tuple[float, float]:
    start = time.perf_counter()
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=4))
    server.add_insecure_port("127.0.0.1:0")
    server.start()
    started = time.perf_counter()
    server.stop(1.0).wait()
    return started - start, time.perf_counter() - started


def local_server() -> Tuple[float, float]:
    start = time.perf_counter()
    server = LocalDataServer().start()
    started = time.perf_counter()
    server.stop()
    return started - start, time.perf_counter() - started


def measure(runs: int, fn: Callable[[], Tuple[float, float]]) -> Tuple[List[float], List[float]]:
    fn()  # warm-up: imports, first connection
    starts, stops = [], []
    for _ in range(runs):
        a, b = fn()
        starts.append(a)
        stops.append(b)
    return starts, stops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    base_start, base_stop = measure(args.runs, bare_grpc)
    ours_start, ours_stop = measure(args.runs, local_server)

    def ms(values: List[float]) -> str:
        return f"best {min(values) * 1000:7.1f} ms  median {statistics.median(values) * 1000:7.1f} ms"

    report(
        f"LocalDataServer start/stop ({args.runs} runs)",
        [
            ("bare grpc.server start", ms(base_start)),
            ("bare grpc.server stop", ms(base_stop)),
            ("LocalDataServer start", ms(ours_start),
             f"x{statistics.median(ours_start) / statistics.median(base_start):.1f} of bare"),
            ("LocalDataServer stop", ms(ours_stop),
             f"x{statistics.median(ours_stop) / max(statistics.median(base_stop), 1e-6):.1f} of bare"),
        ],
    )


if __name__ == "__main__":
    main()
