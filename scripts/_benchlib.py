"""Shared benchmark plumbing: a seeded server in its own process, timing, RSS."""
from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any, Callable, Dict, Iterator, List

HERE = os.path.dirname(os.path.abspath(__file__))


@contextlib.contextmanager
def server_process(**options: Any) -> Iterator[Dict[str, Any]]:
    args = [sys.executable, os.path.join(HERE, "_bench_server.py")]
    for key, value in options.items():
        flag = f"--{key.replace('_', '-')}"
        if value is True:
            args.append(flag)
        elif value is not None and value is not False:
            args += [flag, str(value)]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line:
            raise RuntimeError("benchmark server failed to start")
        yield json.loads(line)
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def best_of(runs: int, fn: Callable[[], Any]) -> float:
    """Fastest wall time of ``runs`` calls (the least disturbed by a shared machine)."""
    times: List[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def report(title: str, rows: List[tuple]) -> None:
    print(f"\n== {title}")
    width = max(len(r[0]) for r in rows)
    for row in rows:
        print(f"  {row[0]:<{width}}  " + "  ".join(str(c) for c in row[1:]))
