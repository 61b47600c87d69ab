"""The grpcio channel: options chosen on purpose, created lazily, fork-safe.

A :class:`Connection` owns one channel per process. It is created on first use and
rebuilt, not reused, when the process id changes (Airflow, Celery and multiprocessing
fork their workers; a gRPC channel must not cross a fork). Each RPC's grpcio
multicallable is made from its row in :mod:`viam_data_sync._rpcs` and cached per channel.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import grpc

from viam_data_sync._rpcs import Kind, Rpc
from viam_data_sync._version import __version__

LOGGER = logging.getLogger("viam_data_sync")

#: 64 MiB: the cloud's limit is 32 MiB; leave room, refuse the absurd.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024

def channel_options(
    extra: Sequence[Tuple[str, Any]] = (),
) -> List[Tuple[str, Any]]:
    """The channel options every connection we build gets (``extra`` overrides by key).

    Pass them when you build your own channel for ``DataClient(channel, metadata)``:
    grpcio's own receive limit (4 MiB) is too small for pages of images.

    Example::

        import grpc
        from viam_data_sync import DataClient, channel_options

        channel = grpc.secure_channel("app.viam.com:443", grpc.ssl_channel_credentials(),
                                      options=channel_options())
        client = DataClient(channel, {"authorization": f"Bearer {token}"})
    """
    options: Dict[str, Any] = {
        # Real pages of images and readings are far over gRPC's 4 MiB default.
        "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
        "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
        "grpc.primary_user_agent": f"viam-data-sync/{__version__}",
        # Long ETL jobs sit idle between pages behind load balancers; the cloud's
        # client keepalive (goutils) is 20 s and its servers permit that.
        "grpc.keepalive_time_ms": 20_000,
        "grpc.keepalive_timeout_ms": 10_000,
        "grpc.http2.max_pings_without_data": 0,
        "grpc.keepalive_permit_without_calls": 0,
        # We own retries (tenacity, by idempotency class); gRPC's built-in ones would
        # multiply attempts and cannot re-authenticate.
        "grpc.enable_retries": 0,
    }
    options.update(dict(extra))
    return list(options.items())


def normalize_address(address: str, insecure: bool) -> str:
    """``host:port`` for ``address``, which may carry a scheme or omit the port."""
    target = address.strip()
    if not target:
        raise ValueError("address must not be empty")
    if "://" in target:
        target = target.split("://", 1)[1]
    target = target.rstrip("/")
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit() or host.endswith(":"):
        target = f"{target}:{80 if insecure else 443}"
    return target


class Connection:
    """One lazily created, fork-aware channel and its cached stubs."""

    def __init__(
        self,
        factory: Callable[[], grpc.Channel],
        *,
        rebuild_after_fork: bool = True,
        description: str = "",
    ) -> None:
        self._factory = factory
        self._rebuild_after_fork = rebuild_after_fork
        self._lock = threading.Lock()
        self._channel: Optional[grpc.Channel] = None
        self._pid = 0
        self._methods: Dict[str, Any] = {}
        self._closed = False
        self.description = description
        #: ``host:port`` of a TLS channel this connection built (for the plaintext-server hint).
        self.tls_target: Optional[str] = None

    @classmethod
    def for_address(
        cls,
        address: str,
        *,
        insecure: bool = False,
        root_certificates: Optional[bytes] = None,
        compression: Optional[grpc.Compression] = None,
        options: Sequence[Tuple[str, Any]] = (),
    ) -> "Connection":
        target = normalize_address(address, insecure)
        opts = channel_options(options)

        def factory() -> grpc.Channel:
            if insecure:
                return grpc.insecure_channel(target, options=opts, compression=compression)
            creds = grpc.ssl_channel_credentials(root_certificates=root_certificates)
            return grpc.secure_channel(target, creds, options=opts, compression=compression)

        connection = cls(factory, description=f"{target} ({'insecure' if insecure else 'TLS'})")
        connection.tls_target = None if insecure else target
        return connection

    @classmethod
    def for_channel(cls, channel: grpc.Channel) -> "Connection":
        """Wrap a caller's channel: used as is, never rebuilt or closed by a fork check."""
        conn = cls(lambda: channel, rebuild_after_fork=False, description="caller's channel")
        return conn

    def channel(self) -> grpc.Channel:
        pid = os.getpid()
        with self._lock:
            if self._closed:
                raise ValueError("this client is closed")
            if self._channel is not None and self._pid != pid and self._rebuild_after_fork:
                # Inherited from the parent: drop it without closing (closing would
                # touch the parent's gRPC state from this process).
                LOGGER.debug("process forked (pid %s -> %s): building a new channel", self._pid, pid)
                self._channel = None
                self._methods = {}
            if self._channel is None:
                self._channel = self._factory()
                self._pid = pid
                self._methods = {}
            return self._channel

    def method(self, rpc: Rpc[Any, Any]) -> Any:
        """The grpcio multicallable for ``rpc`` on this process's channel (cached)."""
        channel = self.channel()
        with self._lock:
            callable_ = self._methods.get(rpc.path)
            if callable_ is None:
                make = {
                    Kind.UNARY: channel.unary_unary,
                    Kind.CLIENT_STREAM: channel.stream_unary,
                    Kind.SERVER_STREAM: channel.unary_stream,
                }[rpc.kind]
                callable_ = self._methods[rpc.path] = make(
                    rpc.path, request_serializer=rpc.serialize, response_deserializer=rpc.deserialize
                )
            return callable_

    def close(self) -> None:
        with self._lock:
            channel, self._channel = self._channel, None
            self._methods = {}
            self._closed = True
            owned = self._rebuild_after_fork and self._pid == os.getpid()
        if channel is not None and owned:
            channel.close()

    @property
    def closed(self) -> bool:
        return self._closed
