"""A seeded LocalDataServer (auth on) in its own process, for engine tests whose
readers run in other processes: it counts the filter calls and the rows they return,
and fails calls on request. Driven over stdin/stdout, one JSON line each way.

    python -m tests.engines._server_process --rows 3000 --other-rows 500 --images 6

The API key's secret comes from ``VIAM_TEST_API_KEY`` (never a command-line
argument). The first line out is ``{"address", "part_id", "organization_id",
"api_key_id", "token"}``; then each command line gets one answer line:
``{"op": "counts"}`` (calls and rows per method, faults fired), ``{"op": "reset"}``,
``{"op": "fail", "code": "UNAVAILABLE", "times": 1}`` (fail the next ``times``
``TabularDataByFilter`` calls that continue a page chain, i.e. carry a cursor).
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterator

import grpc

ROOT = Path(__file__).resolve().parents[2]


class CallLog(grpc.ServerInterceptor):
    """Counts the filter calls and the rows they return, and fails some on request."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.rows: Counter[str] = Counter()
        self.fail_code = grpc.StatusCode.UNAVAILABLE
        self.fail_left = 0
        self.fired = 0

    def intercept_service(self, continuation, details):
        handler = continuation(details)
        method = details.method.rsplit("/", 1)[-1]
        if handler is None or method not in ("TabularDataByFilter", "BinaryDataByFilter"):
            return handler
        inner = handler.unary_unary

        def counted(request, context):
            continues = bool(request.data_request.last) and not request.count_only
            with self.lock:
                self.calls[method] += 1
                fail = method == "TabularDataByFilter" and continues and self.fail_left > 0
                if fail:
                    self.fail_left -= 1
                    self.fired += 1
            if fail:
                context.abort(self.fail_code, "injected: a reader dies mid-partition")
            response = inner(request, context)
            if not request.count_only:
                with self.lock:
                    self.rows[method] += len(response.data)
            return response

        return grpc.unary_unary_rpc_method_handler(counted, handler.request_deserializer,
                                                   handler.response_serializer)

    def answer(self, command: Dict[str, Any]) -> Dict[str, Any]:
        with self.lock:
            if command["op"] == "reset":
                self.calls.clear()
                self.rows.clear()
                self.fail_left = 0
            elif command["op"] == "fail":
                self.fail_code = getattr(grpc.StatusCode, command.get("code", "UNAVAILABLE"))
                self.fail_left = int(command.get("times", 1))
            return {"calls": dict(self.calls), "rows": dict(self.rows), "fired": self.fired,
                    "armed": self.fail_left}


def seed(server: Any, rows: int, other_rows: int, images: int) -> None:
    from tests.iterators._seed import T0, seed_readings
    from viam_data_sync import DataClient

    auth = [("authorization", f"Bearer {server.token()}")]
    seed_readings(server.address, server.part_id, rows, metadata=auth)
    seed_readings(server.address, server.part_id, other_rows, metadata=auth, component_name="sensor-2")
    with DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True) as client:
        for n in range(images):
            at = T0 + dt.timedelta(seconds=n)
            client.binary_data_capture_upload(bytes([n]) * 100, server.part_id, "rdk:component:camera", "cam",
                                              "ReadImage", ".bin", data_request_times=(at, at))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=0)
    parser.add_argument("--other-rows", type=int, default=0)
    parser.add_argument("--images", type=int, default=0)
    ns = parser.parse_args()
    from viam_data_sync.server import LocalDataServer

    log = CallLog()
    with LocalDataServer(auth=True, api_key_id="spark-test-key-id", api_key=os.environ["VIAM_TEST_API_KEY"],
                         interceptors=[log]) as server:
        seed(server, ns.rows, ns.other_rows, ns.images)
        print(json.dumps({"address": server.address, "part_id": server.part_id,
                          "organization_id": server.organization_id, "api_key_id": server.api_key_id,
                          "token": server.token()}), flush=True)
        for line in sys.stdin:
            print(json.dumps(log.answer(json.loads(line))), flush=True)
    return 0


class ServerProcess:
    """The test side: start the process, ask it, stop it (stdin closed)."""

    def __init__(self, proc: subprocess.Popen, ready: Dict[str, Any]) -> None:
        self.proc, self.info = proc, ready
        self.address: str = ready["address"]
        self.part_id: str = ready["part_id"]
        self.api_key_id: str = ready["api_key_id"]
        self.token: str = ready["token"]

    def ask(self, op: str, **args: Any) -> Dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))


@contextlib.contextmanager
def server_process(api_key: str, **seeding: int) -> Iterator[ServerProcess]:
    """Start the server process (seeded as ``seeding`` says); it stops when its stdin closes."""
    args = [sys.executable, "-m", "tests.engines._server_process"]
    for name, value in seeding.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    with subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                          env=dict(os.environ, VIAM_TEST_API_KEY=api_key)) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        ready = proc.stdout.readline()
        with proc.stdin:  # closed on the way out: the server stops, Popen waits for it
            if not ready:
                raise RuntimeError("the server process did not start")
            yield ServerProcess(proc, json.loads(ready))


if __name__ == "__main__":
    sys.exit(main())
