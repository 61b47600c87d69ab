"""Auth for the local server: API keys, HS256 JWT access tokens, organization scope.

Mirrors the goutils reference server (protocol.md §4.2): ``Authenticate`` takes the
API key id as ``entity`` and ``{type: "api-key", payload: <secret>}``; every other call
needs exactly one ``authorization: Bearer <token>`` header. Unlike goutils, tokens
carry an ``exp`` claim and expire after ``token_ttl`` seconds.

Tokens are signed with a random key kept in the database, so they survive a restart of
a file-backed server. Secrets and tokens never appear in logs or error messages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any, Dict, Optional

import grpc

from viam_data_sync._proto.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
from viam_data_sync.server._rpc import LOG, RpcFail, Scope, log_unexpected
from viam_data_sync.server.store import Store

ISSUER = "viam-data-sync-local"
AUDIENCE = "viam-data-sync-local"
API_KEY_TYPE = "api-key"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _unauthenticated(message: str) -> RpcFail:
    return RpcFail(grpc.StatusCode.UNAUTHENTICATED, message)


class TokenAuthority:
    """Issues and checks access tokens; answers "which organizations may this call see".

    Args:
        store: where API keys and the signing key live.
        enabled: when False, :meth:`scope` lets every call see every organization.
        token_ttl: token lifetime in seconds.
    """

    def __init__(self, store: Store, *, enabled: bool = True, token_ttl: float = 3600.0) -> None:
        self.store = store
        self.enabled = enabled
        self.token_ttl = float(token_ttl)
        self._key = store.signing_key()
        self.signing_key = self._key  # also keys signed blob URLs (``web/http.py``), through a derivation
        self._kid = hashlib.sha256(self._key).hexdigest()[:8]

    def issue(self, key_id: str, ttl: Optional[float] = None) -> str:
        """A signed token for ``key_id``, valid for ``ttl`` (default ``token_ttl``) seconds."""
        now = time.time()
        header = {"alg": "HS256", "typ": "JWT", "kid": self._kid}
        claims = {
            "sub": key_id,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": int(now),
            "exp": now + (self.token_ttl if ttl is None else ttl),
            "jti": str(uuid.uuid4()),
        }
        signing_input = (
            _b64(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + _b64(json.dumps(claims, separators=(",", ":")).encode())
        )
        signature = hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()
        return signing_input + "." + _b64(signature)

    def verify(self, token: str) -> Dict[str, Any]:
        """The token's claims; UNAUTHENTICATED if forged, malformed or expired."""
        parts = token.split(".")
        if len(parts) != 3:
            raise _unauthenticated("malformed access token")
        signing_input = (parts[0] + "." + parts[1]).encode()
        try:
            signature = _unb64(parts[2])
            header = json.loads(_unb64(parts[0]))
            claims = json.loads(_unb64(parts[1]))
        except (ValueError, TypeError):
            raise _unauthenticated("malformed access token") from None
        expected = hmac.new(self._key, signing_input, hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected):
            raise _unauthenticated("invalid access token")
        if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
            raise _unauthenticated("invalid access token")
        if claims.get("aud") != AUDIENCE or claims.get("iss") != ISSUER:
            raise _unauthenticated("invalid access token")
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or exp <= time.time():
            raise _unauthenticated("access token expired; authenticate again")
        return claims

    def key_id_of(self, metadata: Any) -> str:
        """The API key id of the call's token (signature and expiry checked, no database
        read); UNAUTHENTICATED when the header is missing, malformed, forged or expired."""
        values = [v for k, v in (metadata or ()) if k.lower() == "authorization"]
        if not values:
            raise _unauthenticated("missing authorization metadata (expected 'Bearer <token>')")
        if len(values) != 1:
            raise _unauthenticated("expected exactly one authorization header")
        value = values[0]
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if not value.startswith("Bearer "):
            raise _unauthenticated("authorization must be 'Bearer <token>'")
        claims = self.verify(value[len("Bearer ") :].strip())
        return str(claims.get("sub", ""))

    def accepts(self, metadata: Any) -> bool:
        """Whether a call with ``metadata`` may go on: auth is off, or its token is valid."""
        if not self.enabled:
            return True
        try:
            self.key_id_of(metadata)
        except RpcFail:
            return False
        return True

    def scope(self, context: grpc.ServicerContext) -> Scope:
        """Organizations the caller may see (None = all, when auth is off)."""
        if not self.enabled:
            return None
        orgs = self.store.key_organizations(self.key_id_of(context.invocation_metadata()))
        if orgs is None:
            raise _unauthenticated("the API key of this token no longer exists")
        return orgs


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    """``proto.rpc.v1.AuthService``: API key -> access token."""

    def __init__(self, authority: TokenAuthority) -> None:
        self.authority = authority

    def Authenticate(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        try:
            return self._authenticate(request, context)
        except RpcFail as exc:
            context.abort(exc.code, exc.message)
        except Exception as exc:  # noqa: BLE001
            log_unexpected(LOG, "Authenticate", exc)
            context.abort(grpc.StatusCode.INTERNAL, "internal error in Authenticate; see the server log")

    def _authenticate(self, request: Any, context: grpc.ServicerContext) -> Any:
        if any(k.lower() == "authorization" for k, _ in (context.invocation_metadata() or ())):
            raise RpcFail(grpc.StatusCode.INVALID_ARGUMENT, "already authenticated; cannot re-authenticate")
        if not request.HasField("credentials"):
            raise RpcFail(grpc.StatusCode.INVALID_ARGUMENT, "no credentials provided")
        if request.credentials.type != API_KEY_TYPE:
            raise RpcFail(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"do not know how to handle credential type {request.credentials.type[:64]!r}",
            )
        if not request.entity:
            raise RpcFail(grpc.StatusCode.INVALID_ARGUMENT, "no entity (API key id) provided")
        if not self.authority.store.check_api_key(request.entity, request.credentials.payload):
            # Neither the entity nor the secret is logged: a caller who swaps them would
            # otherwise have the real secret written to the log.
            LOG.info("Authenticate rejected: unknown API key id or wrong secret")
            raise RpcFail(grpc.StatusCode.UNAUTHENTICATED, "invalid credentials")
        return auth_pb2.AuthenticateResponse(access_token=self.authority.issue(request.entity))
