"""Iteration: every row of a query, exactly once, resumable, in constant memory.

What sync users need and the official SDK does not give them: ``iter_tabular``,
``iter_binary``, ``iter_export_tabular`` and ``iter_mql``. Each builds one of the
iterators of :mod:`viam_data_sync._iterators` and hands it a page source made from the
request builders of the tabular and binary chapters and the one call path
(:mod:`viam_data_sync._api.sources`); the iterators never reach back into the client.

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, Mapping, Optional, Sequence, Union

from viam_data_sync._api._base import ClientBase
from viam_data_sync._api.sources import (
    DEFAULT_BYTE_BUDGET,
    DEFAULT_PARALLEL,
    binary_iterator,
    mql_iterator,
    tabular_iterator,
)
from viam_data_sync._api.export_stream import export_points
from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._iterators import BinaryIterator, ExportIterator, MqlIterator, TabularIterator
from viam_data_sync._progress import RowProgressCallback, row_progress
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._defaults import BINARY_PAGE_SIZE, MQL_PAGE_SIZE, TABULAR_PAGE_SIZE


class Iteration(ClientBase):
    """``iter_tabular``, ``iter_binary``, ``iter_export_tabular``, ``iter_mql``."""

    def iter_tabular(
        self,
        filter: Optional[data_pb2.Filter] = None,
        *,
        page_size: int = TABULAR_PAGE_SIZE,
        sort_order: Optional[int] = None,
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
        parallel: Optional[int] = DEFAULT_PARALLEL,
        include_internal_data: bool = False,
        timeout: Any = USE_CLIENT_DEFAULT,
        max_concurrency: Optional[int] = None,
        progress: Optional[RowProgressCallback] = None,
    ) -> TabularIterator:
        """Iterate over every tabular row matching ``filter``, exactly once.

        Pages are fetched ahead by workers over disjoint time partitions (memory stays
        bounded: a few pages per worker), each page retried on its own. By default the
        number fetching at once adapts: about ``round trip / time your loop spends on a
        page`` chains, up to ``max_concurrency`` (32), halved while the service answers
        RESOURCE_EXHAUSTED. ``.cursor`` resumes where you stopped, in any process.

        Args:
            filter: which rows; ``None`` for all the caller can see.
            page_size: rows per request.
            sort_order: ``Order.ORDER_ASCENDING`` (default) or ``ORDER_DESCENDING``.
            start_after: a ``.cursor`` of an earlier iterator over the same query.
            max_results: stop after this many rows (the cursor stays resumable).
            parallel: time partitions fetched at once; 1 for a single cursor chain;
                ``None`` (default) to adapt to measured round trips and page times.
            include_internal_data: include Viam-internal data.
            timeout: per-request timeout (seconds).
            max_concurrency: the most partitions fetched at once (default 32).
            progress: ``progress(rows, None)``, the rows handed out so far, before each
                next row and at the end (so a progress bar is
                ``progress=lambda n, b: bar.update(n - bar.n)``).

        Returns:
            A single-use iterator of ``DataClient.TabularData`` with ``.cursor``,
            ``.iter_pages()``, ``.count()`` and ``.close()``.

        Example::

            it = client.iter_tabular(create_filter(component_name="sensor-1"))
            for row in it:
                print(row.time_received, row.data["readings"])
            save(it.cursor)   # later: client.iter_tabular(f, start_after=saved)
        """
        return tabular_iterator(self._caller, filter, page_size=page_size, sort_order=sort_order,
                                start_after=start_after, max_results=max_results, parallel=parallel,
                                include_internal_data=include_internal_data, timeout=timeout,
                                max_concurrency=max_concurrency)._with_progress(row_progress(progress))

    def iter_binary(
        self,
        filter: Optional[data_pb2.Filter] = None,
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

            for item in client.iter_binary(create_filter(component_type="rdk:component:camera")):
                Path(item.metadata.file_name).write_bytes(item.binary)
        """
        return binary_iterator(self._caller, filter, include_binary_data=include_binary_data, page_size=page_size,
                               sort_order=sort_order, start_after=start_after, max_results=max_results,
                               parallel=parallel, byte_budget=byte_budget,
                               include_internal_data=include_internal_data, timeout=timeout,
                               max_concurrency=max_concurrency)._with_progress(
            row_progress(progress, (lambda item: len(item.binary)) if include_binary_data else None))

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
        page_size: int = MQL_PAGE_SIZE,
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
        return mql_iterator(self._caller, organization_id, pipeline, page_size=page_size, key=key,
                            start_after=start_after, max_results=max_results, timeout=timeout)._with_progress(row_progress(progress))

