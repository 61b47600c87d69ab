"""Lazy, resumable iterators over paged and streamed results.

Every iterator here yields each row exactly once, in order, with constant memory:

* pages are fetched one at a time (at most one more is prefetched), each fetch retried
  on its own by the call layer's policy, never by restarting the iterator;
* ``.cursor`` is a resume token: a new iterator given ``start_after=cursor``, even in
  a new process, yields exactly the rows this one had not yet yielded, even when it
  stopped in the middle of a page;
* paging ends on an empty page, an empty cursor or a cursor that did not move (a
  server answering the last page with ``last=""`` would otherwise restart the loop);
* stopping early (``break``, ``close()``, garbage collection) cancels what is in flight.

Iterators are single use, like python-api-core's.
"""
from __future__ import annotations

import base64
import json
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Generic, Iterator, List, Optional, Tuple, TypeVar

LOGGER = logging.getLogger("viam_data_sync")

T = TypeVar("T")
#: ``fetch(last, limit) -> (rows, next_last)``: one page after cursor ``last``.
PageFetcher = Callable[[str, int], Tuple[List[T], str]]

_CURSOR_PREFIX = "vds1."


def encode_cursor(state: dict) -> str:
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return _CURSOR_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str) -> dict:
    """Parse a resume token made by :func:`encode_cursor` for iterators of ``kind``."""
    if not isinstance(cursor, str) or not cursor.startswith(_CURSOR_PREFIX):
        raise ValueError("start_after must be a cursor from a viam-data-sync iterator's .cursor")
    body = cursor[len(_CURSOR_PREFIX):]
    try:
        state = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, TypeError) as exc:
        raise ValueError("start_after is not a valid cursor (corrupted?)") from exc
    if not isinstance(state, dict) or state.get("k") != kind:
        raise ValueError(f"start_after is a cursor of another kind of iterator, not {kind!r}")
    return state


class PagedIterator(Generic[T]):
    """Rows of a cursor-paged query, one page at a time.

    Attributes:
        cursor: resume token for the rows not yet yielded (``None`` before any page).
        pages_fetched: how many pages were fetched so far.
        done: True once the last row was yielded.
    """

    kind = "paged"

    def __init__(
        self,
        fetch: PageFetcher[T],
        *,
        page_size: int,
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
        prefetch: bool = True,
        context: Optional[dict] = None,
    ) -> None:
        if not isinstance(page_size, int) or page_size <= 0:
            raise ValueError("page_size must be a positive int")
        if max_results is not None and max_results < 0:
            raise ValueError("max_results must be >= 0")
        self._fetch = fetch
        self.page_size = page_size
        self.max_results = max_results
        self._prefetch = prefetch
        self._context = context or {}
        # Position: the server cursor the current page was fetched with, and how many
        # of that page's rows were already yielded.
        self._page_last = ""
        self._skip = 0
        if start_after is not None:
            state = decode_cursor(start_after, self.kind)
            if state.get("c", {}) != self._context:
                raise ValueError("start_after was made by an iterator over a different query")
            self._page_last = str(state.get("l", ""))
            self._skip = int(state.get("s", 0))
            if state.get("e"):
                self._finished_at_start = True
        self._started = False
        self._closed = False
        self.pages_fetched = 0
        self.yielded = 0
        self.done = bool(getattr(self, "_finished_at_start", False))
        self._executor: Optional[ThreadPoolExecutor] = None
        self._pending: Optional[Tuple[str, Future]] = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ cursor
    @property
    def cursor(self) -> str:
        """The resume token: pass it as ``start_after=`` to continue after the last row
        yielded, in this process or another."""
        state = {"k": self.kind, "l": self._page_last, "s": self._skip, "c": self._context}
        if self.done:
            state["e"] = 1
        return encode_cursor(state)

    # ------------------------------------------------------------ fetching
    def _submit(self, last: str) -> Future:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="viam-data-sync-prefetch")
        return self._executor.submit(self._fetch, last, self.page_size)

    def _get_page(self, last: str) -> Tuple[List[T], str]:
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] == last:
            return pending[1].result()
        if pending is not None:
            pending[1].cancel()
        return self._fetch(last, self.page_size)

    def _limit_reached(self) -> bool:
        return self.max_results is not None and self.yielded >= self.max_results

    def _pages(self) -> Iterator[Tuple[List[T], int]]:
        """Fetch pages in order, yielding ``(rows, first_index_not_yet_yielded)``.

        The consumer advances ``self._skip`` as it hands rows out; once it asks for
        the next page, the position moves to the next server cursor.
        """
        if self._started:
            raise ValueError("this iterator has already started; iterators are single use")
        self._started = True
        try:
            while not (self.done or self._closed or self._limit_reached()):
                rows, next_last = self._get_page(self._page_last)
                self.pages_fetched += 1
                end_of_data = not rows or not next_last or next_last == self._page_last
                if self._skip >= len(rows) and not end_of_data:
                    # Whole page yielded before the resume (e.g. a smaller page size now).
                    self._skip -= len(rows)
                    self._page_last = next_last
                    continue
                if not end_of_data and self._prefetch:
                    self._pending = (next_last, self._submit(next_last))
                yield rows, min(self._skip, len(rows))
                if self._skip < len(rows):
                    return  # the consumer stopped mid-page (max_results)
                if end_of_data:
                    self.done = True
                    return
                self._page_last, self._skip = next_last, 0
        finally:
            self._shutdown()

    def _rows(self) -> Iterator[T]:
        for rows, start in self._pages():
            for index in range(start, len(rows)):
                if self._limit_reached():
                    return
                # Advance before handing the row out: if the consumer stops now, the
                # cursor already excludes this row.
                self._skip = index + 1
                self.yielded += 1
                yield rows[index]

    def __iter__(self) -> Iterator[T]:
        return self._rows()

    def iter_pages(self) -> Iterator[List[T]]:
        """Yield whole pages (lists of rows) instead of rows, with the same cursor."""
        for rows, start in self._pages():
            page = rows[start:]
            if self.max_results is not None:
                page = page[: self.max_results - self.yielded]
            self._skip = start + len(page)
            self.yielded += len(page)
            if page:
                yield page

    # ------------------------------------------------------------ cleanup
    def _shutdown(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending[1].cancel()
        executor, self._executor = self._executor, None
        if executor is not None:
            # Waits for an in-flight page fetch (bounded by the call's deadline).
            executor.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Stop: cancel any prefetch; later iteration yields nothing."""
        self._closed = True
        self._shutdown()

    def __enter__(self) -> "PagedIterator[T]":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self._shutdown()
        except Exception:  # interpreter shutdown: nothing to clean any more
            pass
