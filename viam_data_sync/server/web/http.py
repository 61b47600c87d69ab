"""The local server's HTTP listener: blobs by signed URL, as the cloud serves them.

``CreateBinaryDataSignedURL`` answers ``http://<host>:<http port>/blobs/<file id>?
expires=<unix seconds>&signature=<hex>``, the signature an HMAC-SHA256 of the path and
the expiry under a key derived from the store's signing key (so URLs survive a
restart). ``GET`` of a valid, unexpired URL streams the blob; a forged, altered or
expired one gets 403, a blob deleted since 404. Nothing else is served.

The listener is its own small router (:class:`HttpListener`, one handler per path
prefix), so another HTTP endpoint (gRPC-web, say) can share it later by adding a
route. Connections that send nothing for ``idle_timeout`` seconds are closed, and at most
``max_connections`` are served at once (one thread each): a connection beyond that is
answered 503 and closed at once, so no number of connections can grow the server's
threads or memory without bound.

The accept loop waits on the listening socket and on a wake-up socket together, so
:meth:`HttpListener.stop` returns at once instead of after a poll interval.
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import logging
import os
import selectors
import shutil
import socket
import threading
import time
import urllib.parse
from typing import Any, Callable, Dict, Optional, Tuple

from viam_data_sync._net import is_loopback_host

LOG = logging.getLogger("viam_data_sync.server")

BLOB_PREFIX = "/blobs/"
_CHUNK = 1024 * 1024

#: A route: ``handler(request)`` answers one request whose path starts with its prefix.
Route = Callable[[http.server.BaseHTTPRequestHandler], None]


class UrlSigner:
    """Makes and checks signed blob URLs.

    Example::

        signer = UrlSigner(key, "http://127.0.0.1:8081")
        url = signer.url("3f2a...", expires=time.time() + 300)
    """

    def __init__(self, key: bytes, base: str) -> None:
        self._key = hmac.new(key, b"viam-data-sync signed blob URLs", hashlib.sha256).digest()
        self.base = base.rstrip("/")

    def _signature(self, file_id: str, expires: int) -> str:
        return hmac.new(self._key, f"{file_id}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def url(self, file_id: str, expires: float) -> str:
        """The signed URL of blob ``file_id``, valid until ``expires`` (Unix seconds)."""
        at = int(expires)
        query = urllib.parse.urlencode({"expires": at, "signature": self._signature(file_id, at)})
        return f"{self.base}{BLOB_PREFIX}{urllib.parse.quote(file_id)}?{query}"

    def check(self, path: str) -> Optional[str]:
        """The file id a request path names, if its signature holds and it has not expired."""
        parsed = urllib.parse.urlsplit(path)
        if not parsed.path.startswith(BLOB_PREFIX):
            return None
        file_id = urllib.parse.unquote(parsed.path[len(BLOB_PREFIX):])
        params = urllib.parse.parse_qs(parsed.query)
        try:
            expires = int(params["expires"][0])
            signature = params["signature"][0]
        except (KeyError, IndexError, ValueError):
            return None
        # Compared as bytes: compare_digest refuses str with non-ASCII characters.
        expected = self._signature(file_id, expires).encode()
        if not hmac.compare_digest(signature.encode("utf-8", "surrogateescape"), expected):
            return None
        if expires < time.time():
            return None
        return file_id


#: Connections served at once by default (each holds one thread while open).
DEFAULT_MAX_CONNECTIONS = 64
_BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"


class _BoundedServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server that serves at most ``max_connections`` at once."""

    daemon_threads = True
    request_queue_size = 128  # the listen backlog: connects do not wait on a burst

    def __init__(self, address: Tuple[str, int], handler: type, max_connections: int) -> None:
        super().__init__(address, handler)
        self._slots = threading.BoundedSemaphore(max_connections)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.sendall(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class HttpListener:
    """A threaded HTTP/1.1 listener routing by path prefix.

    Args:
        host: interface to listen on.
        port: TCP port (0: a free one, see :attr:`port`).
        idle_timeout: seconds a connection may send nothing before it is closed.
        max_connections: connections served at once; more are answered 503 and closed.
    """

    def __init__(self, host: str, port: int = 0, *, idle_timeout: float = 60.0,
                 max_connections: int = DEFAULT_MAX_CONNECTIONS) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be >= 1")
        self.routes: Dict[str, Route] = {}
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = idle_timeout
            server_version = "viam-data-sync"
            sys_version = ""

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if not listener.host_allowed(self.headers.get("Host")):
                    self.send_error(403, "this server answers only to its own loopback host names")
                    return
                route = listener.route_for(self.path)
                if route is None:
                    self.send_error(404)
                else:
                    route(self)

            do_POST = do_OPTIONS = do_GET  # noqa: N815 - the gRPC-web route answers these

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # the path carries a signature: never logged

        self._httpd = _BoundedServer((host, port), Handler, max_connections)
        # Bound to loopback, the listener answers only to loopback names: a page of
        # another site whose name was rebound to 127.0.0.1 sends its own name as Host.
        self._loopback_only = is_loopback_host(host)
        self._thread: Optional[threading.Thread] = None
        self._wake_read, self._wake_write = socket.socketpair()
        self._stopping = False

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def host_allowed(self, host_header: Optional[str]) -> bool:
        """Whether a request's ``Host`` may be served (always, unless bound to loopback)."""
        if not self._loopback_only:
            return True
        if not host_header:
            return False
        name = urllib.parse.urlsplit("//" + host_header.strip()).hostname or ""
        return is_loopback_host(name)

    def route_for(self, path: str) -> Optional[Route]:
        for prefix, route in self.routes.items():
            if path.startswith(prefix):
                return route
        return None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._serve, name="viam-data-server-http", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        # serve_forever() notices shutdown() only at its next poll (0.5 s by default);
        # this loop is woken by stop() through the socket pair instead.
        with selectors.DefaultSelector() as selector:
            selector.register(self._httpd, selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            while not self._stopping:
                for key, _ in selector.select():
                    if key.fileobj is self._httpd and not self._stopping:
                        self._httpd.handle_request()  # the socket is ready: does not block

    def stop(self) -> None:
        self._stopping = True
        try:
            self._wake_write.send(b"x")
        except OSError:
            pass
        if self._thread is not None:
            self._thread.join(10)
        self._httpd.server_close()
        self._wake_read.close()
        self._wake_write.close()


def blob_route(signer: UrlSigner, blob_path: Callable[[str], Optional[str]]) -> Route:
    """The route serving blobs by signed URL; ``blob_path(file_id)`` is the blob's file,
    or None if no stored item has that id."""

    def serve(request: http.server.BaseHTTPRequestHandler) -> None:
        if request.command != "GET":
            request.send_error(405)
            return
        file_id = signer.check(request.path)
        if file_id is None:
            request.send_error(403, "invalid or expired signature")
            return
        path = blob_path(file_id)
        try:
            fh = open(path, "rb") if path is not None else None
        except OSError:
            fh = None
        if fh is None:
            request.send_error(404)
            return
        with fh:
            request.send_response(200)
            request.send_header("Content-Type", "application/octet-stream")
            request.send_header("Content-Length", str(os.fstat(fh.fileno()).st_size))
            request.end_headers()
            try:
                shutil.copyfileobj(fh, request.wfile, _CHUNK)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return serve


def url_base(host: str, port: int) -> Tuple[str, str]:
    """(``http://host:port``, the host a client dials): a wildcard host is served to
    clients as loopback."""
    dial = "127.0.0.1" if host in ("", "0.0.0.0") else "[::1]" if host == "::" else host
    if ":" in dial and not dial.startswith("["):
        dial = f"[{dial}]"
    return f"http://{dial}:{port}", dial
