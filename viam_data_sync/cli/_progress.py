"""An optional progress bar on stderr."""

from __future__ import annotations

import sys
from typing import Any, Optional


class Progress:
    """An optional ``tqdm`` bar on stderr: only if tqdm is installed, stderr is a
    terminal and the user did not ask for ``--quiet``; otherwise it does nothing.

    Example::

        with Progress(not args.quiet, total=len(files), desc="upload", unit="file") as bar:
            for path in files:
                ...
                bar.update(1)
    """

    def __init__(
        self, enabled: bool, *, total: Optional[int] = None, desc: str = "", unit: str = "it"
    ) -> None:
        self._bar: Any = None
        if not enabled or not stderr_is_tty():
            return
        try:
            from tqdm import tqdm  # optional; imported only when a bar would show
        except ImportError:
            return
        self._bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)

    @property
    def active(self) -> bool:
        """Whether a bar is showing."""
        return self._bar is not None

    def update(self, n: int = 1) -> None:
        """Advance the bar by ``n``."""
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        """Remove the bar (idempotent)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stderr_is_tty() -> bool:
    """Whether stderr is a terminal (a progress bar, or a count for one, is worth it)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def count_for_bar(iterator: Any, enabled: bool) -> Optional[int]:
    """``iterator.count()`` when a bar will show it, else ``None`` (a count costs a request)."""
    if not enabled or not stderr_is_tty():
        return None
    try:
        return int(iterator.count())
    except Exception:  # noqa: BLE001 - a bar without a total is fine
        return None
