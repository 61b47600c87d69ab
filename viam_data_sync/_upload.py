"""Chunked upload sources and the request streams of the two client-streaming RPCs.

The official SDK sends an upload as one metadata message and then *one* message with
every byte (read into memory first). Here the first message carries the metadata and
the data follows in fixed-size chunks (256 KiB by default, the fastest measured; Viam's
Go and TypeScript SDKs and viam-server use 64 KiB), read lazily from the source: memory
stays constant whatever the size.

Sources: ``bytes``/``bytearray``/``memoryview``, a path (``str`` or ``os.PathLike``,
only where a path is expected), a binary file object, or an iterable of ``bytes``.
A source that trickles (an iterable, or a file that cannot seek, such as a pipe from a
live capture) never sits on its bytes: what has arrived goes out once it has waited
:data:`FLUSH_INTERVAL` seconds, even when the chunk is not full, so the server's idle
limit (60 s on the local server) sees a message from every slow source.
A source can be *replayed* (sent again on a retry) when it can be read again from
the start: bytes, a path, a seekable file.
"""

from __future__ import annotations

import errno
import io
import os
import time
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Optional, Union

from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2

#: Default size of each data message. Measured (scripts/bench_client.py, 64 MiB
#: uploads to the local server, interleaved runs): 64 KiB 243 MB/s, 256 KiB 372 MB/s,
#: 1 MiB 296 MB/s. Viam's other SDKs use 64 KiB; any size far below the service's
#: 32 MiB message limit is valid on the wire.
DEFAULT_CHUNK_SIZE = 256 * 1024
#: A single gRPC message must stay far below the service's 32 MiB limit.
MAX_CHUNK_SIZE = 4 * 1024 * 1024
#: Seconds a partial chunk of a trickling source waits for more bytes before it is sent.
FLUSH_INTERVAL = 1.0

#: ``progress(bytes_sent, total_or_None)``: called after each data message is handed to gRPC.
ProgressCallback = Callable[[int, Optional[int]], None]
BytesLike = Union[bytes, bytearray, memoryview]
Source = Union[BytesLike, str, "os.PathLike[str]", BinaryIO, Iterable[bytes]]


def check_chunk_size(chunk_size: Any) -> int:
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int):
        raise TypeError(f"chunk_size must be an int, got {type(chunk_size).__name__}")
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk_size must be between 1 and {MAX_CHUNK_SIZE} bytes")
    return chunk_size


class UploadSource:
    """Where an upload's bytes come from; yields them in chunks, lazily.

    Args:
        source: the data (see the module docstring).
        chunk_size: bytes per data message.
        progress: optional ``progress(bytes_sent, total_or_None)`` callback.
        allow_path: whether a ``str`` is taken as a path (otherwise ``str`` is refused,
            so text is never silently uploaded as a file name or vice versa).
    """

    def __init__(
        self,
        source: Any,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: Optional[ProgressCallback] = None,
        allow_path: bool = False,
    ) -> None:
        self.chunk_size = check_chunk_size(chunk_size)
        if progress is not None and not callable(progress):
            raise TypeError("progress must be callable")
        self.progress = progress
        self.path: Optional[Path] = None
        self._bytes: Optional[memoryview] = None
        self._file: Optional[BinaryIO] = None
        self._iterable: Optional[Iterable[Any]] = None
        self._start = 0
        self._used = False
        self.replayable: bool
        self.total: Optional[int]
        if isinstance(source, (bytes, bytearray, memoryview)):
            self._bytes = memoryview(source).cast("B")
            self.replayable, self.total = True, len(self._bytes)
        elif isinstance(source, os.PathLike) or (allow_path and isinstance(source, str)):
            path = Path(source)
            if not path.exists():
                # The OS's wording, as open() words it, so every missing file reads alike.
                raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), os.fspath(path))
            if not path.is_file():
                raise (
                    IsADirectoryError(f"not a regular file: {path}")
                    if path.is_dir()
                    else ValueError(f"not a regular file: {path}")
                )
            self.path = path
            self.replayable, self.total = True, path.stat().st_size
        elif isinstance(source, str):
            raise TypeError("data must be bytes, a binary file or an iterable of bytes, not str")
        elif isinstance(source, io.TextIOBase):
            raise TypeError("the file must be opened in binary mode ('rb')")
        elif hasattr(source, "read"):
            self._file = source
            self.replayable, self.total = self._probe_file(source)
        elif isinstance(source, Iterable):
            self._iterable = source
            self.replayable, self.total = False, None
        else:
            raise TypeError(
                "data must be bytes, bytearray, memoryview, a binary file or an iterable of bytes, "
                f"got {type(source).__name__}"
            )

    def _probe_file(self, file: Any) -> tuple[bool, Optional[int]]:
        try:
            seekable = bool(file.seekable())
        except (AttributeError, OSError, ValueError):
            seekable = False
        if not seekable:
            return False, None
        self._start = file.tell()
        try:
            size: Optional[int] = os.fstat(file.fileno()).st_size - self._start
        except (AttributeError, OSError, io.UnsupportedOperation):
            end = file.seek(0, io.SEEK_END)
            file.seek(self._start)
            size = end - self._start
        return True, max(size, 0) if size is not None else None

    # ------------------------------------------------------------------ reading
    def chunks(self) -> Iterator[bytes]:
        """The data as chunks of at most ``chunk_size`` bytes (at least one, possibly
        empty, so an empty upload still sends its data message). Reports progress."""
        if self._used and not self.replayable:
            raise ValueError("this upload source cannot be read twice")
        self._used = True
        sent = 0
        any_chunk = False
        for chunk in self._raw_chunks():
            if not chunk:
                continue
            any_chunk = True
            sent += len(chunk)
            yield chunk
            if self.progress is not None:
                self.progress(sent, self.total)
        if not any_chunk:
            yield b""
            if self.progress is not None:
                self.progress(0, self.total)

    def _raw_chunks(self) -> Iterator[bytes]:
        size = self.chunk_size
        if self._bytes is not None:
            data = self._bytes
            for offset in range(0, len(data), size):
                yield bytes(data[offset : offset + size])
        elif self.path is not None:
            with open(self.path, "rb") as handle:
                yield from _read_file(handle, size)
        elif self._file is not None:
            if self.replayable:
                self._file.seek(self._start)
                yield from _read_file(self._file, size)
            else:  # a pipe or socket: take what is there, never wait for a full chunk
                yield from _rechunk(_read_file(self._file, size, partial=True), size)
        else:
            yield from _rechunk(self._iterable or (), size)


