"""API-key authentication exactly as the Viam cloud expects it.

``/proto.rpc.v1.AuthService/Authenticate`` with the API key *id* as ``entity`` and
``Credentials{type: "api-key", payload: <key>}``, sent with no authorization header;
the access token it returns goes out as ``authorization: Bearer <token>`` on every
other call. The token is fetched lazily, refreshed shortly before its ``exp`` claim
(when it has one), and refreshed once after an ``UNAUTHENTICATED`` answer.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import time
from typing import Callable, Optional, Tuple

CREDENTIALS_TYPE_API_KEY = "api-key"
AUTHENTICATE_METHOD = "/proto.rpc.v1.AuthService/Authenticate"
#: Refresh this many seconds before a token's ``exp``.
REFRESH_MARGIN = 60.0

LOGGER = logging.getLogger("viam_data_sync")


def token_expiry(token: str) -> Optional[float]:
    """The ``exp`` claim of a JWT, in epoch seconds, if readable (not verified)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, (int, float)) else None


class ApiKeyAuth:
    """Holds an API key and the current access token; thread-safe.

    ``authenticate`` is a callable ``(entity, key, timeout) -> token`` doing the RPC;
    the client wires it to ``AuthService.Authenticate`` on its own channel.
    The key and token never appear in ``repr``.
    """

    def __init__(
        self,
        api_key: str,
        api_key_id: str,
        authenticate: Callable[[str, str, float], str],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not api_key or not isinstance(api_key, str):
            raise ValueError("api_key must be a non-empty string")
        if not api_key_id or not isinstance(api_key_id, str):
            raise ValueError("api_key_id must be a non-empty string")
        self._key = api_key
        self.api_key_id = api_key_id
        self._authenticate = authenticate
        self._clock = clock
        self._lock = threading.Lock()
        self._token: Optional[str] = None
        self._expiry: Optional[float] = None
        self.authentications = 0

    def __repr__(self) -> str:
        return f"ApiKeyAuth(api_key_id={self.api_key_id!r}, api_key=<redacted>)"

    def metadata(self, timeout: float) -> Tuple[Tuple[str, str], ...]:
        """The ``authorization`` header for the next call, authenticating if needed."""
        with self._lock:
            if self._token is None or self._expiring():
                self._refresh(timeout)
            assert self._token is not None
            return (("authorization", f"Bearer {self._token}"),)

    def invalidate(self, rejected_header: Optional[str] = None) -> None:
        """Forget the token (after UNAUTHENTICATED), unless another thread already did."""
        with self._lock:
            if rejected_header is None or rejected_header == f"Bearer {self._token}":
                self._token = None

    def _expiring(self) -> bool:
        return self._expiry is not None and self._clock() >= self._expiry - REFRESH_MARGIN

    def _refresh(self, timeout: float) -> None:
        token = self._authenticate(self.api_key_id, self._key, timeout)
        if not token:
            raise ValueError("the server returned an empty access token")
        self._token = token
        self._expiry = token_expiry(token)
        self.authentications += 1
        LOGGER.debug("authenticated API key id %s", self.api_key_id)
