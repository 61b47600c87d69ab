"""Streaming a binary file to disk through a signed URL: any size, constant memory.

``BinaryDataByIDs`` with ``include_binary`` returns a file inside one gRPC message, so a
file larger than the message limit (32 MiB in the cloud) cannot come that way. The
service's signed URL (``CreateBinaryDataSignedURL``) can: the body is read in chunks
into a temporary file beside the destination (``_atomic.write_atomic``), checked
against the size the metadata promises, and only then fsynced and renamed into place. A failed or short download never
leaves a file under the final name.
"""
from __future__ import annotations

import logging
import os
import urllib.request
from pathlib import Path
from typing import IO, Any, Callable, Optional, Union
from urllib.parse import urlparse

from viam_data_sync._atomic import write_atomic
from viam_data_sync._defaults import DEFAULT_TIMEOUT
from viam_data_sync._net import is_loopback_host

LOGGER = logging.getLogger("viam_data_sync")

#: A signed URL is followed only over HTTPS (the cloud's), or plain HTTP to a loopback
#: address (the local server's listener on 127.0.0.1), or plain HTTP anywhere when asked
#: for (``allow_http``). Never ``file`` or any other scheme: a server must not make the
#: client read a local file (say ``file:///etc/passwd`` into an export folder).
_SAFE_SCHEMES = ("https",)
DOWNLOAD_CHUNK = 1024 * 1024

Progress = Callable[[int, Optional[int]], None]


class IncompleteDownload(IOError):
    """The body ended before the size the metadata promised (or ran past it)."""


def _check_url(url: str, allow_http: bool) -> None:
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme not in _SAFE_SCHEMES and not (scheme == "http" and (allow_http or is_loopback_host(parsed.hostname or ""))):
        where = "a non-loopback host over plain http" if scheme == "http" else f"a {scheme or 'scheme-less'} URL"
        raise ValueError(f"refusing to download from {where} (only https, or http to loopback)")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to a URL :func:`_check_url` allows, checked before any
    connection is made to it (urllib would otherwise connect to an ``ftp://`` target)."""

    def __init__(self, allow_http: bool) -> None:
        self.allow_http = allow_http

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        _check_url(newurl, self.allow_http)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _open(url: str, timeout: Optional[float], allow_http: bool) -> Any:
    """The response to GET ``url`` (checked by the caller), following only redirects
    that :func:`_check_url` allows."""
    return urllib.request.build_opener(_CheckedRedirects(allow_http)).open(url, timeout=timeout)


def stream_url_to_file(
    url: str,
    dest: Union[str, "os.PathLike[str]"],
    *,
    expected_size: Optional[int] = None,
    timeout: Optional[float] = DEFAULT_TIMEOUT,
    chunk_size: int = DOWNLOAD_CHUNK,
    progress: Optional[Progress] = None,
    allow_http: bool = False,
) -> int:
    """Download ``url`` to ``dest`` atomically; returns the number of bytes written.

    Raises:
        ValueError: a URL that is not https (or http to a loopback address, or any http
            with ``allow_http``).
        IncompleteDownload: the size differs from ``expected_size``.
        OSError: reading or writing failed (no file is left under ``dest``).
    """
    _check_url(url, allow_http)
    if chunk_size <= 0:
        raise ValueError("chunk_size must be > 0")
    target = Path(dest)
    written = 0

    def copy_body(out: IO[bytes]) -> None:
        nonlocal written
        with _open(url, timeout, allow_http) as response:
            while True:
                chunk = response.read(chunk_size)
                if not chunk:
                    break
                out.write(chunk)
                written += len(chunk)
                if expected_size is not None and written > expected_size:
                    raise IncompleteDownload(f"{target.name}: more than the expected {expected_size} bytes")
                if progress is not None:
                    progress(written, expected_size)
        if expected_size is not None and written != expected_size:
            raise IncompleteDownload(f"{target.name}: got {written} of {expected_size} bytes")

    write_atomic(target, copy_body, binary=True)
    LOGGER.debug("downloaded %d bytes to %s", written, target)
    return written
