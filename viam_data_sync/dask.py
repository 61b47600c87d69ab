"""A Dask reader: a plan's partitions as a ``dask.dataframe`` (tabular) or a
``dask.bag`` (binary), read in parallel by Dask workers.

Needs the ``dask`` extra (dask's dataframe and distributed, and pyarrow); without it,
the reader raises :class:`ImportError` naming the command that installs it. The plan is made once, on the machine that builds the
graph; each task rebuilds a client on its worker from ``client_factory``, so
credentials never travel in the task graph (the default, ``DataClient.from_env``,
reads them from the worker's environment).

Example::

    from dask.distributed import Client
    from viam_data_sync import create_filter
    from viam_data_sync.dask import read_tabular

    with Client(n_workers=4):
        df = read_tabular(create_filter(component_name="sensor-1"))
        hourly = df["data.readings.temperature"].resample("1h").mean().compute()
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, List, Optional

from viam_data_sync._defaults import DEFAULT_MAX_PARTITIONS, DEFAULT_TARGET_ITEMS, DEFAULT_TARGET_ROWS
from viam_data_sync._client import DataClient
from viam_data_sync._extras import require_module
from viam_data_sync._models import Partition
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._defaults import BULK_TABULAR_PAGE_SIZE

#: The index of :func:`read_tabular`'s DataFrame, and the column its divisions are on.
INDEX = "time_received"

ClientFactory = Callable[[], DataClient]


def _dask() -> Any:
    require_module("dask.bag", "the Dask reader needs", "dask")
    require_module("dask.dataframe", "the Dask reader needs", "dask")
    import dask

    return dask


def _read_frame(partition: Partition, client_factory: ClientFactory, schema: Any, page_size: int) -> Any:
    """One partition as a pandas DataFrame indexed by ``time_received`` (a task)."""
    with client_factory() as client:
        table = client.read_partition(partition, page_size=page_size).to_arrow(schema=schema)
    return table.to_pandas().set_index(INDEX)


def _divisions(pd: Any, plan: List[Partition]) -> tuple[Any, ...]:
    """The partitions' bounds as ``time_received`` divisions (an open end: the
    smallest or largest timestamp)."""
    def at(ns: Optional[int], default: Any) -> Any:
        return default if ns is None else pd.Timestamp(ns, unit="ns", tz="UTC")

    low, high = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
    return tuple([at(p.start_ns, low) for p in plan] + [at(plan[-1].end_ns, high)])


def read_tabular(
    filter: Optional[data_pb2.Filter] = None,
    *,
    client_factory: ClientFactory = DataClient.from_env,
    target_rows: int = DEFAULT_TARGET_ROWS,
    max_partitions: int = DEFAULT_MAX_PARTITIONS,
    schema: Any = None,
    page_size: int = BULK_TABULAR_PAGE_SIZE,
) -> Any:
    """The tabular rows matching ``filter`` as a ``dask.dataframe.DataFrame``, one Dask
    partition per partition of ``plan_tabular``, with their time ranges as divisions.

    The index is ``time_received``; the columns are those of ``to_arrow()``
    (metadata first, then the reading fields), with one schema for every partition
    (``DataClient.arrow_schema`` of the plan unless ``schema`` is given).

    Args:
        filter: which rows; ``None`` for all the caller can see.
        client_factory: builds a ``DataClient`` (called here to plan, and once per
            task on the workers); it must find its credentials where it runs.
        target_rows: rows per partition aimed at.
        max_partitions: the most partitions.
        schema: a ``pyarrow.Schema`` for every partition.
        page_size: rows per request inside a task.

    Example::

        df = read_tabular(create_filter(component_name="sensor-1"), target_rows=200_000)
        print(df.npartitions, df.divisions[:2])
    """
    dask = _dask()
    import pandas as pd

    with client_factory() as client:
        # The schema is sampled once, below (1000 rows each), not also by the plan.
        plan = client.plan_tabular(filter, target_rows=target_rows, max_partitions=max_partitions,
                                   schema_sample_rows=0)
        if schema is None:
            schema = client.arrow_schema(plan)
    meta = schema.empty_table().to_pandas().set_index(INDEX)
    return dask.dataframe.from_map(
        _read_frame, plan, args=(client_factory, schema, page_size), meta=meta,
        divisions=_divisions(pd, plan), label="viam-read-tabular", enforce_metadata=False,
    )


def _read_items(partition: Partition, client_factory: ClientFactory, include_binary_data: bool) -> Iterator[Any]:
    with client_factory() as client:
        yield from client.read_partition(partition, include_binary_data=include_binary_data)


def _read_binary_partition(partitions: List[Partition], client_factory: ClientFactory,
                           include_binary_data: bool) -> List[Any]:
    return [item for p in partitions for item in _read_items(p, client_factory, include_binary_data)]


def read_binary(
    filter: Optional[data_pb2.Filter] = None,
    *,
    client_factory: ClientFactory = DataClient.from_env,
    target_items: int = DEFAULT_TARGET_ITEMS,
    max_partitions: int = DEFAULT_MAX_PARTITIONS,
    include_binary_data: bool = True,
) -> Any:
    """The binary items matching ``filter`` as a ``dask.bag`` of ``BinaryData``
    messages, one bag partition per partition of ``plan_binary``.

    Example::

        bag = read_binary(create_filter(component_type="rdk:component:camera"), include_binary_data=False)
        sizes = bag.map(lambda item: item.metadata.file_size_bytes).sum().compute()
    """
    dask = _dask()
    with client_factory() as client:
        plan = client.plan_binary(filter, target_items=target_items, max_partitions=max_partitions)
    bag = dask.bag.from_sequence(plan, npartitions=len(plan))
    return bag.map_partitions(_read_binary_partition, client_factory, include_binary_data)


__all__ = ["read_binary", "read_tabular"]
