"""Spark reads Viam data: PySpark data sources (the Python Data Source API of PySpark
4) named ``viam`` (tabular data) and ``viam_binary`` (binary data's metadata, and the
files if asked).

Needs the ``spark`` extra (``pip install 'viam-data-sync[spark]'``: pyspark and
pyarrow) and a Java runtime. The driver plans the read with ``plan_tabular`` /
``plan_binary``; each Spark partition is one partition of that plan, read on an
executor by its own client as Arrow record batches. The partitions of one read are
disjoint and cover one fixed window (an open end is pinned at planning), so each
row of the window is read exactly once, in any order, while data keeps arriving.

Credentials come from the executors' environment (``VIAM_API_KEY``,
``VIAM_API_KEY_ID``, and ``VIAM_APP_ADDRESS`` / ``VIAM_INSECURE``), or from the
``api_key`` / ``api_key_id`` options; neither is ever part of a partition, and a key
given as an option is never shown (see :mod:`viam_data_sync.spark._options` for every
option).

Example::

    from pyspark.sql import SparkSession
    from viam_data_sync.spark import ViamDataSource

    spark = SparkSession.builder.master("local[2]").getOrCreate()
    spark.dataSource.register(ViamDataSource)
    df = (spark.read.format("viam")
          .option("component_name", "sensor-1")
          .option("start", "2025-01-01T00:00:00Z")
          .load())
    df.groupBy("component_name").count().show()
"""
from __future__ import annotations

import logging
from typing import Any, Iterator, List, Sequence

from viam_data_sync._arrow import batches
from viam_data_sync._extras import require_module
from viam_data_sync._models import Partition
from viam_data_sync.spark import _batches
from viam_data_sync.spark._options import ReadOptions, parse_options
from viam_data_sync.spark._pushdown import narrow

require_module("pyspark.sql.datasource", "the Spark data source needs", "spark")
from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition  # noqa: E402

_LOG = logging.getLogger("viam_data_sync")


class _Reader(DataSourceReader):
    """Plans on the driver (``partitions``), reads one partition on an executor (``read``)."""

    def __init__(self, read: ReadOptions, schema: Any) -> None:
        self.query = read
        self.arrow_schema = schema

    def partitions(self) -> List[InputPartition]:
        read = self.query
        if read.start_ns is not None and read.end_ns is not None and read.end_ns <= read.start_ns:
            return []  # filters that nothing passes: Spark reads one empty partition
        with read.connection.client() as client:
            if read.kind == "tabular":
                # Spark fixes the schema itself: no sample of each partition for the plan's own.
                plan = client.plan_tabular(read.filter(), target_rows=read.target_rows,
                                           max_partitions=read.max_partitions,
                                           include_internal_data=read.include_internal_data,
                                           schema_sample_rows=0)
            else:
                plan = client.plan_binary(read.filter(), target_items=read.target_rows,
                                          target_bytes=read.target_bytes, max_partitions=read.max_partitions,
                                          include_internal_data=read.include_internal_data,
                                          schema_sample_rows=0)
        _LOG.info("planned %d %s partition(s) for Spark", len(plan), read.kind)
        return [InputPartition(p.to_json()) for p in plan]

    def read(self, partition: InputPartition) -> Iterator[Any]:
        if partition.value is None:
            return
        read, schema = self.query, self.arrow_schema
        build = _batches.tabular if read.kind == "tabular" else _batches.binary
        with read.connection.client() as client:
            with client.read_partition(Partition.from_json(partition.value), page_size=read.page_size,
                                       parallel=read.parallel,
                                       include_binary_data=read.include_binary_data) as rows:
                yield from batches(rows._arrow_chunks(), build, read.batch_rows, schema)


class _PushdownReader(_Reader):
    """A reader that narrows its plan by Spark's filters (option ``pushdown``)."""

    def pushFilters(self, filters: List[Any]) -> Sequence[Any]:
        self.query = narrow(self.query, filters)
        return filters  # Spark applies every filter again: pushing only reads less


class ViamDataSource(DataSource):
    """Tabular data as a Spark DataFrame: ``spark.read.format("viam")``.

    The default schema is the capture metadata, ``time_requested`` and
    ``time_received`` (``TIMESTAMP``), and ``data``, the reading as JSON text. A schema
    given with ``.schema(...)`` may name any of those columns, ``data`` as a ``STRUCT``
    (or ``MAP``), and flattened reading fields such as ``data.readings.temperature``
    (numbers are ``DOUBLE``).

    Example::

        spark.dataSource.register(ViamDataSource)
        df = spark.read.format("viam").option("component_name", "sensor-1").load()
    """

    #: What it reads, and the format name it registers.
    kind, format_name = "tabular", "viam"

    @classmethod
    def name(cls) -> str:
        return cls.format_name

    def schema(self) -> str:
        return _batches.default_ddl(self.kind)

    def reader(self, schema: Any) -> DataSourceReader:
        read = parse_options(self.kind, self.options)
        arrow = _batches.arrow_schema(schema)
        _batches.check_schema(self.kind, arrow)
        return (_PushdownReader if read.pushdown else _Reader)(read, arrow)


class ViamBinaryDataSource(ViamDataSource):
    """Binary data's metadata as a Spark DataFrame: ``spark.read.format("viam_binary")``;
    the files' bytes in ``binary`` with ``.option("include_binary_data", "true")``.

    Example::

        spark.dataSource.register(ViamBinaryDataSource)
        df = spark.read.format("viam_binary").option("component_type", "rdk:component:camera").load()
    """

    kind, format_name = "binary", "viam_binary"


def register(spark: Any) -> None:
    """Register both sources (``viam`` and ``viam_binary``) with a ``SparkSession``.

    Example::

        register(spark)
        df = spark.read.format("viam_binary").load()
    """
    spark.dataSource.register(ViamDataSource)
    spark.dataSource.register(ViamBinaryDataSource)


__all__ = ["ViamBinaryDataSource", "ViamDataSource", "register"]
