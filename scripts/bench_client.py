#!/usr/bin/env python3
"""Client benchmarks: ratios against baselines measured in the same run.

The server runs in its own process (scripts/_bench_server.py). Every figure is the best
of ``--runs`` runs; the printed ratios are what docs/explanation/benchmarks.md records.

    python scripts/bench_client.py              # everything (a few minutes)
    python scripts/bench_client.py tabular latency
    python scripts/bench_client.py upload --upload-mib 1024
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import textwrap
from typing import Any, Dict, Optional

import grpc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _benchlib import best_of, report, server_process  # noqa: E402

from viam_data_sync import DataClient, create_filter  # noqa: E402
from viam_data_sync._convert import struct_to_dict  # noqa: E402
from viam_data_sync._proto.app.data.v1 import data_pb2, data_pb2_grpc  # noqa: E402

OPTIONS = [("grpc.max_receive_message_length", 256 << 20), ("grpc.max_send_message_length", 256 << 20)]


def sensor_filter() -> Any:
    return create_filter(component_name="sensor-1")


# ---------------------------------------------------------------- tabular paging
def ours(address: str, page_size: int, parallel: Optional[int]) -> int:
    with DataClient(grpc.insecure_channel(address, options=OPTIONS)) as client:
        return sum(1 for _ in client.iter_tabular(sensor_filter(), page_size=page_size, parallel=parallel))


def ours_plain_loop(address: str, page_size: int) -> int:
    """Plain sequential paging with our client: one page after the other, no prefetch."""
    n, last = 0, None
    with DataClient(grpc.insecure_channel(address, options=OPTIONS)) as client:
        while True:
            rows, _count, last = client.tabular_data_by_filter(sensor_filter(), limit=page_size, last=last)
            n += len(rows)
            if not rows or not last:
                return n


def raw_grpc(address: str, page_size: int) -> int:
    """(a) A raw grpcio stub loop doing the same dict conversion."""
    n, last = 0, ""
    with grpc.insecure_channel(address, options=OPTIONS) as channel:
        stub = data_pb2_grpc.DataServiceStub(channel)
        while True:
            req = data_pb2.TabularDataByFilterRequest(data_request=data_pb2.DataRequest(
                filter=data_pb2.Filter(component_name="sensor-1"), limit=page_size, last=last))
            resp = stub.TabularDataByFilter(req, timeout=60)
            for item in resp.data:
                struct_to_dict(item.data)
                n += 1
            if not resp.data or not resp.last:
                return n
            last = resp.last


def official(address: str, page_size: int) -> int:
    """(b) The official viam-sdk async client driven page by page with asyncio.run, as a
    sync script must (a client cannot outlive its event loop: each page builds one)."""
    from grpclib.client import Channel
    from viam.app.data_client import DataClient as ViamDataClient
    from viam.proto.app.data import Filter

    host, port = address.rsplit(":", 1)
    n, last = 0, None

    async def page(last):
        channel = Channel(host, int(port))
        try:
            client = ViamDataClient(channel, {})
            return await client.tabular_data_by_filter(Filter(component_name="sensor-1"), limit=page_size, last=last)
        finally:
            channel.close()

    while True:
        rows, _count, last = asyncio.run(page(last))
        n += len(rows)
        if not rows or not last:
            return n


def bench_tabular(ns: argparse.Namespace) -> None:
    rows = ns.rows
    with server_process(rows=rows) as srv:
        address = srv["address"]
        assert ours(address, ns.page_size, None) == rows == raw_grpc(address, ns.page_size) == official(address, ns.page_size)
        t_ours = best_of(ns.runs, lambda: ours(address, ns.page_size, None))
        t_seq = best_of(ns.runs, lambda: ours(address, ns.page_size, 1))
        t_raw = best_of(ns.runs, lambda: raw_grpc(address, ns.page_size))
        t_off = best_of(ns.runs, lambda: official(address, ns.page_size))
    report(f"tabular paging, loopback, {rows} rows, page {ns.page_size} (rows/s, best of {ns.runs})", [
        ("ours iter_tabular (default: adaptive)", f"{rows / t_ours:,.0f}"),
        ("ours iter_tabular(parallel=1)", f"{rows / t_seq:,.0f}"),
        ("(a) raw grpcio loop + dict conversion", f"{rows / t_raw:,.0f}"),
        ("(b) official viam-sdk, asyncio.run per page", f"{rows / t_off:,.0f}"),
        ("ratio ours / (a)", f"{t_raw / t_ours:.2f}x"),
        ("ratio ours / (b)", f"{t_off / t_ours:.2f}x"),
    ])


def bench_latency(ns: argparse.Namespace) -> None:
    rows = ns.latency_rows
    with server_process(rows=rows, latency_ms=20) as srv:
        address = srv["address"]
        assert ours(address, 100, None) == rows
        t_ours = best_of(ns.runs, lambda: ours(address, 100, None))
        t_prefetch = best_of(ns.runs, lambda: ours(address, 100, 1))
        t_plain = best_of(ns.runs, lambda: ours_plain_loop(address, 100))
        t_off = best_of(1, lambda: official(address, 100))
    report(f"latency hiding, 20 ms per call, {rows} rows, page 100 (seconds, best of {ns.runs})", [
        ("ours iter_tabular default (adaptive)", f"{t_ours:.2f}s"),
        ("ours iter_tabular(parallel=1) (prefetch only)", f"{t_prefetch:.2f}s"),
        ("plain sequential paging", f"{t_plain:.2f}s"),
        ("(b) official viam-sdk, asyncio.run per page", f"{t_off:.2f}s"),
        ("ratio default / plain sequential", f"{t_plain / t_ours:.2f}x"),
        ("ratio prefetch only / plain sequential", f"{t_plain / t_prefetch:.2f}x"),
        ("ratio default / (b)", f"{t_off / t_ours:.2f}x"),
    ])


# ---------------------------------------------------------------- uploads (each in a child: clean RSS)
UPLOAD_CHILD = textwrap.dedent(
    """
    import sys, time, resource, asyncio, os
    kind, address, part_id, path = sys.argv[1:5]
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    import grpc
    from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2 as pb, data_sync_pb2_grpc as pbg
    opts = [("grpc.max_send_message_length", 256 << 20), ("grpc.max_receive_message_length", 256 << 20)]
    if kind == "official":
        from grpclib.client import Channel
        from viam.app.data_client import DataClient as V
        host, port = address.rsplit(":", 1)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    if kind == "ours":
        from viam_data_sync import DataClient
        with DataClient(grpc.insecure_channel(address, options=opts)) as c:
            c.tags_by_filter()  # connected and warm before the clock starts, like the others
            base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            t = time.perf_counter()
            c.file_upload_from_path(path, part_id)
    elif kind == "raw":
        def reqs():
            yield pb.FileUploadRequest(metadata=pb.UploadMetadata(part_id=part_id, type=pb.DATA_TYPE_FILE,
                                                                  file_name="f", file_extension=".bin"))
            with open(path, "rb") as f:
                while True:
                    chunk = f.read(int(sys.argv[5]))
                    if not chunk:
                        break
                    yield pb.FileUploadRequest(file_contents=pb.FileData(data=chunk))
        with grpc.insecure_channel(address, options=opts) as ch:
            grpc.channel_ready_future(ch).result(timeout=30)
            base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            t = time.perf_counter()
            pbg.DataSyncServiceStub(ch).FileUpload(reqs(), timeout=600)
    else:
        async def go():
            global t
            ch = Channel(host, int(port))
            try:
                client = V(ch, {})
                await client.tags_by_filter()  # connected and warm before the clock starts
                t = time.perf_counter()
                data = open(path, "rb").read()
                await client.file_upload(part_id, data, file_name="f", file_extension=".bin")
            finally:
                ch.close()
        asyncio.run(go())
    dt = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(dt, (peak - base) / 1024.0)
    """
)


def upload_child(kind: str, address: str, part_id: str, path: str, chunk: int) -> tuple:
    out = subprocess.run([sys.executable, "-c", UPLOAD_CHILD, kind, address, part_id, path, str(chunk)],
                         capture_output=True, text=True, timeout=1200)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    seconds, rss = out.stdout.split()
    return float(seconds), float(rss)


def bench_upload(ns: argparse.Namespace) -> None:
    from viam_data_sync._upload import DEFAULT_CHUNK_SIZE

    with tempfile.TemporaryDirectory(dir=ns.tmp) as tmp, server_process() as srv:
        big = os.path.join(tmp, "big.bin")
        with open(big, "wb") as f:
            block = os.urandom(1 << 20)
            for _ in range(ns.upload_mib):
                f.write(block)
        small = os.path.join(tmp, "small.bin")
        with open(small, "wb") as f:
            f.write(os.urandom(64 << 20))
        size_big, size_small = ns.upload_mib * (1 << 20), 64 << 20
        a, p = srv["address"], srv["part_id"]
        # Interleaved, small ones first: after gigabytes of writes the disk's write-back
        # would slow whichever upload runs next.
        runs_small = [(upload_child("ours", a, p, small, 0), upload_child("official", a, p, small, 0))
                      for _ in range(ns.runs)]
        (ours_s, ours_s_rss), (off_s, off_rss) = min(r[0] for r in runs_small), min(r[1] for r in runs_small)
        runs_big = [(upload_child("ours", a, p, big, 0), upload_child("raw", a, p, big, DEFAULT_CHUNK_SIZE))
                    for _ in range(ns.runs)]
        (ours_t, ours_rss), (raw_t, raw_rss) = min(r[0] for r in runs_big), min(r[1] for r in runs_big)
    mb = 1e6
    report(f"uploads (MB/s; peak RSS growth in MiB; best of {ns.runs})", [
        (f"ours file_upload_from_path, {ns.upload_mib} MiB", f"{size_big / ours_t / mb:,.0f} MB/s", f"+{ours_rss:.0f} MiB"),
        (f"raw grpcio stream, same {DEFAULT_CHUNK_SIZE // 1024} KiB chunks", f"{size_big / raw_t / mb:,.0f} MB/s", f"+{raw_rss:.0f} MiB"),
        ("ratio ours / raw", f"{raw_t / ours_t:.2f}x"),
        ("ours, 64 MiB", f"{size_small / ours_s / mb:,.0f} MB/s", f"+{ours_s_rss:.0f} MiB"),
        ("official viam-sdk file_upload, 64 MiB", f"{size_small / off_s / mb:,.0f} MB/s", f"+{off_rss:.0f} MiB"),
        ("ratio ours / official (64 MiB)", f"{off_s / ours_s:.2f}x"),
    ])


# ---------------------------------------------------------------- binary download
def bench_binary(ns: argparse.Namespace) -> None:
    from grpclib.client import Channel
    from viam.app.data_client import DataClient as ViamDataClient
    from viam.proto.app.data import Filter

    images, kb = ns.images, ns.image_kb
    with server_process(images=images, image_kb=kb) as srv:
        address = srv["address"]
        host, port = address.rsplit(":", 1)

        def ours_run() -> int:
            with DataClient(grpc.insecure_channel(address, options=OPTIONS)) as client:
                return sum(len(item.binary) for item in client.iter_binary(create_filter(component_name="cam-1")))

        def official_run() -> int:
            async def go() -> int:
                channel = Channel(host, int(port))
                try:
                    client = ViamDataClient(channel, {})
                    total, last = 0, None
                    while True:
                        data, _c, last = await client.binary_data_by_filter(
                            Filter(component_name="cam-1"), limit=100, last=last, include_binary_data=True)
                        total += sum(len(d.binary) for d in data)
                        if not data or not last:
                            return total
                finally:
                    channel.close()
            return asyncio.run(go())

        expected = images * kb * 1024
        assert ours_run() == expected == official_run()
        t_ours = best_of(ns.runs, ours_run)
        t_off = best_of(ns.runs, official_run)
    report(f"binary download with data, {images} x {kb} KiB (MB/s, best of {ns.runs})", [
        ("ours iter_binary", f"{expected / t_ours / 1e6:,.0f} MB/s"),
        ("official viam-sdk binary_data_by_filter loop", f"{expected / t_off / 1e6:,.0f} MB/s"),
        ("ratio ours / official", f"{t_off / t_ours:.2f}x"),
    ])


# ---------------------------------------------------------------- bulk export paths
def bench_bulk(ns: argparse.Namespace) -> None:
    rows = ns.rows
    with server_process(rows=rows) as srv:
        address, org = srv["address"], srv["organization_id"]

        def client() -> DataClient:
            return DataClient(grpc.insecure_channel(address, options=OPTIONS))

        def tabular() -> int:
            with client() as c:
                return sum(1 for _ in c.iter_tabular(sensor_filter()))

        def mql() -> int:
            with client() as c:
                return sum(1 for _ in c.iter_mql(org, [{"$match": {"component_name": "sensor-1"}}], page_size=1000))

        def sql() -> int:
            with client() as c:
                return len(c.tabular_data_by_sql(org, "SELECT * FROM readings WHERE component_name = 'sensor-1' "
                                          "AND time_received >= CAST('2000-01-01T00:00:00Z' AS TIMESTAMP)"))

        assert tabular() == mql() == sql() == rows
        t_tab, t_mql, t_sql = (best_of(ns.runs, f) for f in (tabular, mql, sql))
    report(f"bulk export paths, loopback, {rows} rows (rows/s, best of {ns.runs})", [
        ("iter_tabular (cursor pages of 100)", f"{rows / t_tab:,.0f}"),
        ("iter_mql (keyset pages of 1000, BSON)", f"{rows / t_mql:,.0f}"),
        ("tabular_data_by_sql, one answer (BSON)", f"{rows / t_sql:,.0f}"),
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="*", default=["tabular", "latency", "upload", "binary", "bulk"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--latency-rows", type=int, default=20_000)
    parser.add_argument("--upload-mib", type=int, default=1024)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--image-kb", type=int, default=256)
    parser.add_argument("--tmp", default=None, help="directory for temporary upload files")
    ns = parser.parse_args()
    benches: Dict[str, Any] = {"tabular": bench_tabular, "latency": bench_latency,
                               "upload": bench_upload, "binary": bench_binary, "bulk": bench_bulk}
    for name in ns.which:
        benches[name](ns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
