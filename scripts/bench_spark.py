#!/usr/bin/env python3
"""Spark ``local[2]`` reading through the ``viam`` data source against one process
running ``iter_tabular(...).to_arrow()`` (adaptive, the default), over the same rows of a
seeded local server in its own process with added latency per call (auth on: Spark's
executors build their own clients, here from the key given as options).

Each Spark read plans the window on the driver and reads it in ``--partitions``
partitions, two at a time (``local[2]``), each with ``parallel=k`` time chains; the
timed action is ``df.count()`` (every partition read and converted into Arrow), the
SparkSession's start is not timed. Every run is checked for the row count.

    python scripts/bench_spark.py [--rows 200000] [--latency-ms 20 100] [--parallel 1 8] [--runs 1]
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, List

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _benchlib import best_of, report, server_process  # noqa: E402

from viam_data_sync import DataClient, create_filter  # noqa: E402


def one_process(srv: dict, rows: int) -> None:
    with DataClient.from_api_key(srv["api_key"], srv["api_key_id"], srv["address"], insecure=True) as client:
        table = client.iter_tabular(create_filter(component_name="sensor-1")).to_arrow()
    if table.num_rows != rows:
        raise SystemExit(f"iter_tabular: {table.num_rows} rows, expected {rows}")


def spark_read(spark: Any, srv: dict, rows: int, partitions: int, parallel: int, end: str = "") -> None:
    # The key as options: this process starts a server (and a key) per latency, while the
    # executors' environment is the one Spark's JVM started with.
    reader = spark.read.format("viam").options(address=srv["address"], insecure="true",
                                               api_key=srv["api_key"], api_key_id=srv["api_key_id"])
    reader = reader.option("component_name", "sensor-1")
    if end:
        reader = reader.option("end", end)
    df = reader.option("target_rows", str(-(-rows // partitions))).option("parallel", str(parallel)).load()
    got = df.count()
    if got != rows:
        raise SystemExit(f"spark (parallel={parallel}): {got} rows, expected {rows}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[20.0, 100.0])
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--parallel", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--runs", type=int, default=1)
    ns = parser.parse_args()
    from pyspark.sql import SparkSession

    from viam_data_sync.spark import register

    import pyspark

    for latency in ns.latency_ms:
        with server_process(rows=ns.rows, latency_ms=latency, max_workers=64, auth=True) as srv:
            os.environ["PYSPARK_PYTHON"] = sys.executable  # the executors' Python has the package
            spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
                     .config("spark.sql.session.timeZone", "UTC").getOrCreate())
            spark.sparkContext.setLogLevel("ERROR")
            register(spark)
            try:
                # Start the Python workers: a short window (the bench server's rows are 1 s apart).
                spark_read(spark, srv, 1000, 4, 1, end="2025-01-01T00:16:40Z")
                base = best_of(ns.runs, lambda: one_process(srv, ns.rows))
                results: List[tuple] = [("one process, iter_tabular().to_arrow() (adaptive)", f"{base:.2f}s",
                                         "1.00x")]
                for k in ns.parallel:
                    t = best_of(ns.runs, lambda k=k: spark_read(spark, srv, ns.rows, ns.partitions, k))
                    results.append((f"Spark local[2], {ns.partitions} partitions, parallel={k}", f"{t:.2f}s",
                                    f"{base / t:.2f}x"))
            finally:
                spark.stop()
        report(f"{ns.rows} rows, {latency:g} ms per call, page 100 (pyspark {pyspark.__version__}, "
               f"best of {ns.runs})", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
