"""Progress reports of the ``iter_*`` iterators: the ``progress=`` callback.

``progress(rows, nbytes)`` is called with the rows the iterator has handed to you so
far and, where the iterator knows them, the bytes of those rows (the file bytes of
``iter_binary`` with ``include_binary_data``; ``None`` otherwise). It is called before
each row (or page, with ``iter_pages()``) is fetched, whenever the count changed: first
with ``(0, ...)``, then after each row, the last time when the iterator finds it has
no more. An exception raised by the callback propagates from ``next()`` before the
iterator moved, so no row is lost (and the iterator stays usable).

Example::

    def show(rows: int, nbytes: Optional[int]) -> None:
        print(f"\\r{rows} rows", end="")

    for row in client.iter_tabular(f, progress=show):
        ...
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, TypeVar

T = TypeVar("T")

#: ``progress(rows_so_far, bytes_so_far_or_None)``.
RowProgressCallback = Callable[[int, Optional[int]], None]


class RowProgress:
    """What one iterator handed out so far, reported to a :data:`RowProgressCallback`."""

    def __init__(self, callback: RowProgressCallback, size_of: Optional[Callable[[Any], int]] = None) -> None:
        self._callback = callback
        self._size_of = size_of
        self.rows = 0
        self.nbytes: Optional[int] = 0 if size_of is not None else None
        self._reported = -1

    def before_next(self) -> None:
        """Report the totals, if they changed since the last report."""
        if self.rows != self._reported:
            self._reported = self.rows  # a callback that raises is not called again for the same count
            self._callback(self.rows, self.nbytes)

    def received(self, rows: Sequence[Any]) -> None:
        """Count rows just handed out."""
        self.rows += len(rows)
        if self._size_of is not None and self.nbytes is not None:
            self.nbytes += sum(self._size_of(row) for row in rows)

    def row(self, fetch: Callable[[], T]) -> T:
        """``fetch()`` one row, reported before and counted after."""
        self.before_next()
        value = fetch()
        self.received((value,))
        return value

    def page(self, fetch: Callable[[], Optional[List[T]]]) -> Optional[List[T]]:
        """``fetch()`` one page (``None`` at the end), reported before and counted after."""
        self.before_next()
        rows = fetch()
        if rows is not None:
            self.received(rows)
        return rows


def row_progress(progress: Optional[RowProgressCallback],
                 size_of: Optional[Callable[[Any], int]] = None) -> Optional[RowProgress]:
    """A :class:`RowProgress` for ``progress=`` (``None`` for none).

    Raises:
        TypeError: ``progress`` is not callable.
    """
    if progress is None:
        return None
    if not callable(progress):
        raise TypeError(f"progress must be callable, got {type(progress).__name__}")
    return RowProgress(progress, size_of)


__all__ = ["RowProgress", "RowProgressCallback", "row_progress"]
