#!/usr/bin/env python3
"""Load-and-abuse benchmark of the local server: authenticated load while abusive
clients run, against a no-abuse baseline measured in the same run.

The server runs in its own process (``python -m viam_data_sync.server``'s ``main``, with
a probe thread; auth on, default limits but a 64 MiB upload limit so the endless
uploads do not fill the disk; its default log level, INFO, its log in a file).
The abusers run in another process, with a key of a second organization:

* idle calls: 64 ``Authenticate`` calls with no token that never send their request,
  and 64 authenticated ``FileUpload`` streams that send their metadata, then nothing
  (each reopened when the server ends it);
* expensive queries: the review's MQL doubling pipeline, ``randomblob(900000000)``,
  a string-doubling recursive CTE and a ``$unwind`` of 2^16 elements, in a loop;
* endless uploads: streams of 256 KiB chunks that never end (the server refuses each at
  its upload limit; they start again).

Then two phases of pre-login abuse (the same abuser process, ``--abuser`` with another kind):

* 1,056 idle logins: ``Authenticate`` calls with no request, 32 on each of 33 connections;
* 1,280 idle logins on 40 connections, plus 12 HTTP connections each holding a gRPC-web
  POST that announces a 64 MiB body and sends 1 MiB of it.

Each ended call or connection is opened again (bounded: the same counts, a pause first).

The measured client (4 threads, the default key) pages ``TabularDataByFilter`` (100
rows) and uploads a reading now and then. Reported: the authenticated calls' successes
and failures, p50/p99 latency and the p99's ratio to the quiet phase's, and the server
process's peak RSS, for each phase; and where the 2 cores went: each process's CPU
(server, its query worker processes, abuser, measuring client; from ``/proc``, else
psutil if installed), the abuser's calls ended and reopened per second, and the server event
loop's lag (a probe thread in the server process schedules a callback on the loop every
50 ms and records how late it runs).

    python scripts/bench_abuse.py [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Dict, Iterator, List, Tuple

import bson
import grpc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from viam_data_sync import DataClient  # noqa: E402
from viam_data_sync._proto.app.data.v1 import data_pb2, data_pb2_grpc  # noqa: E402
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2  # noqa: E402

UPLOAD_LIMIT = 64 << 20
IDLE = 64
DOUBLE = {"$addFields": {"a": {"$concatArrays": ["$a", "$a"]}}}
SEED = [{"$limit": 1}, {"$project": {"a": ["x"]}}]


# ---------------------------------------------------------------- the server
def start_server(db: str, lag_file: str, log: Any, log_level: str) -> Tuple[subprocess.Popen, Dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", lag_file, "--db", db, "--port", "0", "--log-level", log_level,
         "--max-upload-bytes", str(UPLOAD_LIMIT)],
        stdout=subprocess.PIPE, stderr=log, text=True,
    )
    assert proc.stdout is not None
    info: Dict[str, str] = {}
    for line in proc.stdout:
        if line.strip() == "ready":
            return proc, info
        key, _, value = line.strip().partition(": ")
        info[key] = value
    raise RuntimeError("the server did not start")


def serve_with_lag_probe(lag_file: str, argv: List[str]) -> int:
    """The server's ``main``, with a thread that measures its event loop's lag: every
    50 ms a callback is scheduled on the loop, and how late it ran is appended to
    ``lag_file`` (``<monotonic time> <lag s>`` a line)."""
    from viam_data_sync.server.__main__ import main as server_main
    from viam_data_sync.server.web.serving import event_loop

    loop = event_loop()  # the one loop the server will serve on

    def probe() -> None:
        ran: "queue.SimpleQueue[float]" = queue.SimpleQueue()
        with open(lag_file, "a", buffering=1) as out:
            while True:
                sent = time.monotonic()
                loop.call_soon_threadsafe(lambda: ran.put(time.monotonic()))
                out.write(f"{sent:.4f} {ran.get() - sent:.5f}\n")
                time.sleep(0.05)

    threading.Thread(target=probe, name="bench-loop-lag-probe", daemon=True).start()
    return server_main(argv)


def cpu_seconds(pid: int, children: bool = False) -> float:
    """CPU time (user + system) of ``pid``, with its live child processes if asked:
    from ``/proc``, else psutil, else NaN."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        if children:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    total += sum(cpu_seconds(int(child), True) for child in fh.read().split())
        return total
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil  # not a dependency: used where /proc is not
    except ImportError:
        return float("nan")
    try:
        process = psutil.Process(pid)
        times = process.cpu_times()
        total = times.user + times.system
        if children:
            total += sum(c.cpu_times().user + c.cpu_times().system for c in process.children(recursive=True))
        return float(total)
    except psutil.Error:
        return float("nan")


