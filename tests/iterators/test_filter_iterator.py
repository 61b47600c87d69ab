"""The partitioned, resumable filter iterator against an in-process model of the
service's paging (interval filter, cursor, sort order), handed to it as a page source
(``fetch(PageRequest) -> Page``, the one shape every paged read uses). The same iterator against the
real local server over loopback is tested in test_iter_server.py."""
from __future__ import annotations

import random
import threading

import pytest

from viam_data_sync._convert import ns_to_timestamp, timestamp_to_ns
from viam_data_sync._iterators import FilterIterator
from viam_data_sync._pages import Page, PageRequest
from viam_data_sync._planning import interval_of, plan_partitions, with_interval
from viam_data_sync._proto.app.data.v1 import data_pb2


class Model:
    """Rows (id, t) sorted by (t, id); interval [start, end) or [start, end]; cursor = last id."""

    def __init__(self, times, inclusive_end=False, fail_every=0):
        self.rows = sorted(((t, i) for i, t in enumerate(times)))
        self.inclusive_end = inclusive_end
        self.calls = 0
        self.fail_every = fail_every
        self.lock = threading.Lock()

    def _select(self, filter_, descending):
        rows = self.rows
        if filter_.HasField("interval"):
            iv = filter_.interval
            lo = timestamp_to_ns(iv.start) if iv.HasField("start") else None
            hi = timestamp_to_ns(iv.end) if iv.HasField("end") else None
            rows = [r for r in rows if (lo is None or r[0] >= lo)
                    and (hi is None or (r[0] <= hi if self.inclusive_end else r[0] < hi))]
        return list(reversed(rows)) if descending else rows

    def fetch(self, filter_, descending, last, limit):
        with self.lock:
            self.calls += 1
            if self.fail_every and self.calls % self.fail_every == 0:
                raise ConnectionError("injected")
        rows = self._select(filter_, descending)
        if last:
            pos = next(k for k, r in enumerate(rows) if repr(r) == last) + 1
            rows = rows[pos:]
        page = rows[:limit]
        return page, (repr(page[-1]) if page else "")


class ModelSource:
    """The model as a ``FilterPageSource``."""

    def __init__(self, model, filter_, descending, expand=None):
        self.model, self.filter, self.descending, self.expand = model, filter_, descending, expand
        self.interval = interval_of(filter_)
        self.identity = filter_.SerializeToString(deterministic=True)

    def fetch(self, request: PageRequest) -> Page:
        newest = self.descending if request.newest_first is None else request.newest_first
        rows, last = self.model.fetch(with_interval(self.filter, request.lo, request.hi), newest, request.last,
                                      request.limit)
        return Page(rows, last)

    def size(self, lo, hi):
        return len(self.model._select(with_interval(self.filter, lo, hi), False)), 0

    def row_time(self, row):
        return row[0]

    def chunks(self, rows):
        return self.expand(rows) if self.expand is not None else iter([rows])


def make(model, descending=False, filter_=None, expand=None, **kw):
    kw.setdefault("min_rtt", 0.0)  # the model answers instantly: partition anyway
    source = ModelSource(model, filter_ or data_pb2.Filter(), descending, expand)
    return FilterIterator(source, page_size=kw.pop("page_size", 7), **kw)


TIMES = [1_000_000_000 + random.Random(3).randrange(0, 10**12) for _ in range(500)] + [5_000_000_000] * 20


@pytest.mark.parametrize("parallel", [1, 3])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("inclusive_end", [False, True])
def test_every_row_exactly_once(parallel, descending, inclusive_end):
    model = Model(TIMES, inclusive_end=inclusive_end)
    got = list(make(model, descending, parallel=parallel))
    assert sorted(got) == model.rows
    assert len(set(got)) == len(got)
    if parallel == 1:
        assert got == (list(reversed(model.rows)) if descending else model.rows)


@pytest.mark.parametrize("parallel", [1, 4])
@pytest.mark.parametrize("descending", [False, True])
def test_resume_from_any_point_yields_exactly_the_rest(parallel, descending):
    model = Model(TIMES)
    for stop_at in (0, 1, 6, 7, 8, 250, 519):
        first = make(model, descending, parallel=parallel)
        rows = iter(first)
        taken = [next(rows) for _ in range(stop_at)]
        cursor = first.cursor
        first.close()
        rest = list(make(model, descending, parallel=parallel, start_after=cursor, page_size=5))
        assert sorted(taken + rest) == model.rows, stop_at
        assert len(set(taken + rest)) == len(model.rows)


def test_interval_respected_and_partitions_stay_inside():
    model = Model(TIMES)
    lo, hi = 200_000_000_000, 700_000_000_000
    f = data_pb2.Filter(interval=data_pb2.CaptureInterval(start=ns_to_timestamp(lo), end=ns_to_timestamp(hi)))
    got = list(make(model, filter_=f, parallel=4))
    assert sorted(got) == [r for r in model.rows if lo <= r[0] < hi]


