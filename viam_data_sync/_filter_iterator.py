"""The filter queries' iterators: ``iter_tabular`` (:class:`TabularIterator`),
``iter_binary`` (:class:`BinaryIterator`) and ``read_partition`` (either), all one
:class:`FilterIterator` over a :class:`~viam_data_sync._pages.FilterPageSource`.

**Paged queries** are fetched by worker threads, one page at a time per *time
partition*, into small bounded queues (:mod:`viam_data_sync._fetching`), and yielded in
order. Cursor pages are sequential (page N+1 needs page N's cursor), so a single chain
can only hide conversion time; splitting the capture-time range into disjoint
partitions (:mod:`viam_data_sync._planning`) and fetching ``parallel`` of them at once
hides the network round trip too. Partitions are disjoint by construction: the first
starts where the caller's interval starts (or is open), the last ends where it ends (or
is open), and inner boundaries sit on odd nanosecond offsets no real capture time is
expected to hit, so every row belongs to exactly one partition whichever time field the
service filters on and whether its interval end is inclusive or not. Rows are yielded
partition by partition, each in the service's sort order. The workers hold the
source, their queues and the controller, never the iterator, so dropping the last
reference to an iterator stops them.

**Resume**: ``.cursor`` names the current partition, the service cursor its current
page was fetched with, and how many rows of that page were already yielded; a new
iterator given ``start_after=cursor`` (in any process) continues with exactly the
rows not yet yielded.
"""
from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from viam_data_sync._arrow import binary_batch, tabular_batch
from viam_data_sync._clock import SYSTEM_CLOCK, Clock
from viam_data_sync._fetching import DEFAULT_MAX_CONCURRENCY, Concurrency, Item, PartitionPages
from viam_data_sync._frames import tabular_to_dataframe
from viam_data_sync._models import TabularData
from viam_data_sync._pages import FilterPageSource, Range
from viam_data_sync._pagination import decode_cursor, encode_cursor
from viam_data_sync._planning import iteration_plan
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._row_iterator import CLOSED, T, _RowIterator, context_hash

LOGGER = logging.getLogger("viam_data_sync")


def _unchanged(row: Any) -> Any:
    return row


