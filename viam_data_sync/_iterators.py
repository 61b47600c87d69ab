"""``iter_tabular``, ``iter_binary``, ``iter_export_tabular`` and ``iter_mql``.

Exactly-once, constant-memory, resumable iteration over the Data API.

**Iterators**: every ``iter_*`` method returns a real iterator (``next(it)`` works and
``iter(it) is it``), generic in the rows it yields: :class:`TabularIterator`,
:class:`BinaryIterator`, :class:`ExportIterator`, :class:`MqlIterator`. They share one
protocol (``_RowIterator``): ``StopIteration`` after the last row (and on every
later ``next()``); a ``break`` leaves the iterator usable (the next ``for`` continues
with the next row) and its background work idle once its bounded buffers are full;
``close()``, ``with it:`` or garbage collection cancels that work. A closed iterator,
or one whose ``next()`` raised an error, is finished: ``next()`` raises ``ValueError``
(iterators are single use; ``.cursor`` resumes in a new one).

**Paged queries** (tabular and binary by filter) are fetched by worker threads, one
page at a time per *time partition*, into small bounded queues, and yielded in order.
Cursor pages are sequential (page N+1 needs page N's cursor), so a single chain can
only hide conversion time; splitting the capture-time range into disjoint partitions
and fetching ``parallel`` of them at once hides the network round trip too.
Partitions are disjoint by construction: the first starts where the caller's interval
starts (or is open), the last ends where it ends (or is open), and inner boundaries
sit on odd nanosecond offsets no real capture time is expected to hit, so every row
belongs to exactly one partition whichever time field the service filters on and
whether its interval end is inclusive or not. Rows are yielded partition by
partition, each in the service's sort order. The workers hold the partitions' queues,
never the iterator, so dropping the last reference to an iterator stops them.

**Resume**: ``.cursor`` names the current partition, the service cursor its current
page was fetched with, and how many rows of that page were already yielded; a new
iterator given ``start_after=cursor`` (in any process) continues with exactly the
rows not yet yielded.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterator, List, Optional, Self, Sequence, Tuple, TypeVar

import bson

from viam_data_sync._arrow import ArrowOutput, binary_batch, tabular_batch
from viam_data_sync._frames import tabular_to_dataframe
from viam_data_sync._fetching import DEFAULT_MAX_CONCURRENCY, Concurrency, Expand, Item, PartitionPages
from viam_data_sync._models import TabularData, TabularDataPoint
from viam_data_sync._pagination import decode_cursor, encode_cursor
from viam_data_sync._progress import RowProgress
from viam_data_sync._clock import SYSTEM_CLOCK, Clock
from viam_data_sync._planning import Range, interval_of, iteration_plan, with_interval
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._defaults import DEFAULT_MAX_ATTEMPTS, MQL_PAGE_SIZE

LOGGER = logging.getLogger("viam_data_sync")

T = TypeVar("T")
S = TypeVar("S")

#: ``fetch(filter, last, limit) -> (rows, next_last)``: one page of raw rows.
FilterFetch = Callable[[data_pb2.Filter, str, int], Tuple[List[Any], str]]
#: ``time_ns(row) -> int``: the time a raw row sorts by (for partition planning).
RowTime = Callable[[Any], int]

_CLOSED = ("this iterator is closed: iterators are single use, so continue in a new one "
           "with start_after=<this iterator's .cursor>")
_MIXED = ("iter_pages() and row iteration (next(), for) cannot be mixed on one iterator; "
          "start a new one with start_after=<this iterator's .cursor>")


def _context_hash(*parts: Any) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


def _fetch_narrowed(fetch: FilterFetch, filter_: data_pb2.Filter, page_size: int,
                    lo: Optional[int], hi: Optional[int], last: str) -> Tuple[List[Any], str]:
    return fetch(with_interval(filter_, lo, hi), last, page_size)


def _unchanged(row: Any) -> Any:
    return row


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
            raise ValueError(_CLOSED)
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


class FilterIterator(_RowIterator[T]):
    """Rows of a filter query, exactly once, in order; see the module docstring.

    Generic in the rows it yields: ``convert`` turns each raw row ``fetch`` returned
    into a ``T`` (without it, raw rows are yielded). The iteration protocol (``next``,
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
        fetch: FilterFetch,
        filter_: data_pb2.Filter,
        *,
        row_time: RowTime,
        page_size: int,
        descending: bool,
        parallel: Optional[int] = 1,
        depth: int = 2,
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
        count: Optional[Callable[[data_pb2.Filter], int]] = None,
        min_rtt: float = 0.005,
        probe: Optional[Callable[[data_pb2.Filter, bool], Optional[Any]]] = None,
        expand: Optional[Expand] = None,
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
        self._fetch = fetch
        self._filter = filter_
        self._row_time = row_time
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
        self._descending = descending
        self.max_results = max_results
        self._count = count
        self.min_rtt = min_rtt
        self._partitions = 1
        self._probe = probe
        self._expand = expand
        self._convert: Callable[[Any], T] = convert if convert is not None else _unchanged
        self._context = _context_hash(self.kind, context, filter_.SerializeToString(deterministic=True), descending)
        self._ulo, self._uhi = interval_of(filter_)
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
        if self._count is None:
            raise NotImplementedError("this iterator cannot count")
        return self._count(self._filter)

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
        plan = iteration_plan(self._filter, lo, hi, parallel=self.parallel, page_size=self.page_size,
                              depth=self._depth, min_rtt=self.min_rtt, row_time=self._row_time, probe=self._probe,
                              count=self._count, monotonic=self._monotonic)
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
            part = PartitionPages(lo, hi, first_last, self._depth + 1)
            self._parts.append(part)
            # The worker gets what it needs, not the iterator: dropping the iterator stops it.
            fetch_page = functools.partial(_fetch_narrowed, self._fetch, self._filter, self.page_size)
            self._executor.submit(part.produce, fetch_page, self._expand, self._stop, self.concurrency)

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
                    raise ValueError(_CLOSED) from None

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

        it = client.iter_binary(create_filter(component_type="camera"))
        item = next(it)             # StopIteration if nothing matches
        it.close()
    """

    def _arrow_build(self, rows: List[Any], schema: Any) -> Any:
        return binary_batch(rows, schema)

    def _pandas_frame(self, flatten: bool) -> Any:
        return self.to_arrow().to_pandas()  # metadata and file columns; nothing nested to flatten


class ExportIterator(_RowIterator[TabularDataPoint]):
    """What :meth:`DataClient.iter_export_tabular` returns: the ``ExportTabularData``
    stream's rows as ``TabularDataPoint`` as they arrive, exactly once.

    The stream is ordered by capture time. When it breaks with a transient error, it is
    reopened from the capture time of the last row received (inclusive) and the rows
    already yielded at exactly that time are skipped, so nothing is lost or repeated.
    ``.cursor`` records the same position for a new iterator (``start_after=``).

    The iteration protocol is that of every iterator here: after a ``break`` the stream
    stays open (the next ``for`` continues); ``close()``, ``with`` or garbage
    collection cancels it; after ``close()`` (or an error) ``next()`` raises
    ``ValueError``.

    Example::

        with client.iter_export_tabular(part_id, "sensor-1", "rdk:component:sensor",
                                        "Readings") as it:
            first = next(it)
            saved = it.cursor       # later: iter_export_tabular(..., start_after=saved)
    """

    kind = "export"

    def __init__(
        self,
        open_stream: Callable[[Optional[int]], Iterator[Any]],
        convert: Callable[[Any], TabularDataPoint],
        *,
        time_of: Callable[[Any], int],
        should_resume: Callable[[BaseException], bool],
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff: Callable[[int], float] = lambda n: 0.0,
        sleep: Callable[[float], None] = lambda s: None,
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
        context: str = "",
    ) -> None:
        super().__init__()
        self._open = open_stream
        self._convert = convert
        self._time_of = time_of
        self._should_resume = should_resume
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff
        self._sleep = sleep
        self.max_results = max_results
        self._context = _context_hash(self.kind, context)
        self._last_ns: Optional[int] = None
        self._same = 0  # rows yielded with capture time == _last_ns
        self.done = False
        if start_after is not None:
            state = decode_cursor(start_after, self.kind, self._context, "export")
            self._last_ns, self._same, self.done = state.get("t"), int(state.get("n", 0)), bool(state.get("e"))
        self.yielded = 0
        self.reconnects = 0
        self._stream: Optional[Iterator[Any]] = None
        self._skip_same = 0  # rows at _last_ns the open stream repeats (yielded before it)
        self._failures = 0  # consecutive broken streams without a new row

    @property
    def cursor(self) -> str:
        """Resume token for the rows not yet yielded (pass as ``start_after=``)."""
        state: Dict[str, Any] = {"k": self.kind, "c": self._context, "t": self._last_ns, "n": self._same}
        if self.done:
            state["e"] = 1
        return encode_cursor(state)

    def _next_row(self) -> TabularDataPoint:
        while not self.done:
            if self.max_results is not None and self.yielded >= self.max_results:
                self._release()
                break
            if self._stream is None:
                self._skip_same = self._same if self._last_ns is not None else 0
                self._stream = self._open(self._last_ns)
            try:
                message = next(self._stream)
            except StopIteration:
                self.done = True
                self._release()
                break
            except Exception as exc:
                self._release()
                self._failures += 1
                if not self._should_resume(exc) or self._failures >= self._max_attempts:
                    raise
                self.reconnects += 1
                LOGGER.warning("export stream broke (%s); resuming after %s rows", exc, self.yielded)
                self._sleep(self._backoff(self._failures))
                continue
            t = self._time_of(message)
            if self._skip_same and t == self._last_ns:
                self._skip_same -= 1
                continue
            self._skip_same = 0
            value = self._convert(message)
            if t == self._last_ns:
                self._same += 1
            else:
                self._last_ns, self._same = t, 1
            self._failures = 0
            self.yielded += 1
            return value
        raise StopIteration

    def _release(self) -> None:
        """Cancel the open stream, if any."""
        stream, self._stream = self._stream, None
        close = getattr(stream, "close", None)
        if close is not None:
            close()


class MqlIterator(_RowIterator[Dict[str, Any]]):
    """What :meth:`DataClient.iter_mql` returns: an MQL aggregation's documents, paged
    by keyset: ``pipeline + [$match key > last, $sort key, $limit n]`` per page, so
    results of any size arrive in bounded pages, exactly once.

    ``key`` must be unique and present in the pipeline's output (``_id`` by default).
    There is no background work (a page is fetched when ``next()`` needs it), so a
    ``break`` costs nothing and a later ``for`` continues. ``StopIteration`` after the
    last document; after ``close()`` (or an error) ``next()`` raises ``ValueError``.

    Example::

        it = client.iter_mql(org_id, [{"$match": {"component_name": "sensor-1"}}])
        first = next(it)
        rest = list(it)             # every document after `first`
    """

    kind = "mql"

    def __init__(
        self,
        run: Callable[[List[Dict[str, Any]]], List[Dict[str, Any]]],
        pipeline: Sequence[Dict[str, Any]],
        *,
        key: str = "_id",
        page_size: int = MQL_PAGE_SIZE,
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
        context: str = "",
    ) -> None:
        super().__init__()
        if not isinstance(page_size, int) or page_size <= 0:
            raise ValueError("page_size must be a positive int")
        if not isinstance(key, str) or not key:
            raise ValueError("key must be a non-empty field name")
        if not isinstance(pipeline, (list, tuple)) or not all(isinstance(s, dict) for s in pipeline):
            raise TypeError("pipeline must be a list of stage dicts")
        self._run = run
        self._pipeline = list(pipeline)
        self.key = key
        self.page_size = page_size
        self.max_results = max_results
        self._context = _context_hash(self.kind, context, key, bson.encode({"p": self._pipeline}))
        self._last: Any = None
        self._has_last = False
        self.done = False
        if start_after is not None:
            state = decode_cursor(start_after, self.kind, self._context, "pipeline")
            if state.get("v") is not None:
                self._last = bson.decode(bytes.fromhex(state["v"]))["v"]
                self._has_last = True
            self.done = bool(state.get("e"))
        self.yielded = 0
        self.pages_fetched = 0
        self._page: List[Dict[str, Any]] = []
        self._page_pos = 0
        self._last_page = False  # _page was shorter than page_size: nothing follows it

    @property
    def cursor(self) -> str:
        """Resume token for the documents not yet yielded (pass as ``start_after=``)."""
        state: Dict[str, Any] = {"k": self.kind, "c": self._context,
                                 "v": bson.encode({"v": self._last}).hex() if self._has_last else None}
        if self.done:
            state["e"] = 1
        return encode_cursor(state)

    def _page_pipeline(self) -> List[Dict[str, Any]]:
        keyset = [{self.key: {"$gt": self._last}}] if self._has_last else []
        if all(set(stage) == {"$match"} for stage in self._pipeline):
            # Only filters: one leading $match (same result) lets the service use an
            # index for the key range, sort and limit instead of scanning every page.
            conditions = [stage["$match"] for stage in self._pipeline] + keyset
            stages: List[Dict[str, Any]] = []
            if conditions:
                stages.append({"$match": conditions[0] if len(conditions) == 1 else {"$and": conditions}})
        else:
            stages = list(self._pipeline) + [{"$match": condition} for condition in keyset]
        stages.append({"$sort": {self.key: 1}})
        stages.append({"$limit": self.page_size})
        return stages

    def _next_row(self) -> Dict[str, Any]:
        while True:
            if self.max_results is not None and self.yielded >= self.max_results:
                raise StopIteration
            if self._page_pos < len(self._page):
                doc = self._page[self._page_pos]
                if self.key not in doc:
                    raise ValueError(f"pipeline output has no {self.key!r} field to page by (key=...)")
                self._page_pos += 1
                self._last, self._has_last = doc[self.key], True
                self.yielded += 1
                return doc
            if self._last_page:
                self.done = True  # only now: the cursor of a done iterator skips everything
            if self.done:
                raise StopIteration
            self._page, self._page_pos = self._run(self._page_pipeline()), 0
            self.pages_fetched += 1
            self._last_page = len(self._page) < self.page_size
