"""Partitions: a query cut into serializable pieces that other processes read.

``plan_tabular`` / ``plan_binary`` plan a filter into :class:`~viam_data_sync.Partition`
values from cheap calls (two one-row probes and ``count_only`` counts, never the data),
with the planner the iterators use (:mod:`viam_data_sync._planning`).
``read_partition`` reads one, anywhere, with the same resumable iterator as
``iter_tabular`` / ``iter_binary`` (built by :mod:`viam_data_sync._api.sources`).

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

import dataclasses
from typing import Any, List, Optional, Union

from viam_data_sync._api._base import ClientBase
from viam_data_sync._api.arrow import sampled_schema
from viam_data_sync._arrow import pyarrow_installed, schema_bytes
from viam_data_sync._call import Caller
from viam_data_sync._api.sources import (
    DEFAULT_BYTE_BUDGET,
    BinarySource,
    TabularSource,
    binary_iterator,
    tabular_iterator,
)
from viam_data_sync._checks import check_count, check_flag, filter_or_empty
from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._filter_iterator import BinaryIterator, TabularIterator
from viam_data_sync._models import Partition
from viam_data_sync._pages import FilterPageSource
from viam_data_sync._planning import MAX_PARTITIONS, counted_ranges, with_interval
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._defaults import (
    BINARY_PAGE_SIZE, DEFAULT_MAX_PARTITIONS, DEFAULT_SCHEMA_SAMPLE_ROWS, DEFAULT_TARGET_BYTES, DEFAULT_TARGET_ITEMS, DEFAULT_TARGET_ROWS,
    TABULAR_PAGE_SIZE,
)



def _plan(kind: str, source: FilterPageSource, filter: Any, target_rows: Any, max_partitions: Any,
          include_internal_data: bool, target_bytes: Optional[int] = None) -> List[Partition]:
    filter_ = filter_or_empty(filter)
    target = check_count("target_rows", target_rows, minimum=1)
    most = check_count("max_partitions", max_partitions, minimum=1)
    if most > MAX_PARTITIONS:
        raise ValueError(f"max_partitions must be at most {MAX_PARTITIONS}")
    lo, hi = source.interval
    if lo is not None and hi is not None and hi <= lo:
        raise ValueError("the filter's interval is empty (end <= start)")
    base = with_interval(filter_, None, None).SerializeToString(deterministic=True)
    ranges = counted_ranges(source, lo, hi, target_rows=target, max_partitions=most, target_bytes=target_bytes)
    return [Partition(kind=kind, filter_bytes=base, start_ns=r.lo, end_ns=r.hi, estimated_rows=r.rows,
                      estimated_bytes=r.bytes, index=index, count=len(ranges),
                      include_internal_data=include_internal_data)
            for index, r in enumerate(ranges)]


def _with_schema(caller: Caller, plan: List[Partition], sample_rows: Any, timeout: Any) -> List[Partition]:
    """``plan`` carrying one Arrow schema, unified from a sample of every partition (a
    field null throughout one partition takes the type another gives it), so that
    partitions read in separate processes give tables that concatenate. Without
    pyarrow, or with ``sample_rows=0``, the plan carries none."""
    rows = check_count("schema_sample_rows", sample_rows, minimum=0)
    if rows == 0 or not pyarrow_installed():
        return plan
    settled = schema_bytes(sampled_schema(caller, plan, rows, timeout))
    return [dataclasses.replace(partition, arrow_schema=settled) for partition in plan]


class Partitions(ClientBase):
    """``plan_tabular``, ``plan_binary``, ``read_partition``."""

    def plan_tabular(
        self,
        filter: Optional[data_pb2.Filter] = None,
        *,
        target_rows: int = DEFAULT_TARGET_ROWS,
        max_partitions: int = DEFAULT_MAX_PARTITIONS,
        include_internal_data: bool = False,
        schema_sample_rows: int = DEFAULT_SCHEMA_SAMPLE_ROWS,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> List[Partition]:
        """Plan the tabular rows matching ``filter`` into partitions of about
        ``target_rows`` rows, for other processes to read with :meth:`read_partition`.

        The partitions are disjoint ``time_received`` ranges, in time order, covering
        the filter's interval exactly. An open end is pinned just after the newest row
        at planning time, so the plan is a fixed window: rows arriving later with newer
        times belong to the next window, not to this plan. Planning costs two one-row
        probes and a ``count_only`` call per partition (a few more where rows bunch up),
        and, with pyarrow installed, one page of ``schema_sample_rows`` rows per
        partition: the plan carries one Arrow schema (``Partition.arrow_schema``) that
        every partition's ``to_arrow()`` uses, so partitions read anywhere concatenate.

        Args:
            filter: which rows; ``None`` for all the caller can see.
            target_rows: rows per partition aimed at (estimates, from counts).
            max_partitions: the most partitions (1 to 4096).
            include_internal_data: include Viam-internal data.
            schema_sample_rows: rows of each partition sampled for the plan's Arrow
                schema (0: no schema; a field the sample lacks is dropped, with a
                warning, from the Arrow tables).
            timeout: per-request timeout (seconds).

        Returns:
            ``list[Partition]``; one partition (with 0 estimated rows) if nothing matches.

        Example::

            plan = client.plan_tabular(create_filter(component_name="sensor-1"), target_rows=50_000)
            jobs = [p.to_json() for p in plan]     # hand these to workers
        """
        flag = check_flag("include_internal_data", include_internal_data)
        source = TabularSource(self._caller, filter, include_internal_data=flag, timeout=timeout)
        plan = _plan("tabular", source, filter, target_rows, max_partitions, flag)
        return _with_schema(self._caller, plan, schema_sample_rows, timeout)

    def plan_binary(
        self,
        filter: Optional[data_pb2.Filter] = None,
        *,
        target_items: int = DEFAULT_TARGET_ITEMS,
        target_bytes: int = DEFAULT_TARGET_BYTES,
        max_partitions: int = DEFAULT_MAX_PARTITIONS,
        include_internal_data: bool = False,
        schema_sample_rows: int = DEFAULT_SCHEMA_SAMPLE_ROWS,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> List[Partition]:
        """Plan the binary items matching ``filter`` into partitions of at most about
        ``target_items`` items and ``target_bytes`` bytes (file sizes, from counts).

        The same guarantees as :meth:`plan_tabular`.

        Example::

            for p in client.plan_binary(create_filter(component_type="rdk:component:camera"), target_bytes=256 << 20):
                print(p.index, p.estimated_rows, p.estimated_bytes)
        """
        flag = check_flag("include_internal_data", include_internal_data)
        size = check_count("target_bytes", target_bytes, minimum=1)
        source = BinarySource(self._caller, filter, include_internal_data=flag, timeout=timeout)
        plan = _plan("binary", source, filter, target_items, max_partitions, flag, target_bytes=size)
        return _with_schema(self._caller, plan, schema_sample_rows, timeout)

    def read_partition(
        self,
        partition: Partition,
        *,
        start_after: Optional[str] = None,
        page_size: Optional[int] = None,
        parallel: int = 1,
        max_results: Optional[int] = None,
        include_binary_data: bool = True,
        byte_budget: int = DEFAULT_BYTE_BUDGET,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> Union[TabularIterator, BinaryIterator]:
        """Read one partition of a plan: the iterator ``iter_tabular`` (for a tabular
        partition) or ``iter_binary`` (binary) returns over the partition's filter,
        with ``.cursor`` to resume (``start_after=``) in any process.

        Args:
            partition: a :class:`Partition` (e.g. ``Partition.from_json(payload)``).
            start_after: a ``.cursor`` of an earlier read of the same partition.
            page_size: rows per request (100 tabular, 50 binary by default).
            parallel: time sub-partitions fetched at once inside this partition (1:
                the plan's partitions are the unit of parallelism).
            max_results: stop after this many rows.
            include_binary_data: binary partitions: fetch the file bodies too.
            byte_budget: binary partitions: the most body bytes per request.
            timeout: per-request timeout (seconds).

        Example::

            partition = Partition.from_json(payload)
            with DataClient.from_env() as client:
                for row in client.read_partition(partition):
                    handle(row)
        """
        if not isinstance(partition, Partition):
            raise TypeError(f"partition must be a Partition, not {type(partition).__name__}")
        it: Union[TabularIterator, BinaryIterator]
        if partition.kind == "tabular":
            it = tabular_iterator(self._caller, partition.filter, page_size=page_size or TABULAR_PAGE_SIZE,
                                  start_after=start_after, max_results=max_results, parallel=parallel,
                                  include_internal_data=partition.include_internal_data, timeout=timeout)
        else:
            it = binary_iterator(self._caller, partition.filter, include_binary_data=include_binary_data,
                                 page_size=page_size or BINARY_PAGE_SIZE, start_after=start_after, max_results=max_results,
                                 parallel=parallel, byte_budget=byte_budget,
                                 include_internal_data=partition.include_internal_data, timeout=timeout)
        it.arrow_schema_bytes = partition.arrow_schema  # the plan's: every partition's tables concatenate
        return it
