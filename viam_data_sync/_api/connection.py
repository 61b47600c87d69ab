"""Connection: building a client (over your channel, an API key or the environment),
closing it, and using it as a context manager.

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

import os
from typing import Any, Mapping, Optional, Self, Sequence, Tuple, Union

import grpc

from viam_data_sync._api._base import ClientBase
from viam_data_sync._call import Caller
from viam_data_sync._channel import Connection
from viam_data_sync._clock import SYSTEM_CLOCK, Clock
from viam_data_sync._config import USE_CLIENT_DEFAULT, RetryArg
from viam_data_sync._connect import caller_from_api_key, caller_from_env
from viam_data_sync._retry import RetryBudget
from viam_data_sync._defaults import DEFAULT_ADDRESS, DEFAULT_TIMEOUT


class ClientConnection(ClientBase):
    """Building, closing and ``with``-using a client."""

    def __init__(
        self,
        channel: grpc.Channel,
        metadata: Optional[Mapping[str, str]] = None,
        *,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
        retry: RetryArg = USE_CLIENT_DEFAULT,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if channel is None or not hasattr(channel, "unary_unary"):
            raise TypeError(f"channel must be a grpc.Channel, got {type(channel).__name__}")
        pairs: Tuple[Tuple[str, str], ...] = ()
        if metadata is not None:
            if not isinstance(metadata, Mapping):
                raise TypeError("metadata must be a mapping of str to str")
            for key, value in metadata.items():
                if not isinstance(key, str) or not isinstance(value, str):
                    raise TypeError("metadata must be a mapping of str to str")
            pairs = tuple(metadata.items())
        self._caller = Caller(Connection.for_channel(channel), metadata=pairs, timeout=timeout, retry=retry,
                              clock=clock)

    @classmethod
    def _from_caller(cls, caller: Caller) -> Self:
        """A client over an existing :class:`Caller` (used by the connection factories)."""
        client = cls.__new__(cls)
        client._caller = caller
        return client

    def close(self) -> None:
        """Close the client. Idempotent. A channel passed to the constructor stays
        open (it is the caller's); one the client created is closed.

        Example::

            data_client = DataClient.from_env()
            try:
                print(data_client.tags_by_filter())
            finally:
                data_client.close()
        """
        self._caller.connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        caller = self._caller
        state = "closed" if caller.connection.closed else "open"
        auth = "api-key" if caller.auth is not None else "metadata"
        return (
            f"<{type(self).__name__} {caller.connection.description or 'channel'} "
            f"timeout={caller.timeout!r} auth={auth} {state}>"
        )

    @classmethod
    def from_api_key(
        cls,
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
    ) -> Self:
        """A client that authenticates with an API key, exactly as the Viam cloud expects.

        The channel is created on first use (and again in a forked child process);
        the key is exchanged for an access token via ``AuthService.Authenticate``, sent
        as ``authorization: Bearer <token>`` on every call, and renewed before it
        expires or after an ``UNAUTHENTICATED`` answer.

        Args:
            api_key: the API key secret (never logged or shown in reprs).
            api_key_id: the API key id (the ``entity`` of the authentication).
            address: ``host[:port]``; ``app.viam.com:443`` by default.
            insecure: plaintext (only for a local server); TLS otherwise.
            root_certificates: PEM bytes or a path, for a private CA.
            timeout: default per-call timeout in seconds (``None``: no timeout).
            retry: a :class:`RetryPolicy`; ``None`` turns retries off.
            budget: a :class:`RetryBudget` shared by the client's calls.
            compression: e.g. ``grpc.Compression.Gzip`` (helps JSON-like readings).
            channel_options: extra grpcio channel options.

        Example::

            from viam_data_sync import DataClient

            with DataClient.from_api_key("<API-KEY>", "<API-KEY-ID>") as client:
                print(client.tags_by_filter())
        """
        return cls._from_caller(caller_from_api_key(
            api_key, api_key_id, address, insecure=insecure, root_certificates=root_certificates,
            timeout=timeout, retry=retry, budget=budget, compression=compression,
            channel_options=channel_options, clock=clock,
        ))

    @classmethod
    def from_env(cls, **kwargs: Any) -> Self:
        """A client configured from the environment: ``VIAM_API_KEY``,
        ``VIAM_API_KEY_ID`` and optionally ``VIAM_APP_ADDRESS`` and ``VIAM_INSECURE=1``.
        Keyword arguments are those of :meth:`from_api_key` and override the environment.

        Example::

            client = DataClient.from_env()
        """
        return cls._from_caller(caller_from_env(**kwargs))
