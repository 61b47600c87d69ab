"""Arrow: SQL and MQL answers as ``pyarrow`` tables, and one schema for a plan.

The ``arrow`` extra (pyarrow, and pymongoarrow to decode BSON answers into Arrow
columns in C). Iterators have ``.to_arrow()``, ``.iter_batches()`` and
``__arrow_c_stream__`` themselves (:mod:`viam_data_sync._iterators`); this chapter
adds what needs a call: ``tabular_data_by_sql_arrow``, ``tabular_data_by_mql_arrow``
and ``arrow_schema`` (a sample of each partition of a plan).

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Union

from viam_data_sync._api._base import ClientBase
from viam_data_sync._call import Caller
from viam_data_sync._api.sources import binary_iterator, tabular_iterator
from viam_data_sync._api.tabular import mql_request, sql_request
from viam_data_sync._arrow import documents_table, unify_schemas
from viam_data_sync._checks import check_count
from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._models import Partition
from viam_data_sync._rpcs import DataService


class ArrowQueries(ClientBase):
    """``tabular_data_by_sql_arrow``, ``tabular_data_by_mql_arrow``, ``arrow_schema``."""

    def tabular_data_by_sql_arrow(
        self, organization_id: str, sql_query: str, *, schema: Any = None, timeout: Any = USE_CLIENT_DEFAULT
    ) -> Any:
        """:meth:`tabular_data_by_sql` as a ``pyarrow.Table``: the BSON answer is decoded
        straight into Arrow columns (in C, by pymongoarrow; by pymongo's ``bson`` if
        pymongoarrow is not installed, or when ``schema`` is given).

        Example::

            table = client.tabular_data_by_sql_arrow(org_id, "SELECT time_received, data FROM readings "
                                                     "WHERE time_received > CAST('2025-01-01' AS TIMESTAMP)")
        """
        request = sql_request(organization_id, sql_query)
        response = self._caller.call(DataService.TabularDataBySQL, request, timeout=timeout)
        return documents_table(response.raw_data, schema)

    def tabular_data_by_mql_arrow(
        self,
        organization_id: str,
        query: Sequence[Union[bytes, Mapping[str, Any]]],
        use_recent_data: Optional[bool] = None,
        tabular_data_source_type: Optional[int] = None,
        pipeline_id: Optional[str] = None,
        query_prefix_name: Optional[str] = None,
        *,
        schema: Any = None,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> Any:
        """:meth:`tabular_data_by_mql` as a ``pyarrow.Table`` (decoded as for
        :meth:`tabular_data_by_sql_arrow`).

        Example::

            table = client.tabular_data_by_mql_arrow(org_id, [{"$match": {"component_name": "sensor-1"}}])
        """
        request = mql_request(organization_id, query, use_recent_data, tabular_data_source_type, pipeline_id,
                              query_prefix_name)
        response = self._caller.call(DataService.TabularDataByMQL, request, timeout=timeout)
        return documents_table(response.raw_data, schema)

    def arrow_schema(self, partitions: Sequence[Partition], *, sample_rows: int = 1000,
                     timeout: Any = USE_CLIENT_DEFAULT) -> Any:
        """One ``pyarrow.Schema`` for every partition of a plan, from a sample of the
        first ``sample_rows`` rows of each (one or a few pages per partition): a field
        null throughout one partition takes the type the others give it. Pass it as
        ``schema=`` to each partition's ``to_arrow()`` / ``iter_batches()``.

        Example::

            plan = client.plan_tabular(f)
            schema = client.arrow_schema(plan)
            tables = [client.read_partition(p).to_arrow(schema=schema) for p in plan]
        """
        check_count("sample_rows", sample_rows, minimum=1)
        return sampled_schema(self._caller, partitions, sample_rows, timeout)


def sampled_schema(caller: Caller, partitions: Sequence[Partition], sample_rows: int, timeout: Any) -> Any:
    """One ``pyarrow.Schema`` unifying the first ``sample_rows`` rows of each partition."""
    samples = []
    for partition in partitions:
        if not isinstance(partition, Partition):
            raise TypeError(f"partitions must be Partition values, not {type(partition).__name__}")
        if partition.kind == "tabular":
            it: Any = tabular_iterator(caller, partition.filter, max_results=sample_rows, parallel=1,
                                       include_internal_data=partition.include_internal_data, timeout=timeout)
        else:
            it = binary_iterator(caller, partition.filter, include_binary_data=False,
                                 max_results=sample_rows, parallel=1,
                                 include_internal_data=partition.include_internal_data, timeout=timeout)
        with it:
            samples.append(it.infer_arrow_schema())
    return unify_schemas(samples)
