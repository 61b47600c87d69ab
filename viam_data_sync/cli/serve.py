"""``viam-data-sync serve``: the local Data API server (``python -m viam_data_sync.server``)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, List

from viam_data_sync.cli._errors import EXIT_FAILURE, CliError
from viam_data_sync.cli._parser import add_command

if TYPE_CHECKING:
    from viam_data_sync.cli._parser import SubParsers


def add_parser(commands: SubParsers) -> None:
    """``serve`` and its flags."""
    serve = add_command(
        commands, "serve", "run the local Data API server (python -m viam_data_sync.server)", _run, connection=False
    )
    serve.add_argument("--db", metavar="PATH", help="SQLite database file (default: temporary)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="TCP port (default 8080; 0 picks one)")
    serve.add_argument("--no-auth", action="store_true", help="serve without API-key authentication")
    serve.add_argument("--max-upload-bytes", type=int, help="largest upload accepted (default 1 GiB)")
    serve.add_argument("--api-key-id", metavar="ID",
                       help="id of the key to serve (kept by the store across restarts)")
    serve.add_argument("--api-key-file", metavar="PATH",
                       help="file holding the key's secret; written (mode 0600) if it does not exist")


def _run(args: argparse.Namespace) -> int:
    from viam_data_sync.server.__main__ import main as serve_main

    argv: List[str] = []
    if args.db:
        argv += ["--db", args.db]
    argv += ["--host", args.host, "--port", str(args.port)]
    if args.no_auth:
        argv.append("--no-auth")
    # The common --api-key-id/--api-key-file name the served key here: the store keeps
    # it, and a missing key file is written with its secret.
    for flag in ("max_upload_bytes", "api_key_id", "api_key_file"):
        if getattr(args, flag, None) is not None:
            argv += ["--" + flag.replace("_", "-"), str(getattr(args, flag))]
    try:
        return int(serve_main(argv) or 0)
    except RuntimeError as exc:
        if "Failed to bind" not in str(exc):
            raise
        raise CliError(
            f"cannot listen on {args.host}:{args.port}: the port is in use or not allowed here "
            "(choose another --port, or 0 for a free one)",
            EXIT_FAILURE,
        ) from None
