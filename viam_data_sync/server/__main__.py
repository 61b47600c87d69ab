"""``python -m viam_data_sync.server``: run the local Data API server until SIGINT/SIGTERM.

Example::

    python -m viam_data_sync.server --db ./data.db --port 8080

It prints the address, the gRPC-web URL and the credentials of its own default API key (a local key for
this server only), one ``name: value`` per line, and a ready-to-paste ``export
VIAM_API_KEY_ID=… VIAM_API_KEY=… VIAM_APP_ADDRESS=… VIAM_INSECURE=1`` line, then serves.
``--api-key-file`` names a file holding the key's secret: read if it exists, else
written (mode 0600) with the secret the server serves, so later runs reuse it.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import signal
import sys
import threading
from typing import Any, Optional, Sequence

from viam_data_sync._atomic import write_atomic
from viam_data_sync.server.engines.query_pool import DEFAULT_QUERY_MEMORY_BYTES, DEFAULT_QUERY_TIMEOUT, DEFAULT_QUERY_WORKERS
from viam_data_sync.server._server import DEFAULT_MAX_UPLOAD_BYTES, LocalDataServer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m viam_data_sync.server", description="Run a local Viam Data API server."
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=None,
        help="SQLite database file (default: a temporary store, deleted on exit)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="TCP port (default 8080; 0 picks a free one)")
    parser.add_argument("--no-auth", action="store_true", help="serve without API-key authentication")
    parser.add_argument("--api-key-id", default=None, help="use this id for the default API key")
    parser.add_argument("--api-key", default=None, help="use this secret for the default API key")
    parser.add_argument(
        "--api-key-file", metavar="PATH", default=None,
        help="file with the default API key's secret: read if it exists, else written with it",
    )
    parser.add_argument(
        "--max-upload-bytes",
        type=int,
        default=DEFAULT_MAX_UPLOAD_BYTES,
        help=f"largest upload accepted (default {DEFAULT_MAX_UPLOAD_BYTES}, 1 GiB)",
    )
    parser.add_argument(
        "--request-idle-timeout", type=float, default=60.0,
        help="seconds a call may wait for its request or next upload chunk (default 60)",
    )
    parser.add_argument("--query-workers", type=int, default=DEFAULT_QUERY_WORKERS,
                        help=f"processes running SQL and MQL queries (default {DEFAULT_QUERY_WORKERS})")
    parser.add_argument(
        "--query-memory-bytes", type=int, default=DEFAULT_QUERY_MEMORY_BYTES,
        help=f"memory limit of one query's process (default {DEFAULT_QUERY_MEMORY_BYTES}, 512 MiB; 0: none)",
    )
    parser.add_argument("--query-timeout", type=float, default=DEFAULT_QUERY_TIMEOUT,
                        help=f"seconds one query may run (default {DEFAULT_QUERY_TIMEOUT:g})")
    parser.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the server; returns the process exit code. ``argv`` excludes the program name."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.api_key is not None and args.api_key_file is not None:
        print("give --api-key or --api-key-file, not both", file=sys.stderr)
        return 2
    api_key = args.api_key
    if args.api_key_file is not None and os.path.exists(args.api_key_file):
        with open(args.api_key_file, encoding="utf-8") as fh:
            api_key = fh.read().strip()
        if not api_key:
            print(f"{args.api_key_file} is empty", file=sys.stderr)
            return 2
    try:
        server = _server(args, api_key)
    except ValueError as exc:  # a limit out of range: named by the message
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    try:
        server.start()
    except OSError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 1
    if args.api_key_file is not None and api_key is None:
        _write_secret(args.api_key_file, server.api_key)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"address: {server.address}")
        print(f"grpc_web_url: {server.grpc_web_url}")
        print(f"auth: {'on' if server.auth_enabled else 'off'}")
        print(f"organization_id: {server.organization_id}")
        print(f"location_id: {server.location_id}")
        print(f"robot_id: {server.robot_id}")
        print(f"part_id: {server.part_id}")
        print(f"api_key_id: {server.api_key_id}")
        print(f"api_key: {server.api_key}")
        print(f"http_address: {server.http_address}")
        print(export_line(server))
        print("ready", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop(grace=2.0)
    return 0


def _server(args: argparse.Namespace, api_key: Optional[str]) -> LocalDataServer:
    return LocalDataServer(
        args.db,
        args.host,
        args.port,
        auth=not args.no_auth,
        api_key_id=args.api_key_id,
        api_key=api_key,
        max_upload_bytes=args.max_upload_bytes,
        request_idle_timeout=args.request_idle_timeout,
        query_workers=args.query_workers,
        query_memory_bytes=args.query_memory_bytes,
        query_timeout=args.query_timeout,
    )


def export_line(server: LocalDataServer) -> str:
    """The shell line that points ``DataClient.from_env()`` and the CLI at ``server``.
    It names the default key with auth off too: the key still authenticates there, and
    the clients refuse to start without one."""
    pairs = [("VIAM_API_KEY_ID", server.api_key_id), ("VIAM_API_KEY", server.api_key),
             ("VIAM_APP_ADDRESS", server.address), ("VIAM_INSECURE", "1")]
    return "export " + " ".join(f"{name}={shlex.quote(value)}" for name, value in pairs)


def _write_secret(path: str, secret: str) -> None:
    def write(fh: Any) -> None:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(secret + "\n")

    write_atomic(path, write)


if __name__ == "__main__":
    sys.exit(main())
