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
from typing import Callable, Optional, Tuple

from viam_data_sync._clock import SYSTEM_CLOCK, Clock

CREDENTIALS_TYPE_API_KEY = "api-key"
#: By default, a token is renewed this many seconds before its ``exp``.
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


#: ``authenticate(entity, key) -> access token``: one ``Authenticate`` RPC, made by the
#: call layer inside the attempt that needs the token.
Authenticate = Callable[[str, str], str]


class ApiKeyAuth:
    """Holds an API key and the current access token; thread-safe.

    It makes no call of its own: :meth:`header` is handed the function that sends
    ``Authenticate``, so the call layer counts that RPC in the same attempt budget and
    deadline as the call it is for. The key and token never appear in ``repr``.

    Args:
        api_key: the secret.
        api_key_id: the key's id (the ``entity`` of the authentication).
        clock: whose wall time is compared with the token's ``exp``.
        refresh_margin: renew a token this many seconds before its ``exp``.
    """

    def __init__(
        self,
        api_key: str,
        api_key_id: str,
        *,
        clock: Clock = SYSTEM_CLOCK,
        refresh_margin: float = REFRESH_MARGIN,
    ) -> None:
        if not api_key or not isinstance(api_key, str):
            raise ValueError("api_key must be a non-empty string")
        if not api_key_id or not isinstance(api_key_id, str):
            raise ValueError("api_key_id must be a non-empty string")
        self._key = api_key
        self.api_key_id = api_key_id
        self._clock = clock
        self._margin = refresh_margin
        self._lock = threading.Lock()
        self._token: Optional[str] = None
        self._expiry: Optional[float] = None

    def __repr__(self) -> str:
        return f"ApiKeyAuth(api_key_id={self.api_key_id!r}, api_key=<redacted>)"

    def header(self, authenticate: Authenticate) -> Tuple[str, str]:
        """The ``authorization`` header for the next call, authenticating if needed."""
        with self._lock:
            if self._token is None or self._expiring():
                self._refresh(authenticate)
            assert self._token is not None
            return ("authorization", f"Bearer {self._token}")

    def invalidate(self, rejected_header: Optional[str] = None) -> None:
        """Forget the token (after UNAUTHENTICATED), unless another thread already did."""
        with self._lock:
            if rejected_header is None or rejected_header == f"Bearer {self._token}":
                self._token = None

    def _expiring(self) -> bool:
        return self._expiry is not None and self._clock.time() >= self._expiry - self._margin

    def _refresh(self, authenticate: Authenticate) -> None:
        token = authenticate(self.api_key_id, self._key)
        if not token:
            raise ValueError("the server returned an empty access token")
        self._token = token
        self._expiry = token_expiry(token)
        LOGGER.debug("authenticated API key id %s", self.api_key_id)
