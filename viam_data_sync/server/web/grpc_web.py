"""gRPC-web on the local server's HTTP listener, with CORS, for browsers and the TypeScript SDK.

Each gRPC-web request (``POST /<service>/<method>``, ``application/grpc-web``,
``application/grpc-web+proto`` or the base64 ``application/grpc-web-text``) is a
translating proxy call: its one request message goes, as bytes, to the server's own
native gRPC port over a loopback grpcio channel, so authentication, the per-caller
limits, interceptors and every servicer behave exactly as over native gRPC. Request
headers become call metadata (``authorization``, ``*-bin`` decoded), ``grpc-timeout`` the
call's deadline; the answer's initial metadata become response headers and its status
and trailing metadata the gRPC-web trailer frame, always in the body (so a refused token
is ``grpc-status: 16`` in the trailers). Unary and server-streaming methods are served;
gRPC-web has no client streaming, so uploads answer UNIMPLEMENTED.

CORS: a preflight ``OPTIONS`` is answered, allowing ``POST`` and the headers gRPC-web
clients send; responses to an allowed ``Origin`` name it in
``Access-Control-Allow-Origin`` and expose ``grpc-status`` and ``grpc-message``. With auth
on, any origin is allowed (a page must still hold a token); with auth off, only pages
served from this machine (``localhost``, ``127.0.0.0/8``, ``[::1]``), so no other
site's page can read the server's data through a visitor's browser. The ``null``
origin (sandboxed frames, ``file://`` pages) is never allowed.

The framing (a 5-byte prefix per message, the trailers as an HTTP/1 header block with
the high flag bit) is written here: see the README's local-server section for why no
gRPC-web library is a runtime dependency. The tests drive it from an independent one.
"""

from __future__ import annotations

import base64
import binascii
import http.server
import re
import struct
import urllib.parse
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import grpc

from viam_data_sync._net import is_loopback_host
from viam_data_sync.server._rpc import LOG

#: Headers a browser may send on a gRPC-web call (the preflight allows these):
#: gRPC-web's, the bearer token, and ``viam_client``, which the TypeScript SDK sends on
#: every Data API call.
ALLOW_HEADERS = ("authorization", "content-type", "x-grpc-web", "x-user-agent", "grpc-timeout", "viam_client")
#: Response headers a browser script may read.
EXPOSE_HEADERS = ("grpc-status", "grpc-message", "grpc-status-details-bin")

_PREFIX = struct.Struct(">BI")
_TRAILER_FLAG = 0x80
_COMPRESSED_FLAG = 0x01
_TEXT = "application/grpc-web-text"
_BINARY = "application/grpc-web"
#: Request headers that are HTTP's or gRPC-web's own, never forwarded as metadata.
_NOT_METADATA = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "content-type",
        "content-length",
        "transfer-encoding",
        "te",
        "upgrade",
        "accept",
        "accept-encoding",
        "accept-language",
        "origin",
        "referer",
        "user-agent",
        "x-grpc-web",
        "x-user-agent",
        "grpc-timeout",
        "cookie",
        "pragma",
        "cache-control",
    }
)
_METADATA_KEY = re.compile(r"^[0-9a-z_.-]+$")
# gRPC allows 8 digits; longer values (some clients send 11 digits of nanoseconds) are
# taken as meant.
_TIMEOUT = re.compile(r"^(\d{1,20})([HMSmun])$")
#: Call metadata as grpcio takes it.
Metadata = Tuple[Tuple[str, Union[str, bytes]], ...]
_UNITS = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}
#: The largest request body read before the caller's token is checked: an
#: ``Authenticate`` request, or any ordinary query, is far smaller.
PRE_AUTH_BODY_BYTES = 64 * 1024
#: The longest deadline a ``grpc-timeout`` gives a call: 30 days (grpcio turns a timeout
#: of about 1e9 s or more into a deadline already passed).
MAX_TIMEOUT_S = 30 * 24 * 3600.0