def test_max_results_then_resume():
    model = Model(TIMES)
    it = make(model, parallel=2, max_results=100)
    head = list(it)
    assert len(head) == 100 and not it.done
    tail = list(make(model, parallel=2, start_after=it.cursor))
    assert sorted(head + tail) == model.rows


def test_done_cursor_yields_nothing_and_pages_api():
    model = Model(TIMES)
    it = make(model, parallel=2)
    pages = list(it.iter_pages())
    assert sum(map(len, pages)) == len(model.rows) and it.done
    assert list(make(model, start_after=it.cursor, parallel=2)) == []


def test_cursor_from_another_query_is_refused():
    model = Model(TIMES)
    it = make(model)
    next(iter(it))
    with pytest.raises(ValueError, match="different query"):
        make(model, filter_=data_pb2.Filter(component_name="x"), start_after=it.cursor)
    with pytest.raises(ValueError):
        make(model, start_after="garbage")


def test_single_use_and_early_break_stops_workers():
    model = Model(TIMES)
    it = make(model, parallel=3)
    for _ in it:
        break
    it.close()  # a for loop does not close a real iterator; close() stops the workers
    assert it._executor is None
    assert not [t for t in threading.enumerate() if t.name.startswith("viam-data-sync-page")]
    with pytest.raises(ValueError, match="single use"):
        list(it)


def test_page_failure_surfaces_and_cursor_resumes_exactly():
    model = Model(TIMES, fail_every=9)
    taken = []
    cursor = None
    for _ in range(200):
        it = make(model, parallel=2, start_after=cursor)
        try:
            for row in it:
                taken.append(row)
            break
        except ConnectionError:
            cursor = it.cursor
    assert sorted(taken) == model.rows and len(set(taken)) == len(taken)


def test_partitions_sized_from_count_and_skipped_on_fast_links():
    model = Model(TIMES)
    it = make(model, parallel=3, page_size=10)
    assert len(list(it)) == len(model.rows)
    assert it.partitions == -(-len(model.rows) // (10 * 2))  # about `depth` pages each
    fast = make(model, parallel=3, min_rtt=10.0)  # probes answer faster than 10 s
    assert len(list(fast)) == len(model.rows) and fast.partitions == 1


def test_plan_partitions_is_disjoint_and_covering():
    parts = plan_partitions(None, None, 10_000, 90_000_000, 8)
    assert parts[0][0] is None and parts[-1][1] is None
    for (a, b), (c, d) in zip(parts, parts[1:]):
        assert b == c and b % 1000 == 777
    assert plan_partitions(5, 6, 7, 7, 4) == [(5, 6)]


def _chunked(rows):
    """Chunks of 3, with rows whose id is a multiple of 17 gone (deleted mid-way)."""
    for start in range(0, len(rows), 3):
        yield [None if r[1] % 17 == 0 else r for r in rows[start:start + 3]]


@pytest.mark.parametrize("parallel", [1, 3])
def test_expanded_pages_resume_exactly_at_any_row(parallel):
    model = Model(TIMES)
    expected = [r for r in model.rows if r[1] % 17]
    whole = list(make(model, parallel=parallel, expand=_chunked))
    assert sorted(whole) == expected
    for stop_at in (0, 1, 2, 3, 4, 5, 50, len(expected) - 1):
        first = make(model, parallel=parallel, expand=_chunked)
        rows = iter(first)
        taken = [next(rows) for _ in range(stop_at)]
        cursor = first.cursor
        first.close()
        rest = list(make(model, parallel=parallel, expand=_chunked, start_after=cursor, page_size=4))
        assert sorted(taken + rest) == expected, stop_at
        assert len(taken) + len(rest) == len(expected)


def test_expanded_chunks_are_queued_one_by_one():
    model = Model(TIMES)
    it = make(model, expand=_chunked, page_size=9)
    pages = list(it.iter_pages())
    assert max(len(p) for p in pages) <= 3  # a chunk, never a whole page
    assert sorted(r for p in pages for r in p) == [r for r in model.rows if r[1] % 17]


def test_adaptive_iteration_crosses_a_run_of_empty_partitions():
    """Rows at both ends of a long span: the partitions in between are empty. Adaptive
    mode (parallel=None) used to step past them onto a partition it had not started,
    and failed with IndexError."""
    times = list(range(0, 100_000, 1000)) + [10**12 + k * 1000 for k in range(100)]
    model = Model(times)
    it = make(model, parallel=None, max_concurrency=2)
    got = [row[0] for row in it]
    assert got == sorted(times)
    assert it.partitions > 4
