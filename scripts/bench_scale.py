#!/usr/bin/env python3
"""Benchmarks of issue 13's features, side by side in one run, the server in its own
process (scripts/_bench_server.py):

* latency hiding: wall time of ``iter_tabular`` with 1, 2, 4, 8 and 16 chains
  (``parallel=k``) and the adaptive default, against plain sequential paging, at 20 ms
  and 100 ms per call; every run is checked for zero duplicates and no missing row;
* DataFrames: ``iter_tabular(...).to_arrow().to_pandas()`` against
  ``tabular_to_dataframe(iter_tabular(...))`` on the same rows (loopback);
* SQL answers: ``tabular_data_by_sql_arrow(...).to_pandas()`` (BSON decoded into Arrow
  in C by pymongoarrow) against ``records_to_dataframe(tabular_data_by_sql(...))``.

    python scripts/bench_scale.py [latency] [frames] [sql] [--rows 20000] [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Dict, List, Optional

import grpc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _benchlib import best_of, report, server_process  # noqa: E402

from viam_data_sync import DataClient, create_filter, records_to_dataframe, tabular_to_dataframe  # noqa: E402
from viam_data_sync._api.tabular import decode_documents, sql_request  # noqa: E402
from viam_data_sync._arrow import documents_table  # noqa: E402
from viam_data_sync._rpcs import DataService  # noqa: E402

OPTIONS = [("grpc.max_receive_message_length", 256 << 20)]
CHAINS = (1, 2, 4, 8, 16)


def client(address: str) -> DataClient:
    return DataClient(grpc.insecure_channel(address, options=OPTIONS))


def read_all(address: str, parallel: Optional[int], rows: int) -> None:
    """One full read; fails on a duplicate or a missing row."""
    with client(address) as c:
        seen = [row.time_received for row in c.iter_tabular(create_filter(component_name="sensor-1"),
                                                             page_size=100, parallel=parallel)]
    if len(seen) != rows or len(set(seen)) != rows:
        raise SystemExit(f"parallel={parallel}: {len(seen)} rows, {len(set(seen))} distinct, expected {rows}")


def plain_sequential(address: str, rows: int) -> None:
    """One page after the other (``tabular_data_by_filter`` with ``last``)."""
    n, last = 0, None
    with client(address) as c:
        while True:
            page, _count, last = c.tabular_data_by_filter(create_filter(component_name="sensor-1"), limit=100,
                                                           last=last)
            n += len(page)
            if not page or not last:
                break
    if n != rows:
        raise SystemExit(f"plain paging: {n} rows, expected {rows}")


def bench_latency(ns: argparse.Namespace) -> None:
    for latency_ms in (20, 100):
        with server_process(rows=ns.rows, latency_ms=latency_ms, max_workers=64) as srv:
            address = srv["address"]
            plain = best_of(1, lambda: plain_sequential(address, ns.rows))
            times: Dict[str, float] = {}
            for k in CHAINS:
                times[f"parallel={k}"] = best_of(1 if k < 4 else ns.runs, lambda k=k: read_all(address, k, ns.rows))
            times["default (adaptive, max_concurrency=32)"] = best_of(
                ns.runs, lambda: read_all(address, None, ns.rows))
        rows: List[tuple] = [("plain sequential paging", f"{plain:.2f}s", "1.00x")]
        rows += [(name, f"{t:.2f}s", f"{plain / t:.2f}x") for name, t in times.items()]
        report(f"latency hiding, {latency_ms} ms per call, {ns.rows} rows, page 100, zero duplicates checked "
               f"(best of {ns.runs} for 4+ chains)", rows)


def bench_frames(ns: argparse.Namespace) -> None:
    with server_process(rows=ns.rows) as srv:
        address = srv["address"]
        f = create_filter(component_name="sensor-1")

        def arrow() -> Any:
            with client(address) as c:
                frame = c.iter_tabular(f).to_arrow().to_pandas()
            assert len(frame) == ns.rows
            return frame

        def dicts() -> Any:
            with client(address) as c:
                frame = tabular_to_dataframe(c.iter_tabular(f))
            assert len(frame) == ns.rows
            return frame

        t_arrow, t_dicts = best_of(ns.runs, arrow), best_of(ns.runs, dicts)
    report(f"DataFrame of {ns.rows} rows, loopback (best of {ns.runs})", [
        ("iter_tabular().to_arrow().to_pandas()", f"{t_arrow:.2f}s"),
        ("tabular_to_dataframe(iter_tabular())", f"{t_dicts:.2f}s"),
        ("ratio", f"{t_dicts / t_arrow:.2f}x"),
    ])


def bench_sql(ns: argparse.Namespace) -> None:
    sql = ("SELECT component_name, time_requested, time_received, data FROM readings "
           "WHERE component_name = 'sensor-1' AND "
           "time_received >= CAST('2000-01-01T00:00:00Z' AS TIMESTAMP)")
    with server_process(rows=ns.rows) as srv:
        address, org = srv["address"], srv["organization_id"]

        def arrow() -> Any:
            with client(address) as c:
                frame = c.tabular_data_by_sql_arrow(org, sql).to_pandas()
            assert len(frame) == ns.rows
            return frame

        def dicts() -> Any:
            with client(address) as c:
                frame = records_to_dataframe(c.tabular_data_by_sql(org, sql))
            assert len(frame) == ns.rows
            return frame

        t_arrow, t_dicts = best_of(ns.runs, arrow), best_of(ns.runs, dicts)
        with client(address) as c:  # the answer's BSON once, to time the decoding alone
            raw = list(c._caller.call(DataService.TabularDataBySQL, sql_request(org, sql)).raw_data)
        d_arrow = best_of(ns.runs, lambda: documents_table(raw).to_pandas())
        d_dicts = best_of(ns.runs, lambda: records_to_dataframe(decode_documents(raw)))
    report(f"SQL answer of {ns.rows} rows to pandas, loopback (best of {ns.runs})", [
        ("tabular_data_by_sql_arrow().to_pandas() (pymongoarrow)", f"{t_arrow:.2f}s"),
        ("records_to_dataframe(tabular_data_by_sql())", f"{t_dicts:.2f}s"),
        ("ratio, with the query", f"{t_dicts / t_arrow:.2f}x"),
        ("decoding alone: BSON -> Arrow -> pandas", f"{d_arrow:.3f}s"),
        ("decoding alone: BSON -> dicts -> pandas", f"{d_dicts:.3f}s"),
        ("ratio, decoding alone", f"{d_dicts / d_arrow:.2f}x"),
    ])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", nargs="*", default=["latency", "frames", "sql"])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    ns = parser.parse_args()
    benches = {"latency": bench_latency, "frames": bench_frames, "sql": bench_sql}
    for name in ns.which:
        benches[name](ns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