class _Refused(Exception):
    """A request the proxy answers itself, with this status in the trailers."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_timeout(value: str) -> float:
    """Seconds of a ``grpc-timeout`` header (``"1500m"`` -> 1.5); ValueError if malformed."""
    match = _TIMEOUT.match(value.strip())
    if match is None:
        raise ValueError(f"malformed grpc-timeout {value!r}")
    return min(int(match.group(1)) * _UNITS[match.group(2)], MAX_TIMEOUT_S)


def frame(payload: bytes, trailers: bool = False) -> bytes:
    """One gRPC-web frame: flags, big-endian length, payload."""
    return _PREFIX.pack(_TRAILER_FLAG if trailers else 0, len(payload)) + payload


def trailer_block(code: grpc.StatusCode, message: str, metadata: Iterable[Tuple[str, Any]]) -> bytes:
    """The trailer frame's payload: ``grpc-status``, ``grpc-message`` (percent-encoded,
    as gRPC does) and the call's trailing metadata, one ``key: value`` per line."""
    lines = [f"grpc-status: {code.value[0]}"]
    if message:
        lines.append(f"grpc-message: {urllib.parse.quote(message, safe=' ')}")
    lines += [f"{key}: {value}" for key, value in _headers(metadata)]
    return "".join(line + "\r\n" for line in lines).encode("ascii")


def request_message(body: bytes) -> bytes:
    """The one message of a gRPC-web request body (binary framing already undone)."""
    if len(body) < _PREFIX.size:
        raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, "the request has no gRPC-web message frame")
    flags, length = _PREFIX.unpack_from(body)
    if flags & _COMPRESSED_FLAG:
        raise _Refused(grpc.StatusCode.UNIMPLEMENTED, "compressed gRPC-web messages are not supported")
    if flags & _TRAILER_FLAG or len(body) != _PREFIX.size + length:
        raise _Refused(
            grpc.StatusCode.INVALID_ARGUMENT, "the request is not exactly one gRPC-web message frame"
        )
    return body[_PREFIX.size :]


def decode_text(body: bytes) -> bytes:
    """A ``grpc-web-text`` body: base64, possibly several padded pieces one after another."""
    try:
        return b"".join(
            base64.b64decode(piece, validate=True) for piece in re.findall(rb"[^=]+=*", body.strip())
        )
    except (binascii.Error, ValueError):
        raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, "the grpc-web-text body is not base64") from None


def _headers(metadata: Iterable[Tuple[str, Any]]) -> Iterator[Tuple[str, str]]:
    """Metadata as HTTP header pairs (binary ``-bin`` values base64, reserved keys left out)."""
    for key, value in metadata or ():
        reserved = key.startswith("grpc-") and key != "grpc-status-details-bin"
        if reserved or key in ("content-type", "content-length"):
            continue
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        yield key, str(value)


def _metadata(request: http.server.BaseHTTPRequestHandler) -> Metadata:
    pairs: List[Tuple[str, Union[str, bytes]]] = []
    for key, value in request.headers.items():
        key = key.lower()
        if key in _NOT_METADATA or key.startswith(("sec-", "access-control-", "grpc-")):
            continue
        if not _METADATA_KEY.match(key) or not value.isascii() or not value.isprintable():
            continue
        if key.endswith("-bin"):
            try:
                pairs.append((key, base64.b64decode(value + "=" * (-len(value) % 4))))
            except (binascii.Error, ValueError):
                raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, f"header {key} is not base64") from None
        else:
            pairs.append((key, value))
    return tuple(pairs)


