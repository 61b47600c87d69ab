"""Every default of the client, once: the SDK, the CLI, the Airflow provider and the Dask
helpers all read them from here, so they cannot disagree.

* the service's address;
* a call's timeout, and the retry policy's attempts and overall deadline;
* rows per page of each paged read;
* the environment variables that configure a client, and how a yes/no one is read.

Example::

    from viam_data_sync._defaults import DEFAULT_TIMEOUT, env_flag
    insecure = env_flag(ENV_INSECURE)
"""
from __future__ import annotations

import os
from typing import Any

#: The Viam app's host (``ViamClient``'s ``app_url`` without a port).
DEFAULT_APP_HOST = "app.viam.com"
#: ``host:port`` of the Data API (TLS).
DEFAULT_ADDRESS = f"{DEFAULT_APP_HOST}:443"

#: Seconds one call may take (``timeout=``; ``None`` leaves only the retry deadline).
DEFAULT_TIMEOUT = 60.0
#: Attempts per call, the first included (``RetryPolicy.max_attempts``).
DEFAULT_MAX_ATTEMPTS = 5
#: Seconds a call may take over all its attempts (``RetryPolicy.deadline``).
DEFAULT_DEADLINE = 300.0
#: RPCs one page of a paged read may cost in all (``PageBudget``): every attempt of
#: every call made for it, the calls repeated after a RESOURCE_EXHAUSTED back-off
#: included. Two calls' worth of the default attempts.
DEFAULT_PAGE_RPCS = 2 * DEFAULT_MAX_ATTEMPTS

#: Rows per ``TabularDataByFilter`` page.
TABULAR_PAGE_SIZE = 100
#: Items per ``BinaryDataByFilter`` page (bodies are bounded by a byte budget too).
BINARY_PAGE_SIZE = 50
#: Documents per page of a keyset-paged MQL read.
MQL_PAGE_SIZE = 1000
#: Items per ``BinaryDataByFilter`` page when no file bodies are fetched (metadata only).
BINARY_METADATA_PAGE_SIZE = 100
#: Rows per page of a bulk tabular read in a worker (a Dask task, an Airflow export).
BULK_TABULAR_PAGE_SIZE = 1000

#: ``plan_tabular``: rows per partition aimed at.
DEFAULT_TARGET_ROWS = 100_000
#: ``plan_binary``: items and bytes per partition aimed at.
DEFAULT_TARGET_ITEMS = 2_000
DEFAULT_TARGET_BYTES = 1 << 30
#: The most partitions a plan makes unless told otherwise.
DEFAULT_MAX_PARTITIONS = 256
#: Rows of each partition a plan samples to settle its Arrow schema (one page).
DEFAULT_SCHEMA_SAMPLE_ROWS = 100

#: The API key's secret.
ENV_API_KEY = "VIAM_API_KEY"
#: The API key's id.
ENV_API_KEY_ID = "VIAM_API_KEY_ID"
#: ``host:port`` of the Data API, instead of :data:`DEFAULT_ADDRESS`.
ENV_ADDRESS = "VIAM_APP_ADDRESS"
#: Yes (:func:`is_yes`) for a plaintext connection (a local server).
ENV_INSECURE = "VIAM_INSECURE"

_YES = frozenset({"1", "true", "yes", "on"})


def is_yes(value: Any) -> bool:
    """Whether a setting's value says yes: ``True``, or ``1``/``true``/``yes``/``on`` in
    any case (an environment variable, an Airflow connection's extra)."""
    if isinstance(value, bool):
        return value
    return str(value if value is not None else "").strip().lower() in _YES


def env_flag(name: str) -> bool:
    """Whether the environment variable ``name`` says yes (:func:`is_yes`)."""
    return is_yes(os.environ.get(name))


def env_address() -> str:
    """``$VIAM_APP_ADDRESS``, or :data:`DEFAULT_ADDRESS` when unset or empty."""
    return os.environ.get(ENV_ADDRESS, "").strip() or DEFAULT_ADDRESS


__all__ = [
    "BINARY_METADATA_PAGE_SIZE", "BINARY_PAGE_SIZE", "BULK_TABULAR_PAGE_SIZE", "DEFAULT_ADDRESS",
    "DEFAULT_MAX_PARTITIONS", "DEFAULT_SCHEMA_SAMPLE_ROWS", "DEFAULT_TARGET_BYTES", "DEFAULT_TARGET_ITEMS", "DEFAULT_TARGET_ROWS", "DEFAULT_APP_HOST", "DEFAULT_DEADLINE", "DEFAULT_MAX_ATTEMPTS", "DEFAULT_PAGE_RPCS",
    "DEFAULT_TIMEOUT", "ENV_ADDRESS", "ENV_API_KEY", "ENV_API_KEY_ID", "ENV_INSECURE", "MQL_PAGE_SIZE",
    "TABULAR_PAGE_SIZE", "env_address", "env_flag", "is_yes",
]
