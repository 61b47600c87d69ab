"""``iter_tabular``, ``iter_binary``, ``iter_export_tabular`` and ``iter_mql``.

Exactly-once, constant-memory, resumable iteration over the Data API.

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
partition, each in the service's sort order.

**Resume**: ``.cursor`` names the current partition, the service cursor its current
page was fetched with, and how many rows of that page were already yielded; a new
iterator given ``start_after=cursor`` (in any process) continues with exactly the
rows not yet yielded.
"""
from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import bson

from viam_data_sync._convert import ns_to_timestamp, timestamp_to_ns
from viam_data_sync._pagination import decode_cursor, encode_cursor
from viam_data_sync._proto.app.data.v1 import data_pb2

LOGGER = logging.getLogger("viam_data_sync")

#: ``fetch(filter, last, limit) -> (rows, next_last)``
FilterFetch = Callable[[Any, str, int], Tuple[List[Any], str]]
#: ``time_ns(row) -> int``: the time a row sorts by (for partition planning).
RowTime = Callable[[Any], int]

_INNER_BOUNDARY_OFFSET_NS = 777  # odd offset: inner boundaries never sit on round times
_MAX_PARTITIONS = 4096


def _context_hash(*parts: Any) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


def _interval_of(filter_: Any) -> Tuple[Optional[int], Optional[int]]:
    if not filter_.HasField("interval"):
        return None, None
    lo = timestamp_to_ns(filter_.interval.start) if filter_.interval.HasField("start") else None
    hi = timestamp_to_ns(filter_.interval.end) if filter_.interval.HasField("end") else None
    return lo, hi


def _with_interval(filter_: Any, lo: Optional[int], hi: Optional[int]) -> Any:
    narrowed = data_pb2.Filter()
    narrowed.CopyFrom(filter_)
    narrowed.ClearField("interval")
    if lo is not None or hi is not None:
        narrowed.interval.SetInParent()
        if lo is not None:
            narrowed.interval.start.CopyFrom(ns_to_timestamp(lo))
        if hi is not None:
            narrowed.interval.end.CopyFrom(ns_to_timestamp(hi))
    return narrowed


