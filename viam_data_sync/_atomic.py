"""Atomic file writes: a file appears under its final name complete, or not at all.

Every file the SDK and the CLI write goes through here. :func:`write_atomic` writes to
a temporary file in the same directory, with a unique name
(``.<name>.<random>.tmp``), flushes and fsyncs it, renames it over the final name
(``os.replace``) and fsyncs the directory so the rename itself survives a crash. Two
writers of one path never share a temporary file, and a failure at any point removes
the temporary file and leaves whatever was under the final name untouched.

:func:`publish` is the last half of that for a file built elsewhere (the CLI's
resumable ``.partial`` export).

Example::

    from viam_data_sync._atomic import write_atomic

    write_atomic("out/summary.json", lambda handle: handle.write('{"ok": true}\\n'))
"""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path
from typing import IO, Any, Callable, Dict, Union

PathLike = Union[str, "os.PathLike[str]"]

#: Temporary files match this glob in their directory (final names never start with
#: "."), so a caller can clear those a killed process left behind.
TEMP_GLOB = ".*.tmp"


def write_atomic(path: PathLike, write: Callable[[IO[Any]], object], *, binary: bool = False) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path``, then move it into place.

    Args:
        path: the final file name; its directory must exist.
        write: writes the whole content to the handle it is given.
        binary: open the handle in binary mode (else text, UTF-8, ``\\n`` newlines).

    Raises:
        OSError: writing, syncing or renaming failed; nothing is left behind and an
            earlier file under ``path`` is unchanged. Whatever ``write`` raises, too.
    """
    target = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name[:50]}.", suffix=".tmp", dir=target.parent)
    try:
        mode = "wb" if binary else "w"
        kwargs: Dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": "\n"}
        with os.fdopen(fd, mode, **kwargs) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        _remove(temp)
        raise
    fsync_directory(target.parent)


def remove_stale_temps(path: PathLike) -> None:
    """Remove the temporary files of :func:`write_atomic` for ``path`` that a killed
    process left behind (before writing ``path`` again from the start).

    Example::

        remove_stale_temps("out/readings.parquet")
    """
    target = Path(path)
    for stale in target.parent.glob(f".{glob.escape(target.name[:50])}.*.tmp"):
        _remove(str(stale))


def write_bytes_atomic(path: PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`write_atomic`)."""
    write_atomic(path, lambda handle: handle.write(data), binary=True)


def write_text_atomic(path: PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`write_atomic`)."""
    write_atomic(path, lambda handle: handle.write(text))


def publish(complete: PathLike, path: PathLike) -> None:
    """Move the finished file ``complete`` to ``path`` durably.

    ``complete`` must already be flushed and fsynced by its writer and live in the
    directory of ``path`` (a rename never crosses file systems).
    """
    os.replace(complete, path)
    fsync_directory(Path(path).parent)


def fsync_directory(directory: PathLike) -> None:
    """Make a rename in ``directory`` durable; not possible on every platform (e.g. Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(temp: str) -> None:
    try:
        os.unlink(temp)
    except FileNotFoundError:
        pass


__all__ = ["TEMP_GLOB", "fsync_directory", "publish", "write_atomic", "write_bytes_atomic", "write_text_atomic"]
