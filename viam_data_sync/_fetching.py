"""Fetching time partitions in worker threads, as many at once as pays.

:class:`PartitionPages` is one partition's pages, fetched in order by a worker into a
bounded queue. :class:`Concurrency` decides how many partitions fetch at once:

* **From measurements:** workers report how long each page took to fetch; the
  consuming thread reports how long it spent on each page (converting it, and your
  loop's work). Keeping the consumer busy takes about ``fetch time / consume time``
  chains, plus one: that is :meth:`Concurrency.wanted`, up to the cap
  (``max_concurrency``). Slow round trips ask for more chains; a slow consumer, fewer.
* **Backing off:** a page answered RESOURCE_EXHAUSTED (the service's "slow down", after
  the call's own retries) halves the number of fetches allowed at once, waits, and
  fetches the page again; successes raise the limit again by one per ``limit``
  pages (additive increase, multiplicative decrease).
* **One budget per page:** each page gets a :class:`~viam_data_sync._retry.PageBudget`
  (``DEFAULT_PAGE_RPCS``, 10), carried down in its :class:`~viam_data_sync._pages.PageRequest`.
  The call layer charges it for every RPC it sends; the page is fetched again only while
  some is left, so a page costs at most 10 RPCs however it fails.

A worker holds what it is handed: the query's :class:`~viam_data_sync._pages.FilterPageSource`
(pages go down as requests and come back as :class:`~viam_data_sync._pages.Page` values),
its partition's queue and the controller; never the iterator, so dropping the last
reference to an iterator stops them.
"""
from __future__ import annotations

import logging
import math
import queue
import threading
import time
from dataclasses import replace
from typing import Any, Callable, List, Optional, Tuple

from viam_data_sync._defaults import DEFAULT_PAGE_RPCS
from viam_data_sync._errors import ResourceExhausted
from viam_data_sync._errors import is_size_limit
from viam_data_sync._pages import FilterPageSource, Page, PageRequest, PageSource
from viam_data_sync._retry import PageBudget

LOGGER = logging.getLogger("viam_data_sync")

#: A queued chunk: ``(page_last, chunk, next_last, end, offset, last_chunk)``.
Item = Tuple[str, List[Any], str, bool, int, bool]

#: The default cap on partitions fetched at once when the iterator adapts.
DEFAULT_MAX_CONCURRENCY = 32
_ALPHA = 0.3  # weight of a new measurement in the moving averages