class FilterIterator(_RowIterator[T]):
    """Rows of a filter query, exactly once, in order; see the module docstring.

    Generic in the rows it yields: ``convert`` turns each raw row of the ``source``'s
    pages into a ``T`` (without it, raw rows are yielded). The iteration protocol (``next``,
    ``break``, ``close``, errors) is that of every iterator here. ``iter_pages()`` yields
    lists of rows instead; it cannot be mixed with ``next()`` on one iterator.

    Attributes:
        page_size: rows per request.
        parallel: time partitions fetched at once.
        max_results: the most rows yielded (``None``: no limit).
        yielded: rows yielded so far.
        pages_fetched: pages consumed so far.
        done: True once the last row was yielded.
    """

    kind = "filter"

    def __init__(
        self,
        source: FilterPageSource,
        *,
        page_size: int,
        parallel: Optional[int] = 1,
        depth: int = 2,
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
        min_rtt: float = 0.005,
        convert: Optional[Callable[[Any], T]] = None,
        context: str = "",
        max_concurrency: Optional[int] = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__()
        self._monotonic = clock.monotonic
        if not isinstance(page_size, int) or page_size <= 0:
            raise ValueError("page_size must be a positive int")
        if parallel is not None and (not isinstance(parallel, int) or isinstance(parallel, bool) or parallel < 1):
            raise ValueError("parallel must be an int >= 1, or None to adapt")
        if max_concurrency is not None:
            if not isinstance(max_concurrency, int) or isinstance(max_concurrency, bool):
                raise TypeError(f"max_concurrency must be an int, got {type(max_concurrency).__name__}")
            if max_concurrency < 1:
                raise ValueError("max_concurrency must be >= 1")
        if max_results is not None and (not isinstance(max_results, int) or max_results < 0):
            raise ValueError("max_results must be an int >= 0")
        self._source = source
        self.page_size = page_size
        self._adaptive = parallel is None
        if parallel is None:
            cap = max_concurrency if max_concurrency is not None else DEFAULT_MAX_CONCURRENCY
        else:
            cap = parallel if max_concurrency is None else min(parallel, max_concurrency)
        self.parallel = self.max_concurrency = cap
        self.concurrency = Concurrency(cap, monotonic=clock.monotonic)
        self._handed: Optional[float] = None  # when the current chunk went to the consumer
        self._depth = max(1, depth)
        self._descending = source.descending
        self.max_results = max_results
        self.min_rtt = min_rtt
        self._partitions = 1
        self._convert: Callable[[Any], T] = convert if convert is not None else _unchanged
        self._context = context_hash(self.kind, context, source.identity, source.descending)
        self._ulo, self._uhi = source.interval
        # Position (what .cursor encodes).
        self._lo, self._hi = self._ulo, self._uhi
        self._page_last, self._skip = "", 0
        self.done = False
        self._resumed = False
        if start_after is not None:
            state = decode_cursor(start_after, self.kind, self._context)
            self._lo, self._hi = state.get("lo"), state.get("hi")
            self._page_last, self._skip = str(state.get("l", "")), int(state.get("s", 0))
            self.done = bool(state.get("e"))
            self._resumed = True
        self.yielded = 0
        self.pages_fetched = 0
        # Consumption: the plan, the partitions started, the chunk being yielded.
        self._stop = threading.Event()
        self._executor: Optional[ThreadPoolExecutor] = None
        self._schedule: Optional[List[Range]] = None
        self._parts: List[PartitionPages] = []
        self._index = 0  # the partition being read
        self._chunk: List[Any] = []
        self._chunk_pos = 0  # next row of _chunk to yield
        self._chunk_offset = 0  # where _chunk starts in its page
        self._after: Optional[Tuple[bool, bool, str]] = None  # (last_chunk, end, next_last) of _chunk

    # ------------------------------------------------------------ public
    @property
    def cursor(self) -> str:
        """Resume token for the rows not yet yielded (pass as ``start_after=``)."""
        state: Dict[str, Any] = {"k": self.kind, "c": self._context, "lo": self._lo, "hi": self._hi,
                                 "l": self._page_last, "s": self._skip}
        if self.done:
            state["e"] = 1
        return encode_cursor(state)

    @property
    def partitions(self) -> int:
        """How many time partitions the query was split into for parallel fetching
        (1 before iteration starts, and when not split: ``parallel=1``, little data,
        or a link fast enough that one prefetching cursor chain keeps up)."""
        return self._partitions

    def count(self) -> int:
        """How many rows the filter matches in all (one ``count_only`` request)."""
        return self._source.size(self._ulo, self._uhi)[0]

    def iter_pages(self) -> Iterator[List[T]]:
        """Yield lists of rows (a service page, or a body-budget chunk of one) instead
        of rows; the same cursor.

        Like rows, pages continue after a ``break``: call ``iter_pages()`` again.

        Raises:
            ValueError: rows were already taken from this iterator with ``next()``
                (or it is closed).
        """
        self._use("pages")
        return self._page_stream()

    # ------------------------------------------------------------ planning
    def _plan(self) -> List[Range]:
        """The partitions still to read, in yield order, starting with the current."""
        if not self._resumed:
            return self._split(self._ulo, self._uhi)
        current = (self._lo, self._hi)
        rest: Optional[Range]
        if self._descending:
            rest = None if self._lo is None or self._lo == self._ulo else (self._ulo, self._lo)
        else:
            rest = None if self._hi is None or self._hi == self._uhi else (self._hi, self._uhi)
        return [current] + (self._split(*rest) if rest else [])

    def _split(self, lo: Optional[int], hi: Optional[int]) -> List[Range]:
        """Partitions for ``[lo, hi]``, as :func:`viam_data_sync._planning.iteration_plan`
        decides them (``parallel`` workers keep pages flowing while memory stays at most
        ``2 * parallel * (depth + 1)`` pages)."""
        plan = iteration_plan(self._source, lo, hi, parallel=self.parallel, page_size=self.page_size,
                              depth=self._depth, min_rtt=self.min_rtt, monotonic=self._monotonic)
        parts = plan.ranges
        if plan.rtt is not None:
            LOGGER.debug("iteration plan: %d partition(s), probe %.1f ms, %d request(s)", len(parts),
                         plan.rtt * 1000, plan.requests)
        self._partitions = len(parts)
        return list(reversed(parts)) if self._descending else parts

    def _start(self) -> List[Range]:
        schedule = self._schedule = self._plan()
        self._executor = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="viam-data-sync-page")
        self._lo, self._hi = schedule[0]
        if self._adaptive:
            self._grow()
        else:
            window = 2 * self.parallel if len(schedule) > 1 else 1
            for _ in range(min(window, len(schedule))):
                self._start_partition()
        return schedule

    def _grow(self) -> None:
        """Adaptive mode: start partitions until as many fetch as the measurements ask
        (:meth:`Concurrency.wanted`), at most ``2 * max_concurrency`` ahead."""
        assert self._schedule is not None
        want = self.concurrency.wanted()
        fetching = sum(1 for part in self._parts[self._index:] if part.fetching)
        while (fetching < want and len(self._parts) < len(self._schedule)
               and len(self._parts) - self._index < 2 * self.max_concurrency):
            self._start_partition()
            fetching += 1

    def _start_partition(self) -> None:
        """Start fetching the next partition of the plan not started yet (if any)."""
        assert self._schedule is not None and self._executor is not None
        index = len(self._parts)
        if index < len(self._schedule):
            lo, hi = self._schedule[index]
            first_last = self._page_last if index == 0 and self._resumed else ""
            part = PartitionPages(lo, hi, first_last, self._depth + 1, self.page_size)
            self._parts.append(part)
            # The worker gets the source, its queue and the controller, never the
            # iterator: dropping the iterator stops it.
            self._executor.submit(part.produce, self._source, self._stop, self.concurrency)

    # ------------------------------------------------------------ consuming
    def _next_chunk(self) -> bool:
        """Make the next chunk with rows not yet yielded current; False at the end."""
        schedule = self._schedule if self._schedule is not None else self._start()
        if self._handed is not None:  # what the consumer spent on the last chunk
            self.concurrency.consumed(self._monotonic() - self._handed)
            self._handed = None
        if self._after is not None:
            after, self._after = self._after, None
            self._past_chunk(*after)
        while self._index < len(schedule):
            item = self._take(self._parts[self._index])
            if isinstance(item, BaseException):
                raise item
            page_last, chunk, next_last, end, offset, last_chunk = item
            self._page_last = page_last
            if last_chunk:
                self.pages_fetched += 1
            page_end = offset + len(chunk)
            if self._skip < page_end:
                self._chunk, self._chunk_pos, self._chunk_offset = chunk, max(0, self._skip - offset), offset
                self._after = (last_chunk, end, next_last)
                if self._adaptive:
                    self._grow()
                self._handed = self._monotonic()
                return True
            if last_chunk and not end:
                # The whole page was yielded before the resume (with another page size).
                self._page_last, self._skip = next_last, self._skip - page_end
            else:
                self._past_chunk(last_chunk, end, next_last)
        self.done = True
        self._release()
        return False

    def _take(self, part: PartitionPages) -> "Item | BaseException":
        """The partition's next item. Waits, but not for ever once the iterator is
        closed (``close()`` from another thread): its workers queue nothing more."""
        while True:
            try:
                return part.pages.get(timeout=0.05)
            except queue.Empty:
                if self._stop.is_set():
                    raise ValueError(CLOSED) from None

    def _past_chunk(self, last_chunk: bool, end: bool, next_last: str) -> None:
        """Move the position past a chunk whose rows were all yielded."""
        if not last_chunk:
            return
        if not end:
            self._page_last, self._skip = next_last, 0
            return
        assert self._schedule is not None
        if not self._adaptive:
            self._start_partition()  # keep the window of partitions in flight full
        self._index += 1
        if self._index < len(self._schedule):
            self._lo, self._hi = self._schedule[self._index]
            self._page_last, self._skip = "", 0
            if self._adaptive:
                # The partition read next may not be started yet (those before it were
                # empty, so no chunk was handed out to grow from): _grow starts it.
                self._grow()

    def _limit_reached(self) -> bool:
        return self.max_results is not None and self.yielded >= self.max_results

    def _next_row(self) -> T:
        while True:
            if self._limit_reached():
                self._release()
                raise StopIteration
            pos = self._chunk_pos
            if pos < len(self._chunk):
                row = self._chunk[pos]
                self._chunk_pos = pos + 1
                if row is None:  # vanished between its metadata page and its body fetch
                    self._skip = self._chunk_offset + pos + 1
                    continue
                value = self._convert(row)
                self._skip = self._chunk_offset + pos + 1
                self.yielded += 1
                return value
            if self.done or not self._next_chunk():
                raise StopIteration

    def _next_raw(self) -> Optional[List[Any]]:
        """The next rows not yet yielded, as fetched (unconverted); ``None`` at the end."""
        while not self._limit_reached():
            if self.done or not self._next_chunk():
                return None
            start = self._chunk_pos
            rows = self._chunk[start:]
            if self.max_results is not None:
                rows = rows[: max(0, self.max_results - self.yielded)]
            present = [row for row in rows if row is not None]
            self._chunk_pos = start + len(rows)
            self._skip = self._chunk_offset + self._chunk_pos
            self.yielded += len(present)
            if present:
                return present
        self._release()
        return None

    def _next_page(self) -> Optional[List[T]]:
        rows = self._next_raw()
        return None if rows is None else [self._convert(row) for row in rows]

    def _raw_stream(self) -> Iterator[List[Any]]:
        while True:
            self._use("pages")
            rows = self._step(self._next_raw)
            if rows is None:
                return
            yield rows

    def _arrow_chunks(self) -> Iterator[List[Any]]:
        return self._raw_stream()

    def _page_stream(self) -> Iterator[List[T]]:
        # A generator over the iterator, not stored in it: no reference cycle.
        while True:
            self._use("pages")
            page = self._step(self._next_page) if self._progress is None else self._progress.page(
                lambda: self._step(self._next_page))
            if page is None:
                return
            yield page

    def _release(self) -> None:
        self._stop.set()
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


