"""The official SDK's connection names, blocking: ``ViamClient``, ``DialOptions``,
``Credentials``.

The official SDK opens every example with::

    dial_options = DialOptions.with_api_key("<API-KEY>", "<API-KEY-ID>")
    viam_client = await ViamClient.create_from_dial_options(dial_options)
    data_client = viam_client.data_client
    ...
    viam_client.close()

The same code runs against viam-data-sync once the imports read ``from viam_data_sync
import DialOptions, ViamClient`` and ``await``/``asyncio.run`` are deleted: no event
loop, and a ``ViamClient`` is also a context manager. ``data_client`` is our blocking
:class:`~viam_data_sync.DataClient`; the other clients of the official ``ViamClient``
(``app_client``, ``ml_training_client``, ...) are not part of the Data API and raise
``AttributeError`` naming viam-sdk.

Of ``DialOptions``, what matters to an app connection is used: ``credentials``,
``auth_entity`` (the API key id) and ``insecure`` (plaintext, for a local server). The
others (WebRTC, downgrade and reconnect settings, the dial ``timeout``) are accepted, as
the official SDK takes them, and have no effect here. An official
``viam.rpc.dial.DialOptions`` is accepted too.
"""
from __future__ import annotations

import dataclasses
import uuid
from typing import Any, Optional, Self

from viam_data_sync._client import DataClient
from viam_data_sync._clock import SYSTEM_CLOCK, Clock
from viam_data_sync._config import USE_CLIENT_DEFAULT, RetryArg
from viam_data_sync._connect import caller_from_api_key
from viam_data_sync._defaults import (
    DEFAULT_APP_HOST, DEFAULT_TIMEOUT, ENV_ADDRESS, ENV_API_KEY, ENV_API_KEY_ID, ENV_INSECURE, env_flag,
)

#: The official SDK's default app address (port 443, or 80 with ``insecure``).

#: The official ``ViamClient``'s other clients, which viam-data-sync does not offer.
_OTHER_CLIENTS = ("app_client", "billing_client", "ml_training_client", "provisioning_client",
                  "connect_to_machine")


@dataclasses.dataclass
class Credentials:
    """Credentials to connect to app.viam.com, as ``viam.rpc.dial.Credentials``.

    ``payload`` (the secret) never appears in the repr.

    Example::

        Credentials(type="api-key", payload="<API-KEY>")
    """

    type: str
    """``"api-key"`` (``"robot-secret"`` is for machines, not the app)."""
    payload: str = dataclasses.field(repr=False)
    """The secret."""


class DialOptions:
    """Connection options, with the official ``viam.rpc.dial.DialOptions`` names.

    Used: ``credentials``, ``auth_entity`` (the API key id) and ``insecure``. The other
    parameters are accepted for compatibility and have no effect (see the module
    docstring).

    Example::

        dial_options = DialOptions.with_api_key("<API-KEY>", "<API-KEY-ID>")
        dial_options.insecure = True          # a local server without TLS
    """

    def __init__(
        self,
        *,
        disable_webrtc: bool = False,
        auth_entity: Optional[str] = None,
        credentials: Optional[Credentials] = None,
        insecure: bool = False,
        allow_insecure_downgrade: bool = False,
        allow_insecure_with_creds_downgrade: bool = False,
        max_reconnect_attempts: int = 3,
        timeout: float = 20,
        initial_connection_attempts: int = 3,
        initial_connection_attempt_timeout: Optional[float] = None,
        force_relay: bool = False,
        force_p2p: bool = False,
        turn_uri: Optional[str] = None,
    ) -> None:
        self.disable_webrtc = disable_webrtc
        self.auth_entity = auth_entity
        self.credentials = credentials
        self.insecure = insecure
        self.allow_insecure_downgrade = allow_insecure_downgrade
        self.allow_insecure_with_creds_downgrade = allow_insecure_with_creds_downgrade
        self.max_reconnect_attempts = max_reconnect_attempts
        self.timeout = timeout
        self.initial_connection_attempts = initial_connection_attempts
        self.initial_connection_attempt_timeout = initial_connection_attempt_timeout or timeout
        self.force_relay = force_relay
        self.force_p2p = force_p2p
        self.turn_uri = turn_uri

    @classmethod
    def with_api_key(cls, api_key: str, api_key_id: str) -> Self:
        """DialOptions that authenticate with an API key (``auth_entity`` is its id).

        Raises:
            ValueError: ``api_key_id`` is not a valid UUID (as in the official SDK).

        Example::

            dial_options = DialOptions.with_api_key("<API-KEY>", "<API-KEY-ID>")
        """
        try:
            uuid.UUID(api_key_id)
        except (ValueError, TypeError, AttributeError):
            raise ValueError(f"{api_key_id} is not a valid UUID") from None
        return cls(credentials=Credentials(type="api-key", payload=api_key), auth_entity=api_key_id)

    def __repr__(self) -> str:
        kind = self.credentials.type if self.credentials is not None else None
        return f"DialOptions(auth_entity={self.auth_entity!r}, credentials={kind!r}, insecure={self.insecure!r})"


