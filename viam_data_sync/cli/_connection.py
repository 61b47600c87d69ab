"""The connection every remote command shares: address, TLS, credentials, timeouts.

The API key id comes from ``--api-key-id`` or ``VIAM_API_KEY_ID``; the key itself only
from ``VIAM_API_KEY`` or ``--api-key-file`` (a flag value is visible to every user of
the machine through ``ps``; ``--api-key`` is accepted, with a warning, so that a
mistaken use is not echoed back by argparse).
"""

from __future__ import annotations

import argparse
import logging
import os
from typing import TYPE_CHECKING, Any, Callable, Tuple

from viam_data_sync._defaults import (
    DEFAULT_ADDRESS, DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT, ENV_ADDRESS, ENV_API_KEY, ENV_API_KEY_ID, ENV_INSECURE,
    env_address, env_flag,
)
from viam_data_sync.cli._errors import EXIT_CREDENTIALS, EXIT_USAGE, CliError
from viam_data_sync.cli._secrets import remember_secret

if TYPE_CHECKING:
    from viam_data_sync import DataClient

LOG = logging.getLogger(__name__)



def add_connection_flags(group: Any, default: Callable[[Any], Any]) -> None:
    """The flags of :func:`connect` (``default`` maps each default to what the parser keeps)."""
    group.add_argument(
        "--address",
        default=default(env_address()),
        help=f"host:port of the Data API (default ${ENV_ADDRESS} or {DEFAULT_ADDRESS})",
    )
    group.add_argument(
        "--insecure",
        action="store_true",
        default=default(env_flag(ENV_INSECURE)),
        help=f"plaintext, no TLS (local servers only; also ${ENV_INSECURE}=1)",
    )
    group.add_argument(
        "--api-key-id", default=default(None), metavar="ID", help=f"API key id (default ${ENV_API_KEY_ID})"
    )
    group.add_argument(
        "--api-key-file",
        default=default(None),
        metavar="PATH",
        help=f"read the API key from this file (default: ${ENV_API_KEY})",
    )
    group.add_argument("--api-key", default=default(None), help=argparse.SUPPRESS)  # accepted, with a warning
    group.add_argument(
        "--timeout", type=float, default=default(DEFAULT_TIMEOUT), metavar="SECONDS",
        help=f"per-request timeout (default {DEFAULT_TIMEOUT:g})"
    )
    group.add_argument(
        "--retries",
        type=int,
        default=default(DEFAULT_MAX_ATTEMPTS),
        metavar="N",
        help=f"attempts per request on transient failures (default {DEFAULT_MAX_ATTEMPTS}; 1: no retries)",
    )


def credentials(args: argparse.Namespace) -> Tuple[str, str]:
    """``(api_key, api_key_id)`` from the flags and the environment.

    Raises:
        CliError: either is missing, or the key file cannot be read (exit code 3).
    """
    key_id = args.api_key_id or os.environ.get(ENV_API_KEY_ID, "")
    key = _api_key(args)
    remember_secret(key)
    missing = []
    if not key:
        missing.append(f"the API key ({ENV_API_KEY} or --api-key-file)")
    if not key_id:
        missing.append(f"the API key id (--api-key-id or {ENV_API_KEY_ID})")
    if missing:
        raise CliError("missing " + " and ".join(missing), EXIT_CREDENTIALS)
    return key, key_id


def _api_key(args: argparse.Namespace) -> str:
    if args.api_key is not None:
        LOG.warning(
            "--api-key exposes the key to other users of this machine (ps, shell history); "
            "use %s or --api-key-file",
            ENV_API_KEY,
        )
        return str(args.api_key)
    if not args.api_key_file:
        return os.environ.get(ENV_API_KEY, "").strip()
    try:
        with open(args.api_key_file, encoding="utf-8") as handle:
            key = handle.read().strip()
    except OSError as exc:
        raise CliError(
            f"cannot read the API key file {args.api_key_file}: {exc.strerror or exc}", EXIT_CREDENTIALS
        ) from None
    if not key:
        raise CliError(f"the API key file {args.api_key_file} is empty", EXIT_CREDENTIALS)
    return key


def connect(args: argparse.Namespace) -> DataClient:
    """A ``DataClient`` from the global flags and environment.

    Example::

        with connect(args) as client:
            client.tabular_data_by_sql(args.org_id, query)
    """
    from viam_data_sync import DataClient, RetryPolicy  # imported here: --help and serve stay light

    key, key_id = credentials(args)
    if args.retries < 1:
        raise CliError("--retries must be at least 1", EXIT_USAGE)
    if args.timeout <= 0:
        raise CliError("--timeout must be positive", EXIT_USAGE)
    client: DataClient = DataClient.from_api_key(
        key,
        key_id,
        args.address,
        insecure=args.insecure,
        timeout=args.timeout,
        retry=RetryPolicy(max_attempts=args.retries),
    )
    return client
