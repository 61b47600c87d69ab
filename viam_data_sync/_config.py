"""Per-client settings and their per-call overrides, resolved in one place.

``USE_CLIENT_DEFAULT`` (as in httpx) lets one call say "whatever the client was built
with" for ``timeout=`` and ``retry=``. :func:`resolve_retry` and :func:`check_timeout`
are the only places a ``retry=`` or ``timeout=`` argument is interpreted, so every
constructor and every call accepts and refuses the same values.
"""
from __future__ import annotations

import enum
from typing import Optional, Union

from viam_data_sync._retry import RetryPolicy


class UseClientDefault(enum.Enum):
    """The type of :data:`USE_CLIENT_DEFAULT`."""

    USE_CLIENT_DEFAULT = "USE_CLIENT_DEFAULT"

    def __repr__(self) -> str:
        return "USE_CLIENT_DEFAULT"


#: Pass as ``timeout=`` or ``retry=`` to use the client's default (the default).
USE_CLIENT_DEFAULT = UseClientDefault.USE_CLIENT_DEFAULT

#: A ``timeout=`` argument: seconds, ``None`` (no per-call bound), or the client's default.
TimeoutArg = Union[float, None, UseClientDefault]
#: A ``retry=`` argument: a policy, ``None`` (no retries), or the client's default.
RetryArg = Union[RetryPolicy, None, UseClientDefault]


def resolve_retry(retry: object, default: RetryPolicy) -> RetryPolicy:
    """The policy a ``retry=`` argument means: ``None`` turns retries off.

    Raises:
        TypeError: ``retry`` is not a :class:`RetryPolicy`, ``None`` or ``USE_CLIENT_DEFAULT``.
    """
    if retry is USE_CLIENT_DEFAULT:
        return default
    if retry is None:
        return RetryPolicy.disabled()
    if isinstance(retry, RetryPolicy):
        return retry
    raise TypeError(f"retry must be a RetryPolicy, None or USE_CLIENT_DEFAULT, got {type(retry).__name__}")


def check_timeout(timeout: object) -> Optional[float]:
    """A client's default ``timeout=``: seconds > 0, or ``None`` for no per-call bound.

    Raises:
        TypeError: not a number or ``None``.
        ValueError: not > 0.
    """
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds or None, got {type(timeout).__name__}")
    if timeout <= 0:
        raise ValueError("timeout must be > 0 or None")
    return float(timeout)


__all__ = ["USE_CLIENT_DEFAULT", "RetryArg", "TimeoutArg", "UseClientDefault", "check_timeout", "resolve_retry"]
