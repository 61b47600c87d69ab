"""Time-partition planning: cut a filter's time range into disjoint ranges from cheap
calls (one-row probes and ``count_only`` counts), never by reading the data.

One planner serves two callers: the filter iterators
(:mod:`viam_data_sync._filter_iterator`), which split a query into partitions fetched
at once by worker threads (:func:`iteration_plan`), and :meth:`DataClient.plan_tabular` / ``plan_binary``, which
hand partitions to other processes (:func:`counted_ranges`, which starts from the same
even split and then balances it with counts). Both ask the query's
:class:`~viam_data_sync._pages.FilterPageSource`: one-row probes through its one
``fetch`` shape, counts through ``size``.

Ranges are half-open, ``[lo, hi)`` in nanoseconds (``None`` for an open end). The first
range starts where the caller's interval starts, the last ends where it ends, and inner
boundaries sit on odd nanosecond offsets (:func:`boundary_after`) that no real capture
time is expected to hit, so every row belongs to exactly one range whether the
service's interval end is inclusive or not.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple

from viam_data_sync._convert import ns_to_timestamp, timestamp_to_ns
from viam_data_sync._pages import FilterPageSource, Range, probe
from viam_data_sync._proto.app.data.v1 import data_pb2

_INNER_BOUNDARY_OFFSET_NS = 777  # odd offset: boundaries never sit on round times
#: The most partitions one plan (or one iterator) makes.
MAX_PARTITIONS = 4096


def interval_of(filter_: data_pb2.Filter) -> Range:
    """The filter's interval as a range (``None`` for an open end)."""
    if not filter_.HasField("interval"):
        return None, None
    lo = timestamp_to_ns(filter_.interval.start) if filter_.interval.HasField("start") else None
    hi = timestamp_to_ns(filter_.interval.end) if filter_.interval.HasField("end") else None
    return lo, hi


def with_interval(filter_: data_pb2.Filter, lo: Optional[int], hi: Optional[int]) -> data_pb2.Filter:
    """A copy of ``filter_`` whose interval is ``[lo, hi)`` (``None``: open)."""
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


