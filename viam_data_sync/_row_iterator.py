"""The iteration protocol every iterator of the client shares (``_RowIterator``), and
what their resume tokens are bound to (``context_hash``).

* ``next(it)`` returns the next row; ``iter(it) is it``; ``StopIteration`` after the
  last row, and on every later ``next()``.
* A ``break`` leaves the iterator usable (the next ``for`` continues with the next row)
  and its background work idle once its bounded buffers are full.
* ``close()``, ``with it:`` or garbage collection cancels that work. A closed iterator,
  or one whose ``next()`` raised an error, is finished: ``next()`` raises ``ValueError``
  (iterators are single use; ``.cursor`` resumes in a new one).
"""
from __future__ import annotations

import hashlib
from typing import Any, Callable, Iterator, Optional, Self, TypeVar

from viam_data_sync._arrow import ArrowOutput
from viam_data_sync._progress import RowProgress

T = TypeVar("T")
S = TypeVar("S")

CLOSED = ("this iterator is closed: iterators are single use, so continue in a new one "
          "with start_after=<this iterator's .cursor>")
_MIXED = ("iter_pages() and row iteration (next(), for) cannot be mixed on one iterator; "
          "start a new one with start_after=<this iterator's .cursor>")


def context_hash(*parts: Any) -> str:
    """A short digest of what a resume token belongs to (the query, its order, ...)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


class _RowIterator(ArrowOutput, Iterator[T]):
    """The iteration protocol every ``iter_*`` iterator shares.

    * ``next(it)`` returns the next row; ``iter(it) is it``; after the last row every
      ``next()`` raises ``StopIteration``.
    * A ``break`` out of ``for row in it`` cannot be seen by the iterator (a for loop
      does not close what it iterates), so the iterator stays usable: a later ``for``
      continues with the next row. Meanwhile any background fetching stops once its
      bounded buffers are full.
    * ``close()``, leaving ``with it:``, or garbage collection of the iterator cancels
      the background work. ``.cursor`` stays valid.
    * After ``close()``, or after ``next()`` raised an error (the iterator is then
      closed), ``next()`` raises ``ValueError``: iterators are single use; continue in
      a new one with ``start_after=it.cursor``.

    Subclasses implement ``_next_row()`` (raising ``StopIteration`` at the end) and
    ``_release()`` (cancel background work; idempotent, safe from ``__del__``).
    """

    _progress: Optional[RowProgress] = None  # the ``progress=`` of the iter_* method

    def __init__(self) -> None:
        self._mode: Optional[str] = None  # "rows" or "pages", fixed by the first use
        self._closed = False

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> T:
        self._use("rows")
        if self._progress is not None:
            return self._progress.row(lambda: self._step(self._next_row))
        return self._step(self._next_row)

    def _with_progress(self, progress: Optional[RowProgress]) -> Self:
        self._progress = progress  # reports what is handed out (see _progress.py)
        return self

    def close(self) -> None:
        """Stop: cancel the background work. ``.cursor`` stays valid; ``next()`` raises
        ``ValueError`` from now on."""
        self._closed = True
        self._release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self._release()
        except Exception:  # a finalizer must not raise; nothing is left to clean up
            pass

    # ------------------------------------------------------------ for subclasses
    def _next_row(self) -> T:
        raise NotImplementedError

    def _release(self) -> None:
        """Cancel background work (nothing by default)."""

    def _use(self, mode: str) -> None:
        if self._closed:
            raise ValueError(CLOSED)
        if self._mode is None:
            self._mode = mode
        elif self._mode != mode:
            raise ValueError(_MIXED)

    def _step(self, step: Callable[[], S]) -> S:
        """Run one step; an error (not the end) closes the iterator, then propagates."""
        try:
            return step()
        except StopIteration:
            raise
        except BaseException:
            self.close()
            raise
