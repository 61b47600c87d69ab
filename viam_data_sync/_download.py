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
from typing import IO, Callable, Optional, Union
from urllib.parse import urlparse

from viam_data_sync._atomic import write_atomic

LOGGER = logging.getLogger("viam_data_sync")

#: Schemes a signed URL may use: HTTPS from the cloud; ``file`` from the local server,
#: which has no HTTP endpoint. Plain HTTP only when asked for (``allow_http``).
_SAFE_SCHEMES = ("https", "file")
DOWNLOAD_CHUNK = 1024 * 1024

Progress = Callable[[int, Optional[int]], None]


class IncompleteDownload(IOError):
    """The body ended before the size the metadata promised (or ran past it)."""


def stream_url_to_file(
    url: str,
    dest: Union[str, "os.PathLike[str]"],
    *,
    expected_size: Optional[int] = None,
    timeout: Optional[float] = 60.0,
    chunk_size: int = DOWNLOAD_CHUNK,
    progress: Optional[Progress] = None,
    allow_http: bool = False,
) -> int:
    """Download ``url`` to ``dest`` atomically; returns the number of bytes written.

    Raises:
        ValueError: an unsupported URL scheme.
        IncompleteDownload: the size differs from ``expected_size``.
        OSError: reading or writing failed (no file is left under ``dest``).
    """
    scheme = urlparse(url).scheme.lower()
    allowed = _SAFE_SCHEMES + (("http",) if allow_http else ())
    if scheme not in allowed:
        raise ValueError(f"refusing to download from a {scheme or 'scheme-less'} URL")
    if chunk_size <= 0:
        raise ValueError("chunk_size must be > 0")
    target = Path(dest)
    written = 0

    def copy_body(out: IO[bytes]) -> None:
        nonlocal written
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
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
