"""Page sources of the filter queries, and the iterators built on them.

A :class:`FilterSource` is what the iterators and the planner need of
``TabularDataByFilter`` or ``BinaryDataByFilter``: ``fetch`` (one page), ``probe`` (the
oldest or newest row), ``count`` (``count_only``) and ``row_time`` (the time key), each
made from the request builders of the tabular and binary chapters and the one call
path. :func:`tabular_iterator` and :func:`binary_iterator` build the iterators of
``iter_tabular`` / ``iter_binary`` and ``read_partition`` from them; the planner of
``plan_tabular`` / ``plan_binary`` uses the same probes and counts;
:func:`mql_iterator` builds ``iter_mql``'s, which incremental sync pages with too.

Shared by the iteration and partitions chapters (module-level functions handed the
caller; neither calls the other's public methods).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import bson

from viam_data_sync._api.binary import binary_ids_request, binary_page_request
from viam_data_sync._api.tabular import decode_documents, mql_request, tabular_page_request, tabular_pairs, tabular_row
from viam_data_sync._call import Caller
from viam_data_sync._checks import check_text, filter_or_empty
from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._convert import timestamp_to_ns
from viam_data_sync._iterators import BinaryIterator, MqlIterator, TabularIterator
from viam_data_sync._planning import with_interval
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._halving import fetch_in_halves
from viam_data_sync._rpcs import DataService
from viam_data_sync._defaults import BINARY_PAGE_SIZE, MQL_PAGE_SIZE, TABULAR_PAGE_SIZE

#: ``iter_tabular``'s default ``parallel``: ``None``, adapt (up to ``max_concurrency``).
DEFAULT_PARALLEL = None
#: ``iter_binary``: the most file bytes fetched in one request and held per partition.
DEFAULT_BYTE_BUDGET = 4 * 1024 * 1024

_ASC, _DESC = data_pb2.ORDER_ASCENDING, data_pb2.ORDER_DESCENDING


@dataclass(frozen=True)
class FilterSource:
    """The calls a filter query is read and planned with."""

    #: ``fetch(filter, last, limit, order=None) -> (raw rows, next last)``.
    fetch: Callable[..., Tuple[List[Any], str]]
    #: ``size(filter) -> (rows, bytes)``: one ``count_only`` request.
    size: Callable[[data_pb2.Filter], Tuple[int, int]]
    #: ``row_time(raw row) -> ns``: the time key (``time_received``).
    row_time: Callable[[Any], int]

    def probe(self, narrowed: data_pb2.Filter, newest: bool) -> Optional[Any]:
        """The oldest (or newest) raw row of ``narrowed``, or ``None``."""
        rows, _ = self.fetch(narrowed, "", 1, _DESC if newest else _ASC)
        return rows[0] if rows else None

    def count(self, narrowed: data_pb2.Filter) -> int:
        return self.size(narrowed)[0]

    def range_probe(self, filter_: data_pb2.Filter) -> Callable[[Optional[int], Optional[int], bool], Any]:
        """``probe(lo, hi, newest)`` over ``filter_`` narrowed to ``[lo, hi)``."""
        return lambda lo, hi, newest: self.probe(with_interval(filter_, lo, hi), newest)

    def range_size(self, filter_: data_pb2.Filter) -> Callable[[Optional[int], Optional[int]], Tuple[int, int]]:
        """``size(lo, hi)`` over ``filter_`` narrowed to ``[lo, hi)``."""
        return lambda lo, hi: self.size(with_interval(filter_, lo, hi))


def tabular_source(caller: Caller, *, descending: bool = False, include_internal_data: bool = False,
                   timeout: Any = USE_CLIENT_DEFAULT) -> FilterSource:
    """``TabularDataByFilter`` as a :class:`FilterSource` (raw rows are
    ``(item, capture_metadata)`` pairs, converted by ``tabular_row``)."""

    def page(narrowed: Any, last: Optional[str], limit: Optional[int], order: Optional[int],
             count_only: bool) -> data_pb2.TabularDataByFilterResponse:
        request = tabular_page_request(narrowed, limit, order, last, count_only, include_internal_data)
        return caller.call(DataService.TabularDataByFilter, request, timeout=timeout)

    def fetch(narrowed: Any, last: str, limit: int, order: Optional[int] = None) -> Any:
        # Raw rows: converted to TabularData on the consuming thread, overlapping
        # the conversion of one page with the fetch of the next.
        response = page(narrowed, last or None, limit, order or (_DESC if descending else _ASC), False)
        return tabular_pairs(response), response.last

    def size(narrowed: Any) -> Tuple[int, int]:
        response = page(narrowed, None, None, None, True)
        return int(response.count), int(response.total_size_bytes)

    return FilterSource(fetch, size, lambda pair: timestamp_to_ns(pair[0].time_received))


def binary_source(caller: Caller, *, descending: bool = False, include_internal_data: bool = False,
                  timeout: Any = USE_CLIENT_DEFAULT) -> FilterSource:
    """``BinaryDataByFilter`` (metadata only) as a :class:`FilterSource`."""

    def page(narrowed: Any, last: Optional[str], limit: Optional[int], order: Optional[int],
             count_only: bool) -> data_pb2.BinaryDataByFilterResponse:
        request = binary_page_request(narrowed, limit, order, last, False, count_only, include_internal_data)
        return caller.call(DataService.BinaryDataByFilter, request, timeout=timeout)

    def fetch(narrowed: Any, last: str, limit: int, order: Optional[int] = None) -> Any:
        response = page(narrowed, last or None, limit, order or (_DESC if descending else _ASC), False)
        return list(response.data), response.last

    def size(narrowed: Any) -> Tuple[int, int]:
        response = page(narrowed, None, None, None, True)
        return int(response.count), int(response.total_size_bytes)

    return FilterSource(fetch, size, lambda item: timestamp_to_ns(item.metadata.time_received))


def tabular_iterator(
    caller: Caller,
    filter: Optional[data_pb2.Filter],
    *,
    page_size: int = TABULAR_PAGE_SIZE,
    sort_order: Optional[int] = None,
    start_after: Optional[str] = None,
    max_results: Optional[int] = None,
    parallel: Optional[int] = DEFAULT_PARALLEL,
    include_internal_data: bool = False,
    timeout: Any = USE_CLIENT_DEFAULT,
    max_concurrency: Optional[int] = None,
) -> TabularIterator:
    """The iterator of ``iter_tabular`` (see there for the arguments)."""
    filter_ = filter_or_empty(filter)
    descending = sort_order == _DESC
    source = tabular_source(caller, descending=descending, include_internal_data=include_internal_data,
                            timeout=timeout)
    return TabularIterator(
        source.fetch, filter_, row_time=source.row_time, page_size=page_size,
        descending=descending, parallel=parallel, depth=4, start_after=start_after, max_results=max_results,
        count=source.count, probe=source.probe, convert=tabular_row, context=f"tabular:{include_internal_data}",
        max_concurrency=max_concurrency, clock=caller.clock,
    )


def binary_iterator(
    caller: Caller,
    filter: Optional[data_pb2.Filter],
    *,
    include_binary_data: bool = True,
    page_size: int = BINARY_PAGE_SIZE,
    sort_order: Optional[int] = None,
    start_after: Optional[str] = None,
    max_results: Optional[int] = None,
    parallel: Optional[int] = 2,
    byte_budget: int = DEFAULT_BYTE_BUDGET,
    include_internal_data: bool = False,
    timeout: Any = USE_CLIENT_DEFAULT,
    max_concurrency: Optional[int] = None,
) -> BinaryIterator:
    """The iterator of ``iter_binary`` (see there for the arguments)."""
    if byte_budget <= 0:
        raise ValueError("byte_budget must be > 0")
    filter_ = filter_or_empty(filter)
    descending = sort_order == _DESC
    source = binary_source(caller, descending=descending, include_internal_data=include_internal_data,
                           timeout=timeout)

    def fetch_bodies(group: List[Any]) -> Dict[str, Any]:
        request = binary_ids_request([row.metadata.binary_data_id for row in group], True)
        items = caller.call(DataService.BinaryDataByIDs, request, timeout=timeout).data
        return {item.metadata.binary_data_id: item for item in items}

    def bodies_of(group: List[Any]) -> Dict[str, Any]:
        return fetch_in_halves(fetch_bodies, group)  # over a message-size limit: halved

    def with_bodies(rows: List[Any]) -> Iterator[List[Any]]:
        """The page's items with their bytes, one ``byte_budget`` group at a time
        (the next group is fetched while this one is consumed)."""
        groups: List[List[Any]] = [[]]
        size = 0
        for row in rows:
            row_size = int(row.metadata.file_size_bytes)
            if groups[-1] and size + row_size > byte_budget:
                groups.append([])
                size = 0
            groups[-1].append(row)
            size += row_size
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="viam-data-sync-bodies") as pool:
            pending = pool.submit(bodies_of, groups[0])
            for index, group in enumerate(groups):
                bodies = pending.result()
                if index + 1 < len(groups):
                    pending = pool.submit(bodies_of, groups[index + 1])
                # None marks an item deleted since its metadata page was read.
                yield [bodies.get(row.metadata.binary_data_id) for row in group]

    return BinaryIterator(
        source.fetch, filter_, row_time=source.row_time,
        page_size=page_size, descending=descending, parallel=parallel, depth=1,
        start_after=start_after, max_results=max_results, count=source.count, probe=source.probe,
        expand=with_bodies if include_binary_data else None,
        context=f"binary:{include_internal_data}", max_concurrency=max_concurrency, clock=caller.clock,
    )


def mql_iterator(
    caller: Caller,
    organization_id: str,
    pipeline: Sequence[Union[Dict[str, Any], bytes]],
    *,
    page_size: int = MQL_PAGE_SIZE,
    key: str = "_id",
    start_after: Optional[str] = None,
    max_results: Optional[int] = None,
    timeout: Any = USE_CLIENT_DEFAULT,
) -> MqlIterator:
    """The iterator of ``iter_mql`` (see there for the arguments)."""
    check_text("organization_id", organization_id)
    stages = [bson.decode(s) if isinstance(s, (bytes, bytearray)) else s for s in pipeline]

    def run(page_pipeline: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        request = mql_request(organization_id, page_pipeline)
        return decode_documents(caller.call(DataService.TabularDataByMQL, request, timeout=timeout).raw_data)

    return MqlIterator(run, stages, key=key, page_size=page_size, start_after=start_after,
                       max_results=max_results, context=organization_id)
