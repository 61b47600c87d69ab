"""One page of a paged read: what is asked (:class:`PageRequest`), what comes back
(:class:`Page`), and what answers (:class:`PageSource`).

This is the one shape in which every paged read fetches a page, from the iterators
down to the call layer. A chapter of the client builds the source from the call layer
(``_api/sources.py``: ``TabularSource``, ``BinarySource``, ``MqlSource``); the
iterators, the planner and the page workers are handed that object and call
``source.fetch(request)``. Data goes down as a request and comes back up as a page;
nothing below calls back into the iterator or the client.

Example::

    page = source.fetch(PageRequest(limit=100, lo=start_ns, hi=end_ns))
    more = source.fetch(PageRequest(limit=100, lo=start_ns, hi=end_ns, last=page.last))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, List, Optional, Protocol, Tuple

from viam_data_sync._retry import PageBudget

#: A time range in nanoseconds, ``[lo, hi)``; ``None`` for an open end.
Range = Tuple[Optional[int], Optional[int]]


@dataclass(frozen=True)
class PageRequest:
    """One page to fetch.

    Attributes:
        limit: the most rows.
        last: the position the page starts after: the service's cursor (filter
            queries) or the source's keyset token (MQL); ``""`` for the first page.
        lo: the start of the time partition read (ns; ``None``: the query's own).
        hi: the end of the time partition read (ns, exclusive; ``None``: the query's own).
        newest_first: the order, when not the query's own (a one-row probe of the
            newest row).
        budget: the RPCs this page may still cost; every RPC sent for it draws one
            (``None``: only the call's own attempts bound it).
    """

    limit: int
    last: str = ""
    lo: Optional[int] = None
    hi: Optional[int] = None
    newest_first: Optional[bool] = None
    budget: Optional[PageBudget] = None


@dataclass(frozen=True)
class Page:
    """One page of raw rows (converted by the iterator, on the consuming thread).

    Attributes:
        rows: the rows, in the query's order.
        last: the position after ``rows``, for the next :class:`PageRequest`.
    """

    rows: List[Any]
    last: str

    def is_last(self, request: PageRequest) -> bool:
        """Nothing follows this page: it is empty, or the position did not move."""
        return not self.rows or not self.last or self.last == request.last


class PageSource(Protocol):
    """What a paged read is fetched from: one page per :meth:`fetch`."""

    def fetch(self, request: PageRequest) -> Page:
        """One page: one call through the call layer, charged to ``request.budget``."""
        ...


class FilterPageSource(PageSource, Protocol):
    """A filter query's pages (``TabularDataByFilter``, ``BinaryDataByFilter``), read
    and planned by time partitions.

    Attributes:
        interval: the query's own time range.
        descending: the query's order is newest first.
        identity: bytes naming the query (for resume tokens).
    """

    interval: Range
    descending: bool
    identity: bytes

    def size(self, lo: Optional[int], hi: Optional[int]) -> Tuple[int, int]:
        """``(rows, bytes)`` in ``[lo, hi)``: one ``count_only`` call."""
        ...

    def row_time(self, row: Any) -> int:
        """The time a raw row is ordered and partitioned by (ns)."""
        ...

    def chunks(self, rows: List[Any]) -> Iterator[List[Any]]:
        """A page's rows as the chunks to queue: the rows themselves, or rows with
        more fetched for them (file bodies, a byte budget at a time; ``None`` for a row
        that vanished)."""
        ...


class KeysetPageSource(PageSource, Protocol):
    """An MQL aggregation's pages, by keyset: ``request.last`` is a
    :func:`~viam_data_sync._pagination.keyset_token` of the last key read (``lo`` and
    ``hi`` do not apply).

    Attributes:
        key: the unique field of the output documents pages are ordered by.
        identity: bytes naming the pipeline (for resume tokens).
    """

    key: str
    identity: bytes


class StreamSource(Protocol):
    """A server stream read from a capture time (``ExportTabularData``): not pages, but
    handed to its iterator the same way, as one object the chapter builds from the call
    layer. The iterator decides where to reopen; the source makes the calls.

    Attributes:
        max_attempts: broken streams in a row (without a new row) before the error is raised.
        identity: what names the stream (for resume tokens).
    """

    max_attempts: int
    identity: str

    def open(self, from_ns: Optional[int]) -> Iterator[Any]:
        """The stream's messages from capture time ``from_ns`` (inclusive; ``None``:
        its own start): one call through the call layer."""
        ...

    def time_of(self, message: Any) -> int:
        """A message's capture time (ns), which orders the stream."""
        ...

    def convert(self, message: Any) -> Any:
        """A message as the row the iterator yields."""
        ...

    def resumable(self, error: BaseException) -> bool:
        """Whether a stream that broke with ``error`` may be reopened."""
        ...

    def pause(self, failures: int) -> None:
        """Wait before reopening after ``failures`` broken streams in a row."""
        ...


def probe(source: FilterPageSource, lo: Optional[int], hi: Optional[int], newest: bool) -> Optional[Any]:
    """The oldest (or newest) raw row of ``source`` in ``[lo, hi)``, or ``None``."""
    rows = source.fetch(PageRequest(limit=1, lo=lo, hi=hi, newest_first=newest)).rows
    return rows[0] if rows else None


__all__ = ["FilterPageSource", "KeysetPageSource", "Page", "PageRequest", "PageSource", "Range", "StreamSource", "probe"]
