"""The page sources of the paged reads, and the iterators built on them.

A page source answers the one page shape of :mod:`viam_data_sync._pages`
(``fetch(PageRequest) -> Page``) with one call of the call layer, made from the request
builders of the tabular and binary chapters, and charged to the request's
:class:`~viam_data_sync._retry.PageBudget`:

* :class:`TabularSource` and :class:`BinarySource` (``TabularDataByFilter``,
  ``BinaryDataByFilter``; with ``size`` for ``count_only`` and, for binary, ``chunks``
  fetching file bodies by id) for the filter iterators, their worker threads and the
  planner of ``plan_tabular`` / ``plan_binary``;
* :class:`MqlSource` (``TabularDataByMQL`` by keyset) for ``iter_mql``, which
  incremental sync pages with too.

:func:`tabular_iterator`, :func:`binary_iterator` and :func:`mql_iterator` build the
iterators of ``iter_tabular`` / ``iter_binary`` / ``read_partition`` and ``iter_mql``.

Shared by the iteration and partitions chapters (module-level functions handed the
caller; neither calls the other's public methods).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import bson

from viam_data_sync._api.binary import binary_ids_request, binary_page_request
from viam_data_sync._api.tabular import decode_documents, mql_request, tabular_page_request, tabular_pairs, tabular_row
from viam_data_sync._call import Caller
from viam_data_sync._checks import check_text, filter_or_empty
from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._convert import timestamp_to_ns
from viam_data_sync._filter_iterator import BinaryIterator, TabularIterator
from viam_data_sync._halving import fetch_in_halves
from viam_data_sync._mql_iterator import MqlIterator
from viam_data_sync._pages import Page, PageRequest, Range
from viam_data_sync._pagination import keyset_token, keyset_value
from viam_data_sync._planning import interval_of, with_interval
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._retry import PageBudget
from viam_data_sync._rpcs import DataService
from viam_data_sync._defaults import BINARY_PAGE_SIZE, MQL_PAGE_SIZE, TABULAR_PAGE_SIZE

#: ``iter_tabular``'s default ``parallel``: ``None``, adapt (up to ``max_concurrency``).
DEFAULT_PARALLEL = None
#: ``iter_binary``: the most file bytes fetched in one request and held per partition.
DEFAULT_BYTE_BUDGET = 4 * 1024 * 1024

_ASC, _DESC = data_pb2.ORDER_ASCENDING, data_pb2.ORDER_DESCENDING


class _FilterSource:
    """A filter query (``TabularDataByFilter``, ``BinaryDataByFilter``) as a
    :class:`~viam_data_sync._pages.FilterPageSource`: each :meth:`fetch` is one call of
    the call layer, narrowed to the request's time partition and charged to its budget."""

    def __init__(self, caller: Caller, filter: Optional[data_pb2.Filter], *, descending: bool = False,
                 include_internal_data: bool = False, timeout: Any = USE_CLIENT_DEFAULT) -> None:
        self._caller = caller
        self._filter = filter_or_empty(filter)
        self._include_internal_data = include_internal_data
        self._timeout = timeout
        self.descending = descending
        self.interval: Range = interval_of(self._filter)
        self.identity = self._filter.SerializeToString(deterministic=True)

    def _call(self, narrowed: data_pb2.Filter, last: Optional[str], limit: Optional[int], order: Optional[int],
              count_only: bool, budget: Optional[PageBudget]) -> Any:
        raise NotImplementedError

    def _rows(self, response: Any) -> List[Any]:
        raise NotImplementedError

    def fetch(self, request: PageRequest) -> Page:
        """One page of raw rows (converted on the consuming thread, overlapping the
        conversion of one page with the fetch of the next)."""
        newest_first = self.descending if request.newest_first is None else request.newest_first
        response = self._call(with_interval(self._filter, request.lo, request.hi), request.last or None,
                              request.limit, _DESC if newest_first else _ASC, False, request.budget)
        return Page(self._rows(response), response.last)

    def size(self, lo: Optional[int], hi: Optional[int]) -> Tuple[int, int]:
        response = self._call(with_interval(self._filter, lo, hi), None, None, None, True, None)
        return int(response.count), int(response.total_size_bytes)

    def chunks(self, rows: List[Any]) -> Iterator[List[Any]]:
        return iter([rows])


class TabularSource(_FilterSource):
    """``TabularDataByFilter``: raw rows are ``(item, capture_metadata)`` pairs,
    converted by ``tabular_row``."""

    def _call(self, narrowed: data_pb2.Filter, last: Optional[str], limit: Optional[int], order: Optional[int],
              count_only: bool, budget: Optional[PageBudget]) -> data_pb2.TabularDataByFilterResponse:
        request = tabular_page_request(narrowed, limit, order, last, count_only, self._include_internal_data)
        return self._caller.call(DataService.TabularDataByFilter, request, timeout=self._timeout, budget=budget)

    def _rows(self, response: Any) -> List[Any]:
        return tabular_pairs(response)

    def row_time(self, row: Any) -> int:
        return timestamp_to_ns(row[0].time_received)


