"""Iteration: every row of a query, exactly once, resumable, in constant memory.

What sync users need and the official SDK does not give them: ``iter_tabular``,
``iter_binary``, ``iter_export_tabular`` and ``iter_mql``. Each builds one of the
iterators of :mod:`viam_data_sync._iterators` and hands it page fetchers made from the
request builders of the tabular and binary chapters and the one call path; the
iterators never reach back into the client.

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

import datetime as _dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union

import bson

from viam_data_sync._api._base import ClientBase
from viam_data_sync._api.binary import binary_ids_request, binary_page_request
from viam_data_sync._api.tabular import decode_documents, export_points, mql_request, tabular_page_request, tabular_pairs, tabular_row
from viam_data_sync._checks import check_text, filter_or_empty
from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._convert import timestamp_to_ns
from viam_data_sync._errors import ResourceExhausted
from viam_data_sync._iterators import BinaryIterator, ExportIterator, MqlIterator, TabularIterator
from viam_data_sync._progress import RowProgressCallback, row_progress
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._retry import is_size_limit
from viam_data_sync._rpcs import DataService

#: Default rows per request; Viam's own CLI caps pages at 100 so requests do not time out.
DEFAULT_PAGE_SIZE = 100
#: Default time partitions fetched at once by ``iter_tabular``/``iter_binary``.
DEFAULT_PARALLEL = 4
#: ``iter_binary``: the most file bytes fetched in one request and held per partition.
DEFAULT_BYTE_BUDGET = 4 * 1024 * 1024

_ASC, _DESC = data_pb2.ORDER_ASCENDING, data_pb2.ORDER_DESCENDING


class Iteration(ClientBase):
    """``iter_tabular``, ``iter_binary``, ``iter_export_tabular``, ``iter_mql``."""

    def iter_tabular(
        self,
        filter: Optional[data_pb2.Filter] = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        sort_order: Optional[int] = None,
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
        parallel: int = DEFAULT_PARALLEL,
        include_internal_data: bool = False,
        timeout: Any = USE_CLIENT_DEFAULT,
        progress: Optional[RowProgressCallback] = None,
    ) -> TabularIterator:
        """Iterate over every tabular row matching ``filter``, exactly once.

        Pages are fetched ahead by ``parallel`` workers over disjoint capture-time
        partitions (memory stays bounded: a couple of pages per worker), each page
        retried on its own. ``.cursor`` resumes where you stopped, in any process.

        Args:
            filter: which rows; ``None`` for all the caller can see.
            page_size: rows per request.
            sort_order: ``Order.ORDER_ASCENDING`` (default) or ``ORDER_DESCENDING``.
            start_after: a ``.cursor`` of an earlier iterator over the same query.
            max_results: stop after this many rows (the cursor stays resumable).
            parallel: time partitions fetched at once; 1 for a single cursor chain.
            include_internal_data: include Viam-internal data.
            timeout: per-request timeout (seconds).
            progress: ``progress(rows, None)``, the rows handed out so far, before each
                next row and at the end (see ``_progress.py``).

        Returns:
            A single-use iterator of ``DataClient.TabularData`` with ``.cursor``,
            ``.iter_pages()``, ``.count()`` and ``.close()``.

        Example::

            it = client.iter_tabular(create_filter(component_name="sensor-1"))
            for row in it:
                print(row.time_received, row.data["readings"])
            save(it.cursor)   # later: client.iter_tabular(f, start_after=saved)
        """
        filter_ = filter_or_empty(filter)
        descending = sort_order == _DESC
        watch = row_progress(progress)

        caller = self._caller

        def page(narrowed: Any, last: Optional[str], limit: Optional[int], order: Optional[int],
                 count_only: bool) -> data_pb2.TabularDataByFilterResponse:
            request = tabular_page_request(narrowed, limit, order, last, count_only, include_internal_data)
            return caller.call(DataService.TabularDataByFilter, request, timeout=timeout)

        def fetch(narrowed: Any, last: str, limit: int, order: Optional[int] = None) -> Any:
            # Raw rows: converted to TabularData on the consuming thread, overlapping
            # the conversion of one page with the fetch of the next.
            response = page(narrowed, last or None, limit, order or (_DESC if descending else _ASC), False)
            return tabular_pairs(response), response.last

        def probe(narrowed: Any, reverse: bool) -> Any:
            rows, _ = fetch(narrowed, "", 1, _DESC if reverse else _ASC)
            return rows[0] if rows else None

        def count(narrowed: Any) -> int:
            return int(page(narrowed, None, None, None, True).count)

        return TabularIterator(
            fetch, filter_, row_time=lambda pair: timestamp_to_ns(pair[0].time_received), page_size=page_size,
            descending=descending, parallel=parallel, depth=4, start_after=start_after, max_results=max_results,
            count=count, probe=probe, convert=tabular_row, context=f"tabular:{include_internal_data}",
        )._with_progress(watch)

    def iter_binary(
        self,
        filter: Optional[data_pb2.Filter] = None,
        *,
        include_binary_data: bool = True,
        page_size: int = 50,
        sort_order: Optional[int] = None,
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
        parallel: int = 2,
        byte_budget: int = DEFAULT_BYTE_BUDGET,
        include_internal_data: bool = False,
        timeout: Any = USE_CLIENT_DEFAULT,
        progress: Optional[RowProgressCallback] = None,
    ) -> BinaryIterator:
        """Iterate over every binary item matching ``filter``, exactly once.

        With ``include_binary_data``, metadata is paged first (``page_size`` items) and
        the file bodies are then fetched by id in requests of at most ``byte_budget``
        bytes (the next one fetched while the current one is consumed; a request over
        a message-size limit is split). Bodies are queued one budget-sized group at a
        time, so memory holds a few groups (about ``byte_budget`` each, or one file if
        a file is larger) per partition in flight, however many files there are.
        Measured: small pages and requests are faster than large ones on gRPC, hence
        the defaults. ``progress=`` is called as ``progress(items, file_bytes)``
        (``file_bytes`` is ``None`` without ``include_binary_data``) before each next
        item and at the end.

        Returns:
            A single-use iterator of ``BinaryData`` messages with ``.cursor``,
            ``.iter_pages()``, ``.count()`` and ``.close()``.

        Example::

            for item in client.iter_binary(create_filter(component_type="camera")):
                Path(item.metadata.file_name).write_bytes(item.binary)
        """
        if byte_budget <= 0:
            raise ValueError("byte_budget must be > 0")
        filter_ = filter_or_empty(filter)
        descending = sort_order == _DESC
        watch = row_progress(progress, (lambda item: len(item.binary)) if include_binary_data else None)

        caller = self._caller

        def page(narrowed: Any, last: Optional[str], limit: Optional[int], order: Optional[int],
                 count_only: bool) -> data_pb2.BinaryDataByFilterResponse:
            request = binary_page_request(narrowed, limit, order, last, False, count_only, include_internal_data)
            return caller.call(DataService.BinaryDataByFilter, request, timeout=timeout)

        def fetch(narrowed: Any, last: str, limit: int, order: Optional[int] = None) -> Any:
            response = page(narrowed, last or None, limit, order or (_DESC if descending else _ASC), False)
            return list(response.data), response.last

        def bodies_of(group: List[Any]) -> Dict[str, Any]:
            ids = [row.metadata.binary_data_id for row in group]
            try:
                request = binary_ids_request(ids, True)
                items = caller.call(DataService.BinaryDataByIDs, request, timeout=timeout).data
            except ResourceExhausted as exc:
                # Over a message-size limit (ours or the service's): halve and retry.
                if len(group) == 1 or not is_size_limit(exc.code, exc.details):
                    raise
                half = len(group) // 2
                return {**bodies_of(group[:half]), **bodies_of(group[half:])}
            return {item.metadata.binary_data_id: item for item in items}

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

        def probe(narrowed: Any, reverse: bool) -> Any:
            rows, _ = fetch(narrowed, "", 1, _DESC if reverse else _ASC)
            return rows[0] if rows else None

        def count(narrowed: Any) -> int:
            return int(page(narrowed, None, None, None, True).count)

        return BinaryIterator(
            fetch, filter_, row_time=lambda item: timestamp_to_ns(item.metadata.time_received),
            page_size=page_size, descending=descending, parallel=parallel, depth=1,
            start_after=start_after, max_results=max_results, count=count, probe=probe,
            expand=with_bodies if include_binary_data else None,
            context=f"binary:{include_internal_data}",
        )._with_progress(watch)

    def iter_export_tabular(
        self,
        part_id: str,
        resource_name: str,
        resource_api: str,
        method_name: str,
        start_time: Optional[_dt.datetime] = None,
        end_time: Optional[_dt.datetime] = None,
        additional_params: Optional[Mapping[str, Any]] = None,
        *,
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
        timeout: Any = None,
        progress: Optional[RowProgressCallback] = None,
    ) -> ExportIterator:
        """Stream ``ExportTabularData`` rows as they arrive (the official SDK buffers the
        whole stream in a list), resuming a broken stream without duplicates.

        Args:
            timeout: bound on each stream (seconds); ``None`` (default) for no bound,
                since an export of a large window may legitimately run long.
            progress: ``progress(rows, None)``, the rows handed out so far, before each
                next row and at the end.

        Returns:
            A single-use iterator of ``DataClient.TabularDataPoint`` with ``.cursor``.

        Example::

            for point in client.iter_export_tabular(part_id, "sensor-1",
                                                    "rdk:component:sensor", "Readings"):
                print(point.time_captured, point.payload)
        """
        watch = row_progress(progress)
        return export_points(self._caller, part_id, resource_name, resource_api, method_name, start_time, end_time,
                             additional_params, start_after=start_after, max_results=max_results,
                             timeout=timeout)._with_progress(watch)

    def iter_mql(
        self,
        organization_id: str,
        pipeline: Sequence[Union[Dict[str, Any], bytes]],
        *,
        page_size: int = 1000,
        key: str = "_id",
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
        timeout: Any = USE_CLIENT_DEFAULT,
        progress: Optional[RowProgressCallback] = None,
    ) -> MqlIterator:
        """Page an MQL aggregation by keyset so results of any size arrive in bounded
        pages, exactly once: each page runs ``pipeline`` followed by
        ``$match {key: {$gt: last}}``, ``$sort {key: 1}`` and ``$limit page_size``.

        Args:
            key: a unique field of the pipeline's output documents (``_id`` by default).
            progress: ``progress(documents, None)``, the documents handed out so far,
                before each next document and at the end.

        Example::

            pipeline = [{"$match": {"component_name": "sensor-1"}}]
            for doc in client.iter_mql(org_id, pipeline):
                print(doc["time_received"], doc["data"])
        """
        check_text("organization_id", organization_id)
        watch = row_progress(progress)
        caller = self._caller

        stages = [bson.decode(s) if isinstance(s, (bytes, bytearray)) else s for s in pipeline]

        def run(page_pipeline: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
            request = mql_request(organization_id, page_pipeline)
            return decode_documents(caller.call(DataService.TabularDataByMQL, request, timeout=timeout).raw_data)

        return MqlIterator(run, stages, key=key, page_size=page_size, start_after=start_after,
                           max_results=max_results, context=organization_id)._with_progress(watch)