def plan_partitions(
    lo: Optional[int], hi: Optional[int], first_ns: int, last_ns: int, count: int
) -> List[Tuple[Optional[int], Optional[int]]]:
    """Split ``[lo, hi]`` into ``count`` disjoint ranges whose inner boundaries are
    spread evenly over the data's observed span ``[first_ns, last_ns]``."""
    if count <= 1 or last_ns <= first_ns:
        return [(lo, hi)]
    step = (last_ns - first_ns) / count
    inner: List[int] = []
    for k in range(1, count):
        b = (int(first_ns + k * step) // 1000) * 1000 + _INNER_BOUNDARY_OFFSET_NS
        if (lo is None or b > lo) and (hi is None or b < hi) and (not inner or b > inner[-1]):
            inner.append(b)
    bounds: List[Optional[int]] = [lo, *inner, hi]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


_END = object()


class _Partition:
    """One time partition's pages, fetched in order by a worker into a bounded queue."""

    def __init__(self, lo: Optional[int], hi: Optional[int], start_last: str, depth: int) -> None:
        self.lo, self.hi, self.start_last = lo, hi, start_last
        self.pages: "queue.Queue[Any]" = queue.Queue(maxsize=depth)

    def produce(self, fetch_page: Callable[[Optional[int], Optional[int], str], Tuple[List[Any], str]],
                expand: Optional[Callable[[List[Any]], Iterator[List[Any]]]],
                stop: threading.Event) -> None:
        """Queue items ``(page_last, chunk, next_last, end, offset, last_chunk)``.

        Without ``expand`` a page is one chunk. With it, a page's rows are replaced by
        the chunks it yields (e.g. bodies fetched a budget at a time; ``None`` for a
        row that vanished), queued one by one, so memory holds a few chunks, not a page.
        """
        last = self.start_last
        try:
            while not stop.is_set():
                rows, next_last = fetch_page(self.lo, self.hi, last)
                end = not rows or not next_last or next_last == last
                chunks = expand(rows) if expand is not None and rows else iter([rows])
                offset = 0
                chunk = next(chunks, [])
                while True:
                    following = next(chunks, None)
                    item = (last, chunk, next_last, end, offset, following is None)
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

    def _put(self, item: Any, stop: threading.Event) -> bool:
        while not stop.is_set():
            try:
                self.pages.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False


class FilterIterator:
    """Rows of a filter query, exactly once, in order; see the module docstring.

    Attributes:
        cursor: the resume token (pass as ``start_after=``).
        page_size: rows per request.
        parallel: time partitions fetched at once.
        yielded: rows yielded so far.
        pages_fetched: pages consumed so far.
        done: True once the last row was yielded.
    """

    kind = "filter"

    def __init__(
        self,
        fetch: FilterFetch,
        filter_: Any,
        *,
        row_time: RowTime,
        page_size: int,
        descending: bool,
        parallel: int = 1,
        depth: int = 2,
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
        count: Optional[Callable[[Any], int]] = None,
        min_rtt: float = 0.005,
        probe: Optional[Callable[[Any, bool], Optional[Any]]] = None,
        expand: Optional[Callable[[List[Any]], Iterator[List[Any]]]] = None,
        convert: Optional[Callable[[Any], Any]] = None,
        context: str = "",
    ) -> None:
        if not isinstance(page_size, int) or page_size <= 0:
            raise ValueError("page_size must be a positive int")
        if not isinstance(parallel, int) or parallel < 1:
            raise ValueError("parallel must be an int >= 1")
        if max_results is not None and (not isinstance(max_results, int) or max_results < 0):
            raise ValueError("max_results must be an int >= 0")
        self._fetch = fetch
        self._filter = filter_
        self._row_time = row_time
        self.page_size = page_size
        self.parallel = parallel
        self._depth = max(1, depth)
        self._descending = descending
        self.max_results = max_results
        self._count = count
        self.min_rtt = min_rtt
        self.partitions_planned = 1
        self._probe = probe
        self._expand = expand
        self._convert = convert
        self._context = _context_hash(self.kind, context, filter_.SerializeToString(deterministic=True), descending)
        self._ulo, self._uhi = _interval_of(filter_)
        # Position.
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
        self._started = False
        self._stop = threading.Event()
        self._executor: Optional[ThreadPoolExecutor] = None

    # ------------------------------------------------------------ public
    @property
    def cursor(self) -> str:
        """Resume token for the rows not yet yielded."""
        state: Dict[str, Any] = {"k": self.kind, "c": self._context, "lo": self._lo, "hi": self._hi,
                                 "l": self._page_last, "s": self._skip}
        if self.done:
            state["e"] = 1
        return encode_cursor(state)

    def count(self) -> int:
        """How many rows the filter matches in all (one ``count_only`` request)."""
        if self._count is None:
            raise NotImplementedError("this iterator cannot count")
        return self._count(self._filter)

    def __iter__(self) -> Iterator[Any]:
        return self._rows()

    def iter_pages(self) -> Iterator[List[Any]]:
        """Yield lists of rows (a service page, or a body-budget chunk of one) instead
        of rows; the same cursor."""
        for rows, start, offset in self._pages():
            page = rows[start:]
            if self.max_results is not None:
                page = page[: max(0, self.max_results - self.yielded)]
            self._skip = offset + start + len(page)
            page = [row for row in page if row is not None]
            self.yielded += len(page)
            if page:
                yield page if self._convert is None else [self._convert(row) for row in page]

    def close(self) -> None:
        """Stop early: cancel the workers; the cursor stays valid."""
        self._shutdown()

    def __enter__(self) -> "FilterIterator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------ planning
    def _fetch_page(self, lo: Optional[int], hi: Optional[int], last: str) -> Tuple[List[Any], str]:
        return self._fetch(_with_interval(self._filter, lo, hi), last, self.page_size)

    def _plan(self) -> List[Tuple[Optional[int], Optional[int]]]:
        """The partitions still to read, in yield order, starting with the current."""
        if not self._resumed:
            return self._split(self._ulo, self._uhi)
        current = (self._lo, self._hi)
        rest: Optional[Tuple[Optional[int], Optional[int]]]
        if self._descending:
            rest = None if self._lo is None or self._lo == self._ulo else (self._ulo, self._lo)
        else:
            rest = None if self._hi is None or self._hi == self._uhi else (self._hi, self._uhi)
        return [current] + (self._split(*rest) if rest else [])

    def _split(self, lo: Optional[int], hi: Optional[int]) -> List[Tuple[Optional[int], Optional[int]]]:
        """Plan partitions for ``[lo, hi]``.

        Partitioning pays only when round trips are slow (a real network, or a service
        that works on many requests at once): a one-row probe faster than ``min_rtt``
        means the link is fast and the service is the bottleneck, so one cursor chain
        with prefetch is used. Otherwise partitions are sized from the row count to
        about ``depth`` pages each, so ``parallel`` workers keep pages flowing while
        memory stays at most ``2 * parallel * (depth + 1)`` pages.
        """
        parts: List[Tuple[Optional[int], Optional[int]]] = [(lo, hi)]
        if self.parallel > 1 and self._probe is not None:
            narrowed = _with_interval(self._filter, lo, hi)
            started = time.monotonic()
            first = self._probe(narrowed, False)
            rtt = time.monotonic() - started
            if first is not None and rtt >= self.min_rtt:
                last = self._probe(narrowed, True)
                total = self._count(narrowed) if self._count is not None else self.parallel * self.page_size
                per_partition = self.page_size * self._depth
                count = max(self.parallel, min(_MAX_PARTITIONS, -(-total // per_partition)))
                if last is not None and total > self.page_size:
                    a, b = sorted((self._row_time(first), self._row_time(last)))
                    parts = plan_partitions(lo, hi, a, b, count)
            LOGGER.debug("iteration plan: %d partition(s), probe %.1f ms", len(parts), rtt * 1000)
        self.partitions_planned = len(parts)
        return list(reversed(parts)) if self._descending else parts

    # ------------------------------------------------------------ consuming
    def _pages(self) -> Iterator[Tuple[List[Any], int, int]]:
        if self._started:
            raise ValueError("this iterator has already started; iterators are single use")
        self._started = True
        if self.done or self._limit_reached():
            return
        plan = self._plan()
        self._executor = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="viam-data-sync-page")
        started: List[_Partition] = []

        def start_next() -> None:
            index = len(started)
            if index < len(plan):
                lo, hi = plan[index]
                first_last = self._page_last if index == 0 and self._resumed else ""
                part = _Partition(lo, hi, first_last, self._depth + 1)
                started.append(part)
                assert self._executor is not None
                self._executor.submit(part.produce, self._fetch_page, self._expand, self._stop)

        window = 2 * self.parallel if len(plan) > 1 else 1
        try:
            for _ in range(min(window, len(plan))):
                start_next()
            for index in range(len(plan)):
                part = started[index]
                self._lo, self._hi = part.lo, part.hi
                if index > 0 or not self._resumed:
                    self._page_last, self._skip = "", 0
                while True:
                    item = part.pages.get()
                    if isinstance(item, BaseException):
                        raise item
                    page_last, chunk, next_last, end, offset, last_chunk = item
                    self._page_last = page_last
                    if last_chunk:
                        self.pages_fetched += 1
                    page_end = offset + len(chunk)
                    if self._skip >= page_end:
                        if not last_chunk:
                            continue  # yielded before the resume
                        if not end:
                            self._skip -= page_end  # the whole page was yielded before
                            continue
                    else:
                        yield chunk, self._skip - offset if self._skip > offset else 0, offset
                        if self._skip < page_end:
                            return  # stopped mid-page (max_results)
                    if not last_chunk:
                        continue
                    if end:
                        break
                    self._page_last, self._skip = next_last, 0
                start_next()
                if index + 1 < len(plan):
                    nlo, nhi = plan[index + 1]
                    self._lo, self._hi, self._page_last, self._skip = nlo, nhi, "", 0
            self.done = True
        finally:
            self._shutdown()

    def _limit_reached(self) -> bool:
        return self.max_results is not None and self.yielded >= self.max_results

    def _rows(self) -> Iterator[Any]:
        convert = self._convert
        for rows, start, offset in self._pages():
            for index in range(start, len(rows)):
                if self._limit_reached():
                    return
                # Advance first: a stop now already excludes this row.
                self._skip = offset + index + 1
                row = rows[index]
                if row is None:
                    continue  # vanished between its metadata page and its body fetch
                self.yielded += 1
                yield row if convert is None else convert(row)

    def _shutdown(self) -> None:
        self._stop.set()
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def __del__(self) -> None:
        try:
            self._shutdown()
        except Exception:
            pass


class ExportIterator:
    """Rows of the ``ExportTabularData`` stream as they arrive, exactly once.

    The stream is ordered by capture time. When it breaks with a transient error, it is
    reopened from the capture time of the last row received (inclusive) and the rows
    already yielded at exactly that time are skipped, so nothing is lost or repeated.
    ``.cursor`` records the same position for a new iterator (``start_after=``).
    """

    kind = "export"

    def __init__(
        self,
        open_stream: Callable[[Optional[int]], Iterator[Any]],
        convert: Callable[[Any], Any],
        *,
        time_of: Callable[[Any], int],
        should_resume: Callable[[BaseException], bool],
        max_attempts: int = 5,
        backoff: Callable[[int], float] = lambda n: 0.0,
        sleep: Callable[[float], None] = lambda s: None,
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
        context: str = "",
    ) -> None:
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
        self._started = False
        self._stream: Optional[Iterator[Any]] = None

    @property
    def cursor(self) -> str:
        state: Dict[str, Any] = {"k": self.kind, "c": self._context, "t": self._last_ns, "n": self._same}
        if self.done:
            state["e"] = 1
        return encode_cursor(state)

    def __iter__(self) -> Iterator[Any]:
        if self._started:
            raise ValueError("this iterator has already started; iterators are single use")
        self._started = True
        return self._rows()

    def _rows(self) -> Iterator[Any]:
        failures = 0
        while not self.done:
            skip = self._same if self._last_ns is not None else 0
            stream = self._stream = self._open(self._last_ns)
            try:
                for message in stream:
                    t = self._time_of(message)
                    if skip and t == self._last_ns:
                        skip -= 1
                        continue
                    skip = 0
                    if self.max_results is not None and self.yielded >= self.max_results:
                        return
                    if t == self._last_ns:
                        self._same += 1
                    else:
                        self._last_ns, self._same = t, 1
                    failures = 0
                    self.yielded += 1
                    yield self._convert(message)
                self.done = True
            except Exception as exc:
                failures += 1
                if not self._should_resume(exc) or failures >= self._max_attempts:
                    raise
                self.reconnects += 1
                LOGGER.warning("export stream broke (%s); resuming after %s rows", exc, self.yielded)
                self._sleep(self._backoff(failures))
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
                self._stream = None

    def close(self) -> None:
        """Stop early: cancels the stream."""
        stream, self._stream = self._stream, None
        close = getattr(stream, "close", None)
        if close is not None:
            close()


class MqlIterator:
    """An MQL aggregation paged by keyset: ``pipeline + [$match key > last, $sort key,
    $limit n]`` per page, so results of any size arrive in bounded pages, exactly once.

    ``key`` must be unique and present in the pipeline's output (``_id`` by default).
    """

    kind = "mql"

    def __init__(
        self,
        run: Callable[[List[Dict[str, Any]]], List[Dict[str, Any]]],
        pipeline: Sequence[Dict[str, Any]],
        *,
        key: str = "_id",
        page_size: int = 1000,
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
        context: str = "",
    ) -> None:
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
        self._started = False

    @property
    def cursor(self) -> str:
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

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        if self._started:
            raise ValueError("this iterator has already started; iterators are single use")
        self._started = True
        return self._rows()

    def _rows(self) -> Iterator[Dict[str, Any]]:
        while not self.done:
            docs = self._run(self._page_pipeline())
            self.pages_fetched += 1
            for doc in docs:
                if self.key not in doc:
                    raise ValueError(f"pipeline output has no {self.key!r} field to page by (key=...)")
                if self.max_results is not None and self.yielded >= self.max_results:
                    return
                self._last, self._has_last = doc[self.key], True
                self.yielded += 1
                yield doc
            if len(docs) < self.page_size:
                self.done = True
