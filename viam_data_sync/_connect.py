"""Building a connected, authenticated :class:`~viam_data_sync._call.Caller` from an
API key or the environment (``DataClient.from_api_key`` and ``from_env``)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional, Sequence, Tuple, Union

import grpc

from viam_data_sync._auth import ApiKeyAuth
from viam_data_sync._call import Caller
from viam_data_sync._clock import SYSTEM_CLOCK, Clock
from viam_data_sync._config import USE_CLIENT_DEFAULT, RetryArg, resolve_retry
from viam_data_sync._channel import DEFAULT_ADDRESS, Connection
from viam_data_sync._retry import RetryBudget, RetryPolicy

ENV_API_KEY = "VIAM_API_KEY"
ENV_API_KEY_ID = "VIAM_API_KEY_ID"
ENV_ADDRESS = "VIAM_APP_ADDRESS"
ENV_INSECURE = "VIAM_INSECURE"


def _read_certificates(root_certificates: Union[None, bytes, str, "os.PathLike[str]"]) -> Optional[bytes]:
    if root_certificates is None or isinstance(root_certificates, bytes):
        return root_certificates
    path = Path(root_certificates)
    if not path.is_file():
        raise FileNotFoundError(f"root certificates file not found: {path}")
    return path.read_bytes()


def caller_from_api_key(
    api_key: str,
    api_key_id: str,
    address: str = DEFAULT_ADDRESS,
    *,
    insecure: bool = False,
    root_certificates: Union[None, bytes, str, "os.PathLike[str]"] = None,
    timeout: Optional[float] = 60.0,
    retry: RetryArg = USE_CLIENT_DEFAULT,
    budget: Optional[RetryBudget] = None,
    compression: Optional[grpc.Compression] = None,
    channel_options: Sequence[Tuple[str, Any]] = (),
    clock: Clock = SYSTEM_CLOCK,
) -> Caller:
    """A :class:`Caller` that authenticates with an API key on first use."""
    if not isinstance(api_key, str) or not api_key:
        raise ValueError("api_key must be a non-empty string")
    if not isinstance(api_key_id, str) or not api_key_id:
        raise ValueError("api_key_id must be a non-empty string")
    policy = resolve_retry(retry, RetryPolicy())  # refuse a bad retry= before anything else
    connection = Connection.for_address(
        address,
        insecure=insecure,
        root_certificates=_read_certificates(root_certificates),
        compression=compression,
        options=channel_options,
    )
    auth = ApiKeyAuth(api_key, api_key_id, clock=clock)
    return Caller(connection, auth=auth, timeout=timeout, retry=policy, budget=budget, clock=clock)


def caller_from_env(**kwargs: Any) -> Caller:
    """A :class:`Caller` configured from ``VIAM_API_KEY``, ``VIAM_API_KEY_ID`` and,
    optionally, ``VIAM_APP_ADDRESS`` and ``VIAM_INSECURE=1``. Keyword arguments override."""
    key = os.environ.get(ENV_API_KEY, "")
    key_id = os.environ.get(ENV_API_KEY_ID, "")
    missing = [name for name, value in ((ENV_API_KEY, key), (ENV_API_KEY_ID, key_id)) if not value]
    if missing:
        raise ValueError(f"missing environment variable(s): {', '.join(missing)}")
    kwargs.setdefault("address", os.environ.get(ENV_ADDRESS) or DEFAULT_ADDRESS)
    kwargs.setdefault("insecure", os.environ.get(ENV_INSECURE, "").lower() in ("1", "true", "yes"))
    return caller_from_api_key(key, key_id, **kwargs)


__all__ = ["caller_from_api_key", "caller_from_env"]
