"""Progress bars on stderr (tqdm): items, bytes, rate and time left.

A bar shows by default when stderr is a terminal; ``--quiet`` turns it off and
``--progress`` forces it on (into a log file, say). What a command passes as
``progress=``: ``False`` (no bar), ``True`` (a bar on a terminal) or :data:`ALWAYS`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Optional, Union

#: ``progress=ALWAYS``: a bar even when stderr is not a terminal (``--progress``).
ALWAYS = "always"

#: What ``progress=`` takes: ``False``, ``True`` (on a terminal) or :data:`ALWAYS`.
ProgressMode = Union[bool, str]


def progress_mode(args: argparse.Namespace) -> ProgressMode:
    """The bar a command line asks for: ``--progress`` forces it, ``--quiet`` turns it
    off, else one shows on a terminal."""
    if getattr(args, "progress", False):
        return ALWAYS
    return not getattr(args, "quiet", False)


def bar_wanted(mode: ProgressMode) -> bool:
    """Whether a bar shows for ``mode`` now (``True`` needs stderr to be a terminal)."""
    if mode == ALWAYS:
        return True
    return bool(mode) and stderr_is_tty()


class Progress:
    """A tqdm bar on stderr when :func:`bar_wanted`; otherwise it does nothing.

    The bar counts ``unit`` (rows, files) against ``total`` when known, with the rate
    and the time left; with ``count_bytes`` it also shows the bytes so far and their
    rate. ``unit="B"`` counts bytes themselves (scaled: kB, MB).

    Example::

        with Progress(progress, total=len(files), desc="upload", unit="file", count_bytes=True) as bar:
            for path in files:
                ...
                bar.update(1, path.stat().st_size)
    """

    def __init__(
        self,
        enabled: ProgressMode,
        *,
        total: Optional[int] = None,
        desc: str = "",
        unit: str = "it",
        count_bytes: bool = False,
    ) -> None:
        self._bar: Any = None
        self._bytes = 0
        self._count_bytes = count_bytes
        if not bar_wanted(enabled):
            return
        from tqdm import tqdm

        self._bar = tqdm(
            total=total,
            desc=desc,
            unit=unit,
            unit_scale=unit == "B",
            unit_divisor=1024 if unit == "B" else 1000,
            file=sys.stderr,
            leave=False,
            dynamic_ncols=True,
            mininterval=0.2,
        )

    @property
    def active(self) -> bool:
        """Whether a bar is showing."""
        return self._bar is not None

    def update(self, n: int = 1, nbytes: int = 0) -> None:
        """Advance the bar by ``n`` items (and ``nbytes`` bytes, with ``count_bytes``)."""
        if self._bar is None:
            return
        if self._count_bytes and nbytes:
            from tqdm import tqdm

            self._bytes += nbytes
            elapsed = self._bar.format_dict.get("elapsed") or 0.0
            rate = f", {tqdm.format_sizeof(self._bytes / elapsed, 'B/s', 1024)}" if elapsed > 0 else ""
            self._bar.set_postfix_str(f"{tqdm.format_sizeof(self._bytes, 'B', 1024)}{rate}", refresh=False)
        first = self._bar.n == 0
        self._bar.update(n)
        if first:  # show the first numbers at once, not after tqdm's interval
            self._bar.refresh()

    def close(self) -> None:
        """Remove the bar (idempotent)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def print_result(line: str) -> None:
    """Print ``line`` on stdout, on a line of its own: with a bar showing (stderr and
    stdout share one terminal), the bar is cleared first and drawn again below it, so
    the line never starts on the bar's line."""
    tqdm_module = sys.modules.get("tqdm")
    bars = getattr(getattr(tqdm_module, "tqdm", None), "_instances", None)
    if tqdm_module is None or not bars:
        print(line, flush=True)
        return
    tqdm_module.tqdm.write(line, file=sys.stdout)
    sys.stdout.flush()


def stderr_is_tty() -> bool:
    """Whether stderr is a terminal (a progress bar, or a count for one, is worth it)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def count_for_bar(iterator: Any, mode: ProgressMode) -> Optional[int]:
    """``iterator.count()`` when a bar will show it, else ``None`` (a count costs a request)."""
    if not bar_wanted(mode):
        return None
    try:
        return int(iterator.count())
    except Exception:  # noqa: BLE001 - a bar without a total is fine
        return None
