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
from viam_data_sync._channel import Connection
from viam_data_sync._defaults import (
    DEFAULT_ADDRESS, DEFAULT_TIMEOUT, ENV_API_KEY, ENV_API_KEY_ID, ENV_INSECURE, env_address, env_flag,
)
from viam_data_sync._retry import RetryBudget, RetryPolicy



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
    timeout: Optional[float] = DEFAULT_TIMEOUT,
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
    """A :class:`Caller` configured from the environment variables of
    :mod:`viam_data_sync._defaults` (the key, its id and, optionally, the address and
    insecure). Keyword arguments override."""
    key = os.environ.get(ENV_API_KEY, "")
    key_id = os.environ.get(ENV_API_KEY_ID, "")
    missing = [name for name, value in ((ENV_API_KEY, key), (ENV_API_KEY_ID, key_id)) if not value]
    if missing:
        raise ValueError(f"missing environment variable(s): {', '.join(missing)}")
    kwargs.setdefault("address", env_address())
    kwargs.setdefault("insecure", env_flag(ENV_INSECURE))
    return caller_from_api_key(key, key_id, **kwargs)


__all__ = ["caller_from_api_key", "caller_from_env"]