class ViamClient:
    """The official ``viam.app.viam_client.ViamClient`` for the Data API, blocking.

    Build it with :meth:`create_from_dial_options` or :meth:`create_from_env_vars`; use
    :attr:`data_client`; :meth:`close` it (or use ``with``). As with
    ``DataClient.from_api_key``, the connection and the API key's token are made on
    the first call, and renewed as needed.

    Example::

        from viam_data_sync import DialOptions, ViamClient

        dial_options = DialOptions.with_api_key("<API-KEY>", "<API-KEY-ID>")
        with ViamClient.create_from_dial_options(dial_options) as viam_client:
            data_client = viam_client.data_client
            print(data_client.tags_by_filter())
    """

    def __init__(self, data_client: DataClient) -> None:
        self._data_client = data_client

    @classmethod
    def create_from_dial_options(
        cls,
        dial_options: Any,
        app_url: Optional[str] = None,
        *,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
        retry: RetryArg = USE_CLIENT_DEFAULT,
        clock: Clock = SYSTEM_CLOCK,
    ) -> Self:
        """A client for the app at ``app_url`` (``app.viam.com`` by default; port 443,
        or 80 with ``dial_options.insecure``), as the official SDK's.

        Args:
            dial_options: our :class:`DialOptions` or the official SDK's; ``credentials``
                (an API key) and ``auth_entity`` are required.
            app_url: ``host[:port]`` of the app (a local server's ``server.address``).
            timeout: default per-call timeout of the data client (seconds).
            retry: a :class:`~viam_data_sync.RetryPolicy`; ``None`` turns retries off.
            clock: time, deadlines and backoff sleeps (pass your own in tests).

        Raises:
            TypeError: ``dial_options`` has no ``credentials``/``auth_entity``/``insecure``.
            ValueError: the credentials or ``auth_entity`` are missing, or the
                credentials are a robot secret (the official SDK's checks).

        Example::

            viam_client = ViamClient.create_from_dial_options(DialOptions.with_api_key(key, key_id))
        """
        if not all(hasattr(dial_options, name) for name in ("credentials", "auth_entity", "insecure")):
            raise TypeError(f"dial_options must be a DialOptions, got {type(dial_options).__name__}")
        credentials = dial_options.credentials
        if credentials is None:
            raise ValueError("dial_options.credentials cannot be None.")
        if credentials.type == "robot-secret":
            raise ValueError("dial_options.credentials.type cannot be 'robot-secret'")
        if dial_options.auth_entity is None:
            raise ValueError("dial_options.auth_entity cannot be None.")
        caller = caller_from_api_key(
            credentials.payload, dial_options.auth_entity, app_url or DEFAULT_APP_HOST,
            insecure=bool(dial_options.insecure), timeout=timeout, retry=retry, clock=clock,
        )
        return cls(DataClient._from_caller(caller))

    @classmethod
    def create_from_env_vars(cls, dial_options: Any = None, app_url: Optional[str] = None, **kwargs: Any) -> Self:
        """A client with the API key of ``VIAM_API_KEY`` and ``VIAM_API_KEY_ID``, as the
        official SDK's (which overwrites the credentials of ``dial_options``).

        Like :meth:`DataClient.from_env <viam_data_sync.DataClient.from_env>`, it also
        reads ``VIAM_APP_ADDRESS`` (``host:port``) when ``app_url`` is not given, and
        ``VIAM_INSECURE=1`` (a plaintext connection, e.g. to a local server) when
        ``dial_options`` is not given; with neither set it connects to ``app.viam.com``,
        as the official SDK does.

        Raises:
            ValueError: either key variable is not set.

        Example::

            with ViamClient.create_from_env_vars() as viam_client:
                print(viam_client.data_client.tags_by_filter())
        """
        import os

        options = dial_options if dial_options is not None else DialOptions(insecure=env_flag(ENV_INSECURE))
        api_key, api_key_id = os.environ.get(ENV_API_KEY), os.environ.get(ENV_API_KEY_ID)
        if api_key is None:
            raise ValueError("api key cannot be None")
        if api_key_id is None:
            raise ValueError("api key ID cannot be None")
        options.credentials = Credentials(type="api-key", payload=api_key)
        options.auth_entity = api_key_id
        address = app_url if app_url is not None else (os.environ.get(ENV_ADDRESS, "").strip() or None)
        return cls.create_from_dial_options(options, address, **kwargs)

    @property
    def data_client(self) -> DataClient:
        """The blocking :class:`~viam_data_sync.DataClient` over this connection (the
        same one each time; closed with this client).

        Example::

            data_client = viam_client.data_client
        """
        return self._data_client

    def close(self) -> None:
        """Close the connection. Idempotent.

        Example::

            viam_client.close()
        """
        self._data_client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        if name in _OTHER_CLIENTS:
            raise AttributeError(
                f"viam-data-sync offers only the Data API (ViamClient.data_client); for {name} use the "
                "official viam-sdk")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        return f"<ViamClient {self._data_client!r}>"


__all__ = ["Credentials", "DialOptions", "ViamClient"]