class TabularIterator(FilterIterator[TabularData]):
    """What :meth:`DataClient.iter_tabular` returns: ``TabularData`` rows, exactly once.

    A real iterator (``next(it)``; ``iter(it) is it``) with ``.cursor``, ``.count()``,
    ``.iter_pages()``, ``.close()`` and ``with`` support. After a ``break`` it stays
    usable; ``close()``, ``with`` or garbage collection stops its worker threads. After
    ``close()`` (or an error), ``next()`` raises ``ValueError``: resume from ``.cursor``
    in a new iterator. ``iter_pages()`` cannot be mixed with ``next()``.

    Example::

        with client.iter_tabular(create_filter(component_name="sensor-1")) as it:
            first = next(it)
            for row in it:          # continues after `first`
                print(row.time_received, row.data["readings"])
    """

    def _arrow_build(self, rows: List[Any], schema: Any) -> Any:
        return tabular_batch(rows, schema)

    def _pandas_frame(self, flatten: bool) -> Any:
        return tabular_to_dataframe(self, flatten=flatten)


class BinaryIterator(FilterIterator[data_pb2.BinaryData]):
    """What :meth:`DataClient.iter_binary` returns: ``BinaryData`` messages, exactly once.

    The same protocol as :class:`TabularIterator`.

    Example::

        it = client.iter_binary(create_filter(component_type="rdk:component:camera"))
        item = next(it)             # StopIteration if nothing matches
        it.close()
    """

    def _arrow_build(self, rows: List[Any], schema: Any) -> Any:
        return binary_batch(rows, schema)

    def _pandas_frame(self, flatten: bool) -> Any:
        return self.to_arrow().to_pandas()  # metadata and file columns; nothing nested to flatten