class BinarySource(_FilterSource):
    """``BinaryDataByFilter`` (metadata), and with ``byte_budget`` the file bodies by id
    (``BinaryDataByIDs``), a budget of bytes at a time (:meth:`chunks`)."""

    def __init__(self, caller: Caller, filter: Optional[data_pb2.Filter], *, byte_budget: Optional[int] = None,
                 **options: Any) -> None:
        super().__init__(caller, filter, **options)
        self._byte_budget = byte_budget

    def _call(self, narrowed: data_pb2.Filter, last: Optional[str], limit: Optional[int], order: Optional[int],
              count_only: bool, budget: Optional[PageBudget]) -> data_pb2.BinaryDataByFilterResponse:
        request = binary_page_request(narrowed, limit, order, last, False, count_only, self._include_internal_data)
        return self._caller.call(DataService.BinaryDataByFilter, request, timeout=self._timeout, budget=budget)

    def _rows(self, response: Any) -> List[Any]:
        return list(response.data)

    def row_time(self, row: Any) -> int:
        return timestamp_to_ns(row.metadata.time_received)

    def _bodies(self, group: List[Any]) -> Dict[str, Any]:
        def fetch(part: List[Any]) -> Dict[str, Any]:
            request = binary_ids_request([row.metadata.binary_data_id for row in part], True)
            items = self._caller.call(DataService.BinaryDataByIDs, request, timeout=self._timeout).data
            return {item.metadata.binary_data_id: item for item in items}

        return fetch_in_halves(fetch, group)  # over a message-size limit: halved

    def chunks(self, rows: List[Any]) -> Iterator[List[Any]]:
        """Without a byte budget, the page; with one, its items with their bytes, one
        ``byte_budget`` group at a time (the next group is fetched while this one is
        consumed)."""
        if self._byte_budget is None:
            yield rows
            return
        groups: List[List[Any]] = [[]]
        size = 0
        for row in rows:
            row_size = int(row.metadata.file_size_bytes)
            if groups[-1] and size + row_size > self._byte_budget:
                groups.append([])
                size = 0
            groups[-1].append(row)
            size += row_size
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="viam-data-sync-bodies") as pool:
            pending = pool.submit(self._bodies, groups[0])
            for index, group in enumerate(groups):
                bodies = pending.result()
                if index + 1 < len(groups):
                    pending = pool.submit(self._bodies, groups[index + 1])
                # None marks an item deleted since its metadata page was read.
                yield [bodies.get(row.metadata.binary_data_id) for row in group]


class MqlSource:
    """``TabularDataByMQL`` as a :class:`~viam_data_sync._pages.KeysetPageSource`: a
    page is ``pipeline + [$match key > last, $sort key, $limit n]``."""

    def __init__(self, caller: Caller, organization_id: str, pipeline: Sequence[Union[Dict[str, Any], bytes]], *,
                 key: str = "_id", timeout: Any = USE_CLIENT_DEFAULT) -> None:
        check_text("organization_id", organization_id)
        stages = [bson.decode(s) if isinstance(s, (bytes, bytearray)) else s for s in pipeline]
        if not isinstance(key, str) or not key:
            raise ValueError("key must be a non-empty field name")
        if not isinstance(pipeline, (list, tuple)) or not all(isinstance(s, dict) for s in stages):
            raise TypeError("pipeline must be a list of stage dicts")
        self._caller = caller
        self._organization_id = organization_id
        self._pipeline: List[Dict[str, Any]] = stages
        self._timeout = timeout
        self.key = key
        self.identity = bson.encode({"p": stages})

    def _page_pipeline(self, last: str, limit: int) -> List[Dict[str, Any]]:
        keyset = [{self.key: {"$gt": keyset_value(last)}}] if last else []
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
        stages.append({"$limit": limit})
        return stages

    def fetch(self, request: PageRequest) -> Page:
        query = mql_request(self._organization_id, self._page_pipeline(request.last, request.limit))
        response = self._caller.call(DataService.TabularDataByMQL, query, timeout=self._timeout,
                                     budget=request.budget)
        docs = decode_documents(response.raw_data)
        last = keyset_token(docs[-1][self.key]) if docs and self.key in docs[-1] else request.last
        return Page(docs, last)


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
    source = TabularSource(caller, filter, descending=sort_order == _DESC,
                           include_internal_data=include_internal_data, timeout=timeout)
    return TabularIterator(
        source, page_size=page_size, parallel=parallel, depth=4, start_after=start_after, max_results=max_results,
        convert=tabular_row, context=f"tabular:{include_internal_data}", max_concurrency=max_concurrency,
        clock=caller.clock,
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
    source = BinarySource(caller, filter, byte_budget=byte_budget if include_binary_data else None,
                          descending=sort_order == _DESC, include_internal_data=include_internal_data,
                          timeout=timeout)
    return BinaryIterator(
        source, page_size=page_size, parallel=parallel, depth=1, start_after=start_after, max_results=max_results,
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
    return MqlIterator(MqlSource(caller, organization_id, pipeline, key=key, timeout=timeout),
                       page_size=page_size, start_after=start_after, max_results=max_results,
                       context=organization_id)
