"""Streaming a binary file to disk through a signed URL: any size, constant memory.

``BinaryDataByIDs`` with ``include_binary`` returns a file inside one gRPC message, so a
file larger than the message limit (32 MiB in the cloud) cannot come that way. The
service's signed URL (``CreateBinaryDataSignedURL``) can: the body is read in chunks
into a temporary file beside the destination (``_atomic.write_atomic``), checked
against the size the metadata promises, and only then fsynced and renamed into place. A failed or short download never
leaves a file under the final name.
"""
from __future__ import annotations

import ipaddress
import logging
import os
import urllib.request
from pathlib import Path
from typing import IO, Callable, Optional, Union
from urllib.parse import urlparse

from viam_data_sync._atomic import write_atomic
from viam_data_sync._defaults import DEFAULT_TIMEOUT

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


def _is_loopback(host: Optional[str]) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: str, allow_http: bool) -> None:
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme not in _SAFE_SCHEMES and not (scheme == "http" and (allow_http or _is_loopback(parsed.hostname))):
        where = "a non-loopback host over plain http" if scheme == "http" else f"a {scheme or 'scheme-less'} URL"
        raise ValueError(f"refusing to download from {where} (only https, or http to loopback)")


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
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - checked above
            # urllib follows redirects to http, https and ftp only (never file); check
            # where one led before reading a byte of it.
            final = getattr(response, "geturl", lambda: url)()
            _check_url(final, allow_http)
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