class Concurrency:
    """How many partitions fetch at once: wanted from measurements, allowed by AIMD.

    Attributes:
        cap: the most fetches at once (``max_concurrency``).
        limit: fetches allowed at once now (halved on RESOURCE_EXHAUSTED).
        lowest: the lowest ``limit`` so far.
        exhausted_pages: pages answered RESOURCE_EXHAUSTED and fetched again.
        page_rpcs: the RPCs one page may cost in all (its :class:`PageBudget`).
    """

    def __init__(self, cap: int, *, backoff: float = 0.05, monotonic: Callable[[], float] = time.monotonic,
                 page_rpcs: int = DEFAULT_PAGE_RPCS) -> None:
        self.cap = self.limit = self.lowest = cap
        self._monotonic = monotonic
        self.backoff = backoff
        self.page_rpcs = page_rpcs
        self.exhausted_pages = 0
        self._active = 0
        self._successes = 0
        self._fetch: Optional[float] = None
        self._consume: Optional[float] = None
        self._cond = threading.Condition()

    # ------------------------------------------------------------ measurements
    def fetched(self, seconds: float) -> None:
        with self._cond:
            self._fetch = seconds if self._fetch is None else (1 - _ALPHA) * self._fetch + _ALPHA * seconds
            self._successes += 1
            if self.limit < self.cap and self._successes >= self.limit:
                self.limit += 1
                self._successes = 0
                self._cond.notify_all()

    def consumed(self, seconds: float) -> None:
        with self._cond:
            self._consume = seconds if self._consume is None else (1 - _ALPHA) * self._consume + _ALPHA * seconds

    def wanted(self) -> int:
        """Chains that keep the consumer busy: ``fetch / consume + 1``, within the limit."""
        with self._cond:
            if self._fetch is None or self._consume is None:
                return min(self.limit, 2)
            need = math.ceil(self._fetch / max(self._consume, 1e-5)) + 1
            return max(1, min(self.limit, need))

    # ------------------------------------------------------------ the gate
    def acquire(self, stop: threading.Event) -> bool:
        with self._cond:
            while self._active >= self.limit:
                if stop.is_set():
                    return False
                self._cond.wait(0.05)
            self._active += 1
            return True

    def release(self) -> None:
        with self._cond:
            self._active -= 1
            self._cond.notify()

    def exhausted(self) -> float:
        """A RESOURCE_EXHAUSTED answer: halve the limit; returns how long to wait."""
        with self._cond:
            self.exhausted_pages += 1
            self.limit = max(1, self.limit // 2)
            self.lowest = min(self.lowest, self.limit)
            self._successes = 0
            return self.backoff * min(8, self.exhausted_pages)

    def fetch(self, source: PageSource, request: PageRequest, stop: threading.Event) -> Optional[Page]:
        """One page through the gate, measured, within one :class:`PageBudget` of
        ``page_rpcs`` RPCs: RESOURCE_EXHAUSTED backs off and fetches again while the
        budget lasts. ``None`` when stopped."""
        budget = PageBudget(self.page_rpcs)
        request = replace(request, budget=budget)
        while True:
            if not self.acquire(stop):
                return None
            started = self._monotonic()
            try:
                page = source.fetch(request)
            except ResourceExhausted as exc:
                if is_size_limit(exc.code, exc.details) or budget.left <= 0:
                    raise
                wait = self.exhausted()
                LOGGER.warning("RESOURCE_EXHAUSTED while paging: %d fetches at once now, retrying in %.2f s "
                               "(%d of %d RPCs of the page spent)", self.limit, wait, budget.spent, budget.max_rpcs)
            else:
                self.fetched(self._monotonic() - started)
                return page
            finally:
                self.release()
            if stop.wait(wait):
                return None


class PartitionPages:
    """One time partition's pages, fetched in order by a worker into a bounded queue.

    ``fetching`` is True while the worker fetches or may fetch (not waiting for room in
    its queue, not finished).
    """

    def __init__(self, lo: Optional[int], hi: Optional[int], start_last: str, depth: int, page_size: int) -> None:
        self.lo, self.hi, self.start_last, self.page_size = lo, hi, start_last, page_size
        self.pages: "queue.Queue[Item | BaseException]" = queue.Queue(maxsize=depth)
        self.fetching = True

    def produce(self, source: FilterPageSource, stop: threading.Event, control: Concurrency) -> None:
        """Queue :data:`Item` tuples, then nothing (the last has ``end``), or an error.

        A page's rows are queued as the chunks ``source.chunks`` makes of them (the
        page itself, or e.g. its items with their bodies fetched a byte budget at a
        time; ``None`` for a row that vanished), one by one, so memory holds a few
        chunks, not a page.
        """
        last = self.start_last
        try:
            while not stop.is_set():
                request = PageRequest(limit=self.page_size, last=last, lo=self.lo, hi=self.hi)
                page = control.fetch(source, request, stop)
                if page is None:
                    return
                rows, next_last = page.rows, page.last
                end = page.is_last(request)
                chunks = source.chunks(rows) if rows else iter([rows])
                offset = 0
                chunk = next(chunks, [])
                while True:
                    following = next(chunks, None)
                    item: Item = (last, chunk, next_last, end, offset, following is None)
                    if not self._put(item, stop):
                        return
                    if following is None:
                        break
                    offset += len(chunk)
                    chunk = following
                if end:
                    return
                last = next_last
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(exc, stop)
        finally:
            self.fetching = False

    def _put(self, item: "Item | BaseException", stop: threading.Event) -> bool:
        if self.pages.full():
            self.fetching = False
        try:
            while not stop.is_set():
                try:
                    self.pages.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False
        finally:
            self.fetching = True