def loop_lags(lag_file: str, start: float, end: float) -> List[float]:
    """The loop lag samples (ms) taken between ``start`` and ``end``."""
    lags = []
    with contextlib.suppress(OSError), open(lag_file) as fh:
        for line in fh:
            at, _, lag = line.partition(" ")
            with contextlib.suppress(ValueError):
                if start <= float(at) <= end:
                    lags.append(float(lag) * 1000)
    return sorted(lags)


def _lines(path: str) -> int:
    with open(path, "rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


# ---------------------------------------------------------------- the measured load
def load(client: DataClient, part_id: str, seconds: float, threads: int = 4) -> Tuple[List[float], Dict[str, int]]:
    latencies: List[float] = []
    failures: Dict[str, int] = {}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        n = 0
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                if n % 10 == 9:
                    client.tabular_data_capture_upload(
                        [{"v": n}], part_id, "rdk:component:sensor", f"load-{index}", "Readings", [None])
                else:
                    client.tabular_data_by_filter(limit=100)
            except Exception as exc:  # noqa: BLE001 - counted as a failed call
                code = getattr(exc, "code", None)
                key = str(code() if callable(code) else code or type(exc).__name__)
                with lock:
                    failures[key] = failures.get(key, 0) + 1
            else:
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
            n += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return latencies, failures


def new_logins(info: Dict[str, str], stop: threading.Event, got: List[Any]) -> None:
    """A new client logging in, on a connection of its own, every half second."""
    from viam_data_sync._proto.proto.rpc.v1 import auth_pb2, auth_pb2_grpc

    request = auth_pb2.AuthenticateRequest(entity=info["api_key_id"], credentials=auth_pb2.Credentials(
        type="api-key", payload=info["api_key"]))
    while not stop.wait(0.5):
        with grpc.insecure_channel(info["address"], options=[("grpc.use_local_subchannel_pool", 1)]) as channel:
            start = time.perf_counter()
            try:
                auth_pb2_grpc.AuthServiceStub(channel).Authenticate(request, timeout=30)
            except grpc.RpcError as exc:
                got.append(exc.code().name)
            else:
                got.append(time.perf_counter() - start)


def sample_rss(pid: int, stop: threading.Event, peak: List[float]) -> None:
    while not stop.wait(0.05):
        peak[0] = max(peak[0], rss_mib(pid))


def phase(name: str, client: DataClient, info: Dict[str, str], pid: int, seconds: float,
          abuser: int = 0) -> Dict[str, Any]:
    stop = threading.Event()
    peak = [rss_mib(pid)]
    sampler = threading.Thread(target=sample_rss, args=(pid, stop, peak), daemon=True)
    sampler.start()
    logins: List[Any] = []
    login = threading.Thread(target=new_logins, args=(info, stop, logins), daemon=True)
    login.start()
    pids = {"server": (pid, False), "server+workers": (pid, True), "client": (os.getpid(), False)}
    if abuser:
        pids["abuser"] = (abuser, False)
    cpu = {who: cpu_seconds(p, children) for who, (p, children) in pids.items()}
    log_lines = _lines(info["log_file"])
    start = time.monotonic()
    latencies, failures = load(client, info["part_id"], seconds)
    end = time.monotonic()
    cpu = {who: (cpu_seconds(p, children) - cpu[who]) / (end - start) * 100 for who, (p, children) in pids.items()}
    cpu["query workers"] = cpu.pop("server+workers") - cpu["server"]
    stop.set()
    sampler.join()
    login.join()
    ms = sorted(x * 1000 for x in latencies) or [float("nan")]
    lags = loop_lags(info["lag_file"], start, end) or [float("nan")]
    return {"phase": name, "calls": len(latencies), "failed": sum(failures.values()), "failures": failures,
            "p50_ms": statistics.median(ms), "p99_ms": ms[min(len(ms) - 1, int(len(ms) * 0.99))],
            "server_peak_rss_mib": peak[0], "cpu_percent": cpu, "seconds": end - start,
            "server_log_lines": _lines(info["log_file"]) - log_lines,
            "logins": (sum(isinstance(x, float) for x in logins), len(logins),
                       max((x * 1000 for x in logins if isinstance(x, float)), default=float("nan"))),
            "loop_lag_ms": (statistics.median(lags), lags[min(len(lags) - 1, int(len(lags) * 0.99))], lags[-1])}


# ---------------------------------------------------------------- the abusers
class _Silent:
    def __init__(self, first: Any, stop: threading.Event) -> None:
        self.first, self.stop = first, stop

    def __iter__(self) -> Iterator[Any]:
        if self.first is not None:
            yield self.first
        self.stop.wait()


def abuse(spec: Dict[str, Any], stop: threading.Event) -> Dict[str, int]:
    address, org, part = spec["address"], spec["organization_id"], spec["part_id"]
    outcomes: Dict[str, int] = {}
    lock = threading.Lock()

    def count(what: str, error: Any) -> None:
        key = f"{what}: {error.code().name if isinstance(error, grpc.RpcError) else type(error).__name__}"
        with lock:
            outcomes[key] = outcomes.get(key, 0) + 1

    uploads = spec["uploads"]
    client = DataClient.from_api_key(uploads["api_key"], uploads["api_key_id"], address, insecure=True, retry=None)
    idle_md = (("authorization", "Bearer " + spec["idle"]["token"]),)
    query_md = (("authorization", "Bearer " + spec["queries"]["token"]),)
    metadata = data_sync_pb2.FileUploadRequest(metadata=data_sync_pb2.UploadMetadata(
        part_id=part, type=data_sync_pb2.DATA_TYPE_FILE, file_name="abuse"))

    def idle(method: str, first: Any, md: Any) -> None:
        # Its own connection (channels of one process share one by default), as 64 clients would.
        with grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)]) as channel:
            call = channel.stream_unary(method, request_serializer=lambda m: m.SerializeToString())
            while not stop.is_set():
                future = call.future(iter(_Silent(first, stop)), metadata=md, timeout=600)
                while not stop.is_set() and not future.done():
                    time.sleep(0.2)
                if stop.is_set():
                    future.cancel()
                    return
                count(f"idle {method.rsplit('/', 1)[-1]}", future.exception())
                time.sleep(0.5)  # then open it again

    def queries() -> None:
        with grpc.insecure_channel(address) as channel:
            stub = data_pb2_grpc.DataServiceStub(channel)
            mql = [SEED + [DOUBLE] * 27, SEED + [DOUBLE] * 16 + [{"$unwind": "$a"}, {"$count": "n"}]]
            sql = ["SELECT length(randomblob(900000000)) AS n",
                   "WITH RECURSIVE r(s, n) AS (SELECT 'x', 0 UNION ALL SELECT s || s, n + 1 FROM r "
                   "WHERE n < 40) SELECT max(length(s)) AS m FROM r"]
            i = 0
            while not stop.is_set():
                try:
                    if i % 2:
                        stub.TabularDataByMQL(data_pb2.TabularDataByMQLRequest(
                            organization_id=org, mql_binary=[bson.encode(s) for s in mql[i // 2 % 2]]),
                            metadata=query_md, timeout=60)
                    else:
                        stub.TabularDataBySQL(data_pb2.TabularDataBySQLRequest(
                            organization_id=org, sql_query=sql[i // 2 % 2]), metadata=query_md, timeout=60)
                except grpc.RpcError as exc:
                    count("expensive query", exc)
                i += 1

    def endless_upload() -> None:
        chunk = os.urandom(256 << 10)

        def forever() -> Iterator[bytes]:
            while not stop.is_set():
                yield chunk

        while not stop.is_set():
            try:
                client.upload(forever(), part, file_name="endless")
            except Exception as exc:  # noqa: BLE001 - counted
                count("endless upload", exc)

    threads = [threading.Thread(target=idle, args=("/proto.rpc.v1.AuthService/Authenticate", None, None))
               for _ in range(IDLE)]
    threads += [threading.Thread(target=idle, args=("/viam.app.datasync.v1.DataSyncService/FileUpload",
                                                    metadata, idle_md)) for _ in range(IDLE)]
    threads += [threading.Thread(target=queries) for _ in range(4)]
    threads += [threading.Thread(target=endless_upload) for _ in range(2)]
    for t in threads:
        t.daemon = True
        t.start()
    stop.wait()
    client.close()
    return outcomes


AUTHENTICATE = "/proto.rpc.v1.AuthService/Authenticate"
BODY_ANNOUNCED = 64 << 20
BODY_SENT = 1 << 20


async def pre_login_abuse(spec: Dict[str, Any], stop: threading.Event) -> Dict[str, int]:
    """``spec["connections"]`` connections of ``spec["calls_per_connection"]`` idle
    ``Authenticate`` calls each, and ``spec["held_bodies"]`` HTTP connections each holding
    a gRPC-web POST that announces 64 MiB and sends 1 MiB; each reopened when ended."""
    outcomes: Dict[str, int] = {}
    done = asyncio.Event()

    def count(key: str) -> None:
        outcomes[key] = outcomes.get(key, 0) + 1

    async def silent() -> Any:
        await done.wait()
        yield b""  # never reached while the abuse runs

    async def idle_calls(channel: grpc.aio.Channel) -> None:
        call = channel.stream_unary(AUTHENTICATE, request_serializer=lambda m: m)
        while not done.is_set():
            try:
                await call(silent(), timeout=600)
                count("idle Authenticate: OK")
            except grpc.aio.AioRpcError as exc:
                count(f"idle Authenticate: {exc.code().name}")
            except asyncio.CancelledError:
                return
            await asyncio.sleep(0.5)  # then open it again

    host, port = spec["grpc_web_url"].split("//", 1)[1].rsplit(":", 1)

    async def held_body() -> None:
        head = (f"POST /viam.app.data.v1.DataService/TabularDataByFilter HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Content-Type: application/grpc-web+proto\r\nContent-Length: {BODY_ANNOUNCED}\r\n\r\n").encode()
        while not done.is_set():
            writer = None
            try:
                reader, writer = await asyncio.open_connection(host, int(port))
                writer.write(head + bytes(BODY_SENT))
                await writer.drain()
                answer = await reader.read(4096)  # the server's answer, or b"" when it closes
                status = answer.split(b"\r\n", 1)[0].decode(errors="replace")[9:12] or "closed"
                grpc_status = answer.split(b"grpc-status: ", 1)[1][:2].strip() if b"grpc-status: " in answer else b""
                count(f"held 64 MiB body: HTTP {status}" + (f" grpc-status {grpc_status.decode()}" if grpc_status else ""))
            except OSError as exc:
                count(f"held 64 MiB body: {type(exc).__name__}")
            except asyncio.CancelledError:
                return
            finally:
                if writer is not None:
                    writer.close()
            await asyncio.sleep(0.5)

    channels = [grpc.aio.insecure_channel(spec["address"], options=[("grpc.use_local_subchannel_pool", 1)])
                for _ in range(spec["connections"])]
    tasks = [asyncio.ensure_future(idle_calls(ch)) for ch in channels for _ in range(spec["calls_per_connection"])]
    tasks += [asyncio.ensure_future(held_body()) for _ in range(spec["held_bodies"])]
    await asyncio.get_running_loop().run_in_executor(None, stop.wait)
    done.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for ch in channels:
        await ch.close()
    return outcomes


def abuser_main(spec_json: str) -> int:
    stop = threading.Event()
    result: Dict[str, int] = {}
    spec = json.loads(spec_json)
    if spec.get("kind") == "pre-login":
        def work() -> None:
            result.update(asyncio.run(pre_login_abuse(spec, stop)))
    else:
        def work() -> None:
            result.update(abuse(spec, stop))
    runner = threading.Thread(target=work, daemon=True)
    runner.start()
    print("abusing", flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    stop.set()
    runner.join(30)
    print(json.dumps(result), flush=True)
    return 0


# ---------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each phase (default 15)")
    parser.add_argument("--only", help="run the quiet phase and only the attacks whose name holds this")
    parser.add_argument("--abuser", help=argparse.SUPPRESS)
    parser.add_argument("--server-log-level", default="INFO",
                        help="the server's --log-level (default INFO, its own default); its log goes to a file")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    ns, rest = parser.parse_known_args()
    if ns.serve:
        return serve_with_lag_probe(ns.serve, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if ns.abuser:
        return abuser_main(ns.abuser)
    outcomes: Dict[str, Dict[str, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        log = open(os.path.join(tmp, "server.log"), "w")  # noqa: SIM115 - closed with the directory
        proc, info = start_server(os.path.join(tmp, "abuse.db"), os.path.join(tmp, "loop-lag.txt"), log,
                                  ns.server_log_level)
        info["lag_file"] = os.path.join(tmp, "loop-lag.txt")
        info["log_file"] = log.name
        try:
            address = info["address"]
            client = DataClient.from_api_key(info["api_key"], info["api_key_id"], address, insecure=True)
            client.tabular_data_capture_upload(
                [{"i": i} for i in range(500)], info["part_id"], "rdk:component:sensor", "seed", "Readings",
                [None] * 500)
            rows = [phase("no abuse", client, info, proc.pid, ns.seconds)]
            other = _other_org(tmp, info)
            attacks: List[Tuple[str, Dict[str, Any]]] = [("under abuse", other)]
            pre_login = {"kind": "pre-login", "address": address, "grpc_web_url": info["grpc_web_url"]}
            attacks.append(("1,056 idle logins", dict(pre_login, connections=33, calls_per_connection=32,
                                                      held_bodies=0)))
            attacks.append(("1,280 idle logins + 12 held bodies", dict(
                pre_login, connections=40, calls_per_connection=32, held_bodies=12)))
            for name, spec in attacks:
                if ns.only and ns.only not in name:
                    continue
                row, outcomes[name] = _attacked_phase(name, spec, client, info, proc.pid, ns.seconds)
                rows.append(row)
            client.close()
        finally:
            proc.terminate()
            proc.wait(30)
    quiet = rows[0]
    print("\n== authenticated load (4 threads: filter pages of 100, 1 in 10 an upload)")
    for row in rows:
        print(f"  {row['phase']:<36} {row['calls']:>6} ok {row['failed']:>4} failed  p50 {row['p50_ms']:7.1f} ms  "
              f"p99 {row['p99_ms']:7.1f} ms ({row['p99_ms'] / quiet['p99_ms']:5.2f}x)  "
              f"server peak RSS {row['server_peak_rss_mib']:4.0f} MiB  new logins {row['logins'][0]}/{row['logins'][1]} "
              f"ok, slowest {row['logins'][2]:.0f} ms")
        for key, n in sorted(row["failures"].items()):
            print(f"      failed: {key} x{n}")
    print("\n== where the CPU went (% of one core, over each phase), and the server event loop's lag")
    for row in rows:
        cpu = row["cpu_percent"]
        lag = row["loop_lag_ms"]
        abuser = f"abuser {cpu['abuser']:5.1f}%" if "abuser" in cpu else " " * 13
        ended = f"  abuser's calls ended {row['abuser_rate']:6.0f}/s" if "abuser_rate" in row else ""
        print(f"  {row['phase']:<36} server {cpu['server']:5.1f}% (+ query workers {cpu['query workers']:5.1f}%)  "
              f"{abuser}  client {cpu['client']:5.1f}%  "
              f"loop lag p50 {lag[0]:6.1f} p99 {lag[1]:6.1f} max {lag[2]:6.1f} ms{ended}  "
              f"server log {row['server_log_lines'] / row['seconds']:6.0f} lines/s")
    for name, got in outcomes.items():
        print(f"\n== what the abusers got ({name})")
        for key, n in sorted(got.items()):
            print(f"  {key:<45} {n}")
    return 0


def _attacked_phase(name: str, spec: Dict[str, Any], client: DataClient, info: Dict[str, str], pid: int,
                    seconds: float) -> Tuple[Dict[str, Any], Dict[str, int]]:
    """The measured load while an abuser process runs ``spec``; the abuser's outcomes."""
    abuser = subprocess.Popen([sys.executable, __file__, "--abuser", json.dumps(spec)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert abuser.stdout is not None and abuser.stdin is not None
    try:
        abuser.stdout.readline()
        began = time.monotonic()
        time.sleep(3.0)  # the idle calls are open, the first queries and uploads running
        row = phase(name, client, info, pid, seconds, abuser.pid)
        abuser.stdin.close()
        outcomes: Dict[str, int] = json.loads(abuser.stdout.readline() or "{}")
        row["abuser_rate"] = sum(outcomes.values()) / (time.monotonic() - began)
        abuser.wait(60)
    finally:
        if abuser.poll() is None:
            abuser.kill()
            abuser.wait(10)
    time.sleep(1.0)  # the server ends what the abuser left
    return row, outcomes


def _other_org(tmp: str, info: Dict[str, str]) -> Dict[str, Any]:
    """A second organization with one key per kind of abuse (a caller's own limits would
    otherwise stop its other abuse first), made in the served store (SQLite allows a
    second writer process), and a token for each."""
    from viam_data_sync._proto.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
    from viam_data_sync.server.store import Store

    store = Store(os.path.join(tmp, "abuse.db"), os.path.join(tmp, "abuse.db.blobs-unused"))
    try:
        fleet = store.create_fleet("abusers")
        keys = {kind: store.create_api_key([fleet.organization_id]) for kind in ("idle", "queries", "uploads")}
    finally:
        store.close()
    spec: Dict[str, Any] = {"address": info["address"], "organization_id": fleet.organization_id,
                            "part_id": fleet.part_id}
    with grpc.insecure_channel(info["address"]) as channel:
        for kind, (key_id, key) in keys.items():
            token = auth_pb2_grpc.AuthServiceStub(channel).Authenticate(auth_pb2.AuthenticateRequest(
                entity=key_id, credentials=auth_pb2.Credentials(type="api-key", payload=key)),
                timeout=10).access_token
            spec[kind] = {"api_key_id": key_id, "api_key": key, "token": token}
    return spec


if __name__ == "__main__":
    sys.exit(main())