def _read_file(handle: Any, size: int, *, partial: bool = False) -> Iterator[bytes]:
    read = getattr(handle, "read1", handle.read) if partial else handle.read
    while True:
        chunk = read(size)
        if chunk is None:  # a non-blocking raw file with nothing ready
            continue
        if not isinstance(chunk, (bytes, bytearray)):
            raise TypeError("the file must be opened in binary mode ('rb')")
        if not chunk:
            return
        yield bytes(chunk)


def _rechunk(
    pieces: Iterable[Any], size: int, *, flush_after: float = FLUSH_INTERVAL,
    monotonic: Callable[[], float] = time.monotonic,
) -> Iterator[bytes]:
    """Pieces of any size as chunks of ``size`` bytes. A shorter chunk goes out as soon
    as its oldest byte has waited ``flush_after`` seconds, or the source took that long
    to produce the last piece (it trickles, so the next piece will be slow too): a slow
    source keeps its stream alive while a fast one still fills whole chunks."""
    buffer = bytearray()
    held_since = asked_at = monotonic()
    for piece in pieces:
        arrived = monotonic()
        if not isinstance(piece, (bytes, bytearray, memoryview)):
            raise TypeError(f"an upload iterator must yield bytes, got {type(piece).__name__}")
        if piece and not buffer:
            held_since = arrived
        buffer += piece
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
            held_since = arrived
        if buffer and (arrived - held_since >= flush_after or arrived - asked_at >= flush_after):
            yield bytes(buffer)
            buffer.clear()
        asked_at = monotonic()
    if buffer:
        yield bytes(buffer)


# ---------------------------------------------------------------------- request streams
def file_upload_requests(metadata: Any, source: UploadSource) -> Iterator[Any]:
    """``FileUpload``: the ``UploadMetadata`` first, then one ``FileData`` per chunk."""
    yield data_sync_pb2.FileUploadRequest(metadata=metadata)
    for chunk in source.chunks():
        yield data_sync_pb2.FileUploadRequest(file_contents=data_sync_pb2.FileData(data=chunk))


def streaming_upload_requests(metadata: Any, source: UploadSource) -> Iterator[Any]:
    """``StreamingDataCaptureUpload``: the ``DataCaptureUploadMetadata`` first, then
    one ``data`` message per chunk."""
    yield data_sync_pb2.StreamingDataCaptureUploadRequest(metadata=metadata)
    for chunk in source.chunks():
        yield data_sync_pb2.StreamingDataCaptureUploadRequest(data=chunk)


__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "ProgressCallback",
    "Source",
    "UploadSource",
    "file_upload_requests",
    "streaming_upload_requests",
]