class GrpcWebProxy:
    """Serves gRPC-web by forwarding each call to a native gRPC port.

    Args:
        target: ``host:port`` of the native gRPC server (dialled over loopback).
        methods: full method path -> grpc method handler (its ``request_streaming`` and
            ``response_streaming`` tell the kind).
        max_message_bytes: the largest request body read, and the channel's message limit.
        authorized: whether a call's metadata carries a valid token (None: every call
            may); a body over :data:`PRE_AUTH_BODY_BYTES` is read only when it does.
        any_origin: allow every CORS origin but ``null`` (auth on); False: only pages
            served from this machine (auth off).

    Example::

        proxy = GrpcWebProxy("127.0.0.1:8080", core.handlers, 32 * 1024 * 1024)
        for prefix in proxy.prefixes():
            listener.routes[prefix] = proxy.route
    """

    def __init__(
        self,
        target: str,
        methods: Dict[str, Any],
        max_message_bytes: int,
        authorized: Optional[Callable[[Metadata], bool]] = None,
        any_origin: bool = True,
    ) -> None:
        self._authorized = authorized
        self._any_origin = any_origin
        self._kinds = {
            path: (bool(h.request_streaming), bool(h.response_streaming)) for path, h in methods.items()
        }
        self._max_body = max_message_bytes
        self._channel = grpc.insecure_channel(
            target,
            options=[
                ("grpc.max_receive_message_length", max_message_bytes),
                ("grpc.max_send_message_length", max_message_bytes),
            ],
        )

    def prefixes(self) -> List[str]:
        """The path prefixes this proxy answers (one per service)."""
        return sorted({path.rsplit("/", 1)[0] + "/" for path in self._kinds})

    def close(self) -> None:
        self._channel.close()

    # ------------------------------------------------------------ one request
    def route(self, request: http.server.BaseHTTPRequestHandler) -> None:
        """The listener route: a preflight, or one gRPC-web call."""
        if request.command == "OPTIONS":
            self._preflight(request)
        elif request.command != "POST":
            request.send_error(405, "gRPC-web calls are POST")
        else:
            self._call(request)

    def _cors(self, request: http.server.BaseHTTPRequestHandler) -> List[Tuple[str, str]]:
        origin = request.headers.get("Origin")
        if not origin or not self._origin_allowed(origin):
            return []
        return [
            ("Access-Control-Allow-Origin", origin),
            ("Vary", "Origin"),
            ("Access-Control-Expose-Headers", ", ".join(EXPOSE_HEADERS)),
        ]

    def _origin_allowed(self, origin: str) -> bool:
        if origin == "null":
            return False
        if self._any_origin:
            return True
        parts = urllib.parse.urlsplit(origin)
        return parts.scheme in ("http", "https") and is_loopback_host(parts.hostname or "")

    def _preflight(self, request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(204)
        for key, value in self._cors(request):
            request.send_header(key, value)
        request.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
        request.send_header("Access-Control-Allow-Headers", ", ".join(ALLOW_HEADERS))
        request.send_header("Access-Control-Max-Age", "600")
        request.send_header("Content-Length", "0")
        request.end_headers()

    def _call(self, request: http.server.BaseHTTPRequestHandler) -> None:
        content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        text = content_type.startswith(_TEXT)
        if not (text or content_type == _BINARY or content_type.startswith(_BINARY + "+")):
            request.send_error(415, "expected application/grpc-web(+proto) or application/grpc-web-text")
            return
        if content_type not in (_TEXT, _TEXT + "+proto", _BINARY, _BINARY + "+proto"):
            request.send_error(415, "only the proto codec is served")
            return
        length = request.headers.get("Content-Length")
        if length is None or not length.isdigit():
            request.send_error(411, "a gRPC-web request needs a Content-Length")
            return
        if int(length) > 2 * self._max_body + 16:  # base64 is 4/3 the size
            request.send_error(413, "the request is larger than the server's max_message_bytes")
            request.close_connection = True
            return
        reply = _Reply(
            request,
            text,
            "application/grpc-web-text+proto" if text else "application/grpc-web+proto",
            self._cors(request),
        )
        if int(length) > PRE_AUTH_BODY_BYTES and not self._may_send_large(request):
            # Refused before the body is read: a caller without a valid token cannot make
            # the server hold a large body in memory.
            request.close_connection = True
            reply.finish(
                grpc.StatusCode.UNAUTHENTICATED,
                f"a request body over {PRE_AUTH_BODY_BYTES} bytes needs a valid access token",
                (),
            )
            return
        body = request.rfile.read(int(length))
        method = urllib.parse.urlsplit(request.path).path
        try:
            kind = self._kinds.get(method)
            if kind is None:
                raise _Refused(grpc.StatusCode.UNIMPLEMENTED, f"unknown method {method}")
            if kind[0]:
                raise _Refused(
                    grpc.StatusCode.UNIMPLEMENTED,
                    f"{method} is client-streaming, which gRPC-web cannot carry; use native gRPC",
                )
            message = request_message(decode_text(body) if text else body)
            metadata = _metadata(request)
            timeout: Optional[float] = None
            if request.headers.get("grpc-timeout") is not None:
                try:
                    timeout = parse_timeout(request.headers["grpc-timeout"])
                except ValueError as exc:
                    raise _Refused(grpc.StatusCode.INVALID_ARGUMENT, str(exc)) from None
        except _Refused as refused:
            reply.finish(refused.code, refused.message, ())
            return
        if kind[1]:
            self._stream(method, message, metadata, timeout, reply)
        else:
            self._unary(method, message, metadata, timeout, reply)

    def _may_send_large(self, request: http.server.BaseHTTPRequestHandler) -> bool:
        try:
            metadata = _metadata(request)
        except _Refused:
            return False
        return self._authorized is None or self._authorized(metadata)

    def _unary(
        self, method: str, message: bytes, metadata: Metadata, timeout: Optional[float], reply: "_Reply"
    ) -> None:
        call_fn: "grpc.UnaryUnaryMultiCallable[bytes, bytes]" = self._channel.unary_unary(method)
        try:
            response, call = call_fn.with_call(message, timeout=timeout, metadata=metadata)
        except grpc.RpcError as error:
            reply.finish(error.code(), error.details() or "", _trailing(error), _initial(error))
            return
        try:
            reply.start(call.initial_metadata())
        except OSError:
            return
        reply.message(response)
        reply.finish(call.code(), call.details() or "", call.trailing_metadata() or ())

    def _stream(
        self, method: str, message: bytes, metadata: Metadata, timeout: Optional[float], reply: "_Reply"
    ) -> None:
        call_fn: "grpc.UnaryStreamMultiCallable[bytes, bytes]" = self._channel.unary_stream(method)
        call: Any = call_fn(message, timeout=timeout, metadata=metadata)
        try:
            for response in call:
                if not reply.started:
                    reply.start(call.initial_metadata())
                reply.message(response)
                if reply.broken:  # the browser went away: end the call
                    call.cancel()
                    return
        except grpc.RpcError:
            pass
        reply.finish(call.code(), call.details() or "", call.trailing_metadata() or (), _initial(call))


def _initial(call: Any) -> Sequence[Tuple[str, Any]]:
    try:
        return call.initial_metadata() or ()
    except Exception:  # noqa: BLE001 - a call that failed before its headers has none
        return ()


def _trailing(call: Any) -> Sequence[Tuple[str, Any]]:
    try:
        return call.trailing_metadata() or ()
    except Exception:  # noqa: BLE001
        return ()


class _Reply:
    """One gRPC-web response on an HTTP/1.1 connection, chunked so it can stream."""

    def __init__(
        self,
        request: http.server.BaseHTTPRequestHandler,
        text: bool,
        content_type: str,
        cors: List[Tuple[str, str]],
    ) -> None:
        self._request = request
        self._text = text
        self._content_type = content_type
        self._cors = cors
        self.started = False
        #: The client went away: nothing more is written.
        self.broken = False

    def start(self, initial: Optional[Iterable[Tuple[str, Any]]]) -> None:
        request = self._request
        request.send_response(200)
        request.send_header("Content-Type", self._content_type)
        request.send_header("Transfer-Encoding", "chunked")
        for key, value in self._cors:
            request.send_header(key, value)
        for key, value in _headers(initial or ()):
            request.send_header(key, value)
        request.end_headers()
        self.started = True

    def _write(self, data: bytes) -> None:
        if self.broken:
            return
        if self._text:
            data = base64.b64encode(data)
        self._write_raw(b"%x\r\n%s\r\n" % (len(data), data))  # one HTTP/1.1 chunk

    def _write_raw(self, data: bytes) -> None:
        try:
            self._request.wfile.write(data)
            self._request.wfile.flush()
        except OSError:  # the client went away
            self.broken = True
            self._request.close_connection = True

    def message(self, payload: bytes) -> None:
        self._write(frame(payload))

    def finish(
        self,
        code: grpc.StatusCode,
        message: str,
        trailing: Iterable[Tuple[str, Any]],
        initial: Iterable[Tuple[str, Any]] = (),
    ) -> None:
        try:
            if not self.started:
                self.start(initial)
        except OSError:
            self.broken = True
            self._request.close_connection = True
        self._write(frame(trailer_block(code, message, trailing), trailers=True))
        if not self.broken:
            self._write_raw(b"0\r\n\r\n")
        if code != grpc.StatusCode.OK:
            LOG.debug("gRPC-web call ended with %s", code.name)