def boundary_after(ns: float) -> int:
    """A boundary near ``ns``: its microsecond plus an odd 777 ns."""
    return (int(ns) // 1000) * 1000 + _INNER_BOUNDARY_OFFSET_NS


def plan_partitions(
    lo: Optional[int], hi: Optional[int], first_ns: int, last_ns: int, count: int
) -> List[Range]:
    """Split ``[lo, hi]`` into ``count`` disjoint ranges whose inner boundaries are
    spread evenly over the data's observed span ``[first_ns, last_ns]``."""
    if count <= 1 or last_ns <= first_ns:
        return [(lo, hi)]
    step = (last_ns - first_ns) / count
    inner: List[int] = []
    for k in range(1, count):
        b = boundary_after(first_ns + k * step)
        if (lo is None or b > lo) and (hi is None or b < hi) and (not inner or b > inner[-1]):
            inner.append(b)
    bounds: List[Optional[int]] = [lo, *inner, hi]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def partition_count(total: int, target_rows: int, minimum: int = 1, maximum: int = MAX_PARTITIONS) -> int:
    """How many partitions of about ``target_rows`` rows ``total`` rows make, within
    ``[minimum, maximum]``."""
    return max(minimum, min(maximum, -(-total // max(1, target_rows))))


def even_ranges(lo: Optional[int], hi: Optional[int], first: Any, last: Any, row_time: Callable[[Any], int],
                count: int) -> List[Range]:
    """``[lo, hi]`` cut into ``count`` ranges spread over the probed rows' span."""
    a, b = sorted((row_time(first), row_time(last)))
    return plan_partitions(lo, hi, a, b, count)


@dataclass(frozen=True)
class IterationPlan:
    """How an iterator reads ``[lo, hi]``: its ranges, and what decided them.

    Attributes:
        ranges: the partitions, oldest first.
        rtt: seconds the first probe took (``None``: no probe was sent).
        requests: planning RPCs sent (0 to 3: a probe, then a count and a second probe).
    """

    ranges: List[Range]
    rtt: Optional[float]
    requests: int


def iteration_plan(
    source: FilterPageSource, lo: Optional[int], hi: Optional[int], *, parallel: int, page_size: int,
    depth: int, min_rtt: float, monotonic: Callable[[], float],
) -> IterationPlan:
    """The partitions an iterator fetches at once, decided before its first page.

    Partitioning pays only when round trips are slow (a real network, or a service
    that works on many requests at once): a one-row probe faster than ``min_rtt``
    means the link is fast and the service is the bottleneck, so one cursor chain with
    prefetch is used (1 RPC spent). Otherwise the row count and the newest row are
    asked at once (2 more RPCs, one round trip) and partitions sized to about ``depth``
    pages each, at least ``parallel``, are spread over the rows' span
    (:func:`even_ranges`). With ``parallel == 1`` nothing is sent.
    """
    whole: List[Range] = [(lo, hi)]
    if parallel <= 1:
        return IterationPlan(whole, None, 0)
    started = monotonic()
    first = probe(source, lo, hi, False)
    rtt = monotonic() - started
    if first is None or rtt < min_rtt:
        return IterationPlan(whole, rtt, 1)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="viam-data-sync-plan") as pool:
        # The count and the newest row, at once: one round trip, not two.
        counted = pool.submit(source.size, lo, hi)
        last = probe(source, lo, hi, True)
        total = counted.result()[0]
    if last is None or total <= page_size:
        return IterationPlan(whole, rtt, 3)
    parts = partition_count(total, page_size * depth, minimum=parallel)
    return IterationPlan(even_ranges(lo, hi, first, last, source.row_time, parts), rtt, 3)


@dataclass(frozen=True)
class PlannedRange:
    """One range of a plan and what a count found in it."""

    lo: Optional[int]
    hi: Optional[int]
    rows: int
    bytes: int


def counted_ranges(
    source: FilterPageSource,
    lo: Optional[int],
    hi: Optional[int],
    *,
    target_rows: int,
    max_partitions: int,
    target_bytes: Optional[int] = None,
) -> List[PlannedRange]:
    """Plan ``[lo, hi)`` into ranges of about ``target_rows`` rows, from counts.

    * An open end is pinned first: ``hi=None`` becomes a boundary just after the newest
      row, so the plan is a fixed window and data arriving later (newer) is not part
      of it. With no row at all, the one range ``[lo, hi)`` is returned as given.
    * The span between the oldest and newest row is cut evenly
      (:func:`plan_partitions`, as the iterators do) and each range counted; a range
      holding more than 1.5 x ``target_rows`` is bisected (one more count each) while
      the plan has fewer than ``max_partitions`` ranges; then neighbours whose rows add
      up to at most ``target_rows`` are merged, so empty stretches cost nothing.
    * With ``target_bytes``, bytes count as rows do: a range is large when it holds
      over 1.5 x either target, and neighbours merge only within both.

    The ranges are disjoint and cover ``[lo, hi)`` (pinned) exactly, in time order.
    """
    count = source.size
    first = probe(source, lo, hi, False)
    if first is None:
        rows, size = count(lo, hi)
        return [PlannedRange(lo, hi, rows, size)]
    last = probe(source, lo, hi, True)
    first_ns = source.row_time(first)
    last_ns = source.row_time(last) if last is not None else first_ns
    if hi is None:
        hi = boundary_after(last_ns + 1000)  # after the newest row's microsecond
    total, total_bytes = count(lo, hi)
    wanted = partition_count(total, target_rows, 1, max_partitions)
    if target_bytes:
        wanted = max(wanted, partition_count(total_bytes, target_bytes, 1, max_partitions))
    ranges = plan_partitions(lo, hi, first_ns, last_ns, wanted)
    planned = [PlannedRange(a, b, *count(a, b)) for a, b in ranges]
    limits = _Limits(target_rows, target_bytes)
    planned = _bisect_large(planned, count, first_ns, last_ns, limits, max_partitions)
    return _merge_small(planned, limits)


@dataclass(frozen=True)
class _Limits:
    rows: int
    bytes: Optional[int]

    def large(self, p: PlannedRange) -> bool:
        return p.rows > 1.5 * self.rows or (self.bytes is not None and p.bytes > 1.5 * self.bytes)

    def fits(self, rows: int, size: int) -> bool:
        return rows <= self.rows and (self.bytes is None or size <= self.bytes)


def _bisect_large(planned: List[PlannedRange], count: Callable[[Optional[int], Optional[int]], Tuple[int, int]], first_ns: int, last_ns: int,
                  limits: _Limits, max_partitions: int) -> List[PlannedRange]:
    """Halve (in time) the ranges holding over 1.5 x target, largest first, within a
    budget of counts (a range whose rows share one instant cannot be split)."""
    result = list(planned)
    done: set[Range] = set()
    budget = 4 * max_partitions
    while len(result) < max_partitions and budget > 0:
        candidates = [p for p in result if limits.large(p) and (p.lo, p.hi) not in done]
        if not candidates:
            break
        big = max(candidates, key=lambda p: (p.rows, p.bytes))
        a = first_ns if big.lo is None else max(big.lo, first_ns)
        b = last_ns if big.hi is None else min(big.hi, last_ns)
        mid = boundary_after((a + b) / 2)
        if b - a < 2000 or not ((big.lo is None or mid > big.lo) and (big.hi is None or mid < big.hi)):
            done.add((big.lo, big.hi))
            continue
        budget -= 1
        left = PlannedRange(big.lo, mid, *count(big.lo, mid))
        right = PlannedRange(mid, big.hi, max(0, big.rows - left.rows), max(0, big.bytes - left.bytes))
        index = result.index(big)
        result[index:index + 1] = [left, right]
    return result


def _merge_small(planned: List[PlannedRange], limits: _Limits) -> List[PlannedRange]:
    merged: List[PlannedRange] = []
    for p in planned:
        if merged and limits.fits(merged[-1].rows + p.rows, merged[-1].bytes + p.bytes):
            prev = merged[-1]
            merged[-1] = PlannedRange(prev.lo, p.hi, prev.rows + p.rows, prev.bytes + p.bytes)
        else:
            merged.append(p)
    return merged
