"""Airflow operators for the Viam Data API: plan a window into partitions, export each
in a mapped task, export binary data, upload files, run an SQL or MQL query.

Each export writes atomically to a path that depends only on what it exports (a
partition's ``key``), so a retried task replaces its file and never duplicates rows,
and returns a small XCom: ``{"path", "rows", "bytes", "sha256"}``. Clients are built
in ``execute()`` (through :class:`~viam_data_sync.airflow.hooks.ViamDataHook`), never when the DAG is parsed.
"""
from __future__ import annotations

import base64
import datetime as _dt
import json
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from airflow.sdk import BaseOperator

from viam_data_sync._binary_export import export_binary
from viam_data_sync._export import check_format, export_rows, folder_export
from viam_data_sync._ledger import upload_files
from viam_data_sync._filters import create_filter
from viam_data_sync._models import Partition
from viam_data_sync.airflow.hooks import ViamDataHook
from viam_data_sync._defaults import (
    BULK_TABULAR_PAGE_SIZE, DEFAULT_MAX_PARTITIONS, DEFAULT_SCHEMA_SAMPLE_ROWS, DEFAULT_TARGET_ITEMS,
    DEFAULT_TARGET_ROWS,
)

_EXTENSIONS = {"jsonl": "jsonl", "parquet": "parquet"}


def _moment(value: Any) -> Optional[_dt.datetime]:
    if value is None or isinstance(value, _dt.datetime):
        return value
    return _dt.datetime.fromisoformat(str(value))


def _schema_of(text: Optional[str]) -> Any:
    if not text:
        return None
    import pyarrow as pa

    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))


def _partition_and_schema(value: Union[str, Mapping[str, Any]]) -> "tuple[Partition, Any]":
    """A partition from what the plan operator returned for it."""
    if isinstance(value, Mapping) and "partition" in value:
        return Partition.from_json(value["partition"]), _schema_of(value.get("schema"))
    return Partition.from_json(value), None


class ViamPlanPartitionsOperator(BaseOperator):
    """Plan the task's data interval into partitions; returns them (JSON) for ``.expand()``.

    Args:
        filter: ``create_filter`` keyword arguments, e.g. ``{"component_name": "sensor-1"}``
            (without times: the window is ``start_time``/``end_time``).
        kind: ``"tabular"`` or ``"binary"``.
        start_time, end_time: the window; by default the run's data interval.
        target_rows: rows (binary: items) per partition aimed at; by default the SDK's
            (``plan_tabular``'s 100,000 rows, ``plan_binary``'s 2,000 items).
        max_partitions: the most partitions (mind Airflow's ``max_map_length``, 1024).
        with_schema: tabular only: return ``{"partition", "schema"}`` items, the Arrow
            schema of the whole plan included, so Parquet files share one schema.
        viam_conn_id: the ``viam`` connection.

    Example::

        plan = ViamPlanPartitionsOperator(task_id="plan", filter={"component_name": "sensor-1"})
    """

    template_fields: Sequence[str] = ("filter", "start_time", "end_time")

    def __init__(self, *, filter: Optional[Dict[str, Any]] = None, kind: str = "tabular",
                 start_time: Any = None, end_time: Any = None, target_rows: Optional[int] = None,
                 max_partitions: int = DEFAULT_MAX_PARTITIONS, with_schema: bool = False,
                 viam_conn_id: str = ViamDataHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if kind not in ("tabular", "binary"):
            raise ValueError("kind must be 'tabular' or 'binary'")
        self.filter, self.kind = filter or {}, kind
        self.start_time, self.end_time = start_time, end_time
        if target_rows is None:  # the SDK's own default for the kind of plan
            target_rows = DEFAULT_TARGET_ROWS if kind == "tabular" else DEFAULT_TARGET_ITEMS
        self.target_rows, self.max_partitions, self.with_schema = target_rows, max_partitions, with_schema
        self.viam_conn_id = viam_conn_id

    def execute(self, context: Any) -> List[Any]:
        start = _moment(self.start_time) or context.get("data_interval_start")
        end = _moment(self.end_time) or context.get("data_interval_end")
        f = create_filter(**self.filter, start_time=start, end_time=end)
        with ViamDataHook(self.viam_conn_id) as hook:
            client = hook.get_conn()
            if self.kind == "tabular":
                sample = 0 if self.with_schema else DEFAULT_SCHEMA_SAMPLE_ROWS  # with_schema samples more, below
                plan = client.plan_tabular(f, target_rows=self.target_rows, max_partitions=self.max_partitions,
                                           schema_sample_rows=sample)
            else:
                plan = client.plan_binary(f, target_items=self.target_rows, max_partitions=self.max_partitions)
            self.log.info("planned %d partition(s) of %s data for [%s, %s)", len(plan), self.kind, start, end)
            if not (self.with_schema and self.kind == "tabular"):
                return [p.to_json() for p in plan]
            schema = client.arrow_schema(plan)
        encoded = base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")
        return [{"partition": p.to_json(), "schema": encoded} for p in plan]


class ViamExportPartitionOperator(BaseOperator):
    """Export one partition to ``dest/<partition key>.<jsonl|parquet>``, atomically.

    Args:
        partition: one item of the plan operator's result (map over them with
            ``.expand(partition=plan.output)``).
        dest: the folder.
        format: ``"jsonl"`` or ``"parquet"`` (the ``arrow`` extra).
        viam_conn_id: the ``viam`` connection.

    Returns:
        ``{"path", "rows", "bytes", "sha256"}``.

    Example::

        ViamExportPartitionOperator.partial(task_id="export", dest="/data/readings",
                                            format="parquet", retries=3).expand(partition=plan.output)
    """

    template_fields: Sequence[str] = ("partition", "dest")

    def __init__(self, *, partition: Any, dest: str, format: str = "jsonl",
                 viam_conn_id: str = ViamDataHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.partition, self.dest, self.format = partition, dest, check_format(format)
        self.viam_conn_id = viam_conn_id

    def execute(self, context: Any) -> Dict[str, Any]:
        partition, schema = _partition_and_schema(self.partition)
        if partition.kind != "tabular":
            raise ValueError("ViamExportPartitionOperator exports tabular partitions; use ViamExportBinaryOperator")
        path = Path(self.dest) / f"{partition.key}.{_EXTENSIONS[self.format]}"
        with ViamDataHook(self.viam_conn_id) as hook:
            done = export_rows(hook.get_conn().read_partition(partition, page_size=BULK_TABULAR_PAGE_SIZE), path, self.format,
                               schema=schema)
        self.log.info("exported %d rows to %s", done.rows, done.path)
        return done.to_dict()


class ViamExportBinaryOperator(BaseOperator):
    """Export binary data (a binary partition, or a filter) to a folder in the Viam
    CLI's layout: ``dest/<partition key>/`` for a partition, ``dest/`` for a filter.

    Returns:
        ``{"path", "rows", "bytes", "sha256"}`` (rows: items; sha256: of the folder).

    Example::

        ViamExportBinaryOperator(task_id="images", dest="/data/images",
                                 filter={"component_type": "rdk:component:camera"})
    """

    template_fields: Sequence[str] = ("partition", "filter", "dest")

    def __init__(self, *, dest: str, partition: Any = None, filter: Optional[Dict[str, Any]] = None,
                 viam_conn_id: str = ViamDataHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if (partition is None) == (filter is None):
            raise ValueError("pass partition= or filter=, not both or neither")
        self.dest, self.partition, self.filter, self.viam_conn_id = dest, partition, filter, viam_conn_id

    def execute(self, context: Any) -> Dict[str, Any]:
        with ViamDataHook(self.viam_conn_id) as hook:
            client = hook.get_conn()
            if self.partition is not None:
                partition, _ = _partition_and_schema(self.partition)
                result = export_binary(client, partition, Path(self.dest) / partition.key, include_metadata=True)
            else:
                result = export_binary(client, create_filter(**(self.filter or {})), self.dest, include_metadata=True)
            done = folder_export(result.directory, len(result.files))
        self.log.info("exported %d items to %s", done.rows, done.path)
        return done.to_dict()


class ViamUploadOperator(BaseOperator):
    """Upload files (folders with ``recursive``) in chunks, recorded in a ledger so a
    retried task stores nothing twice.

    Args:
        paths: files or folders.
        part_id: the machine part the data belongs to.
        ledger: the ledger file (JSON Lines); by default ``<first path>.viam-ledger.jsonl``
            beside the first path.

    Returns:
        ``{"uploaded", "skipped", "bytes", "ledger"}``.

    Example::

        ViamUploadOperator(task_id="upload", paths=["/data/outbox"], part_id="<PART-ID>", recursive=True)
    """

    template_fields: Sequence[str] = ("paths", "part_id", "ledger", "tags")

    def __init__(self, *, paths: Sequence[str], part_id: str, component_type: Optional[str] = None,
                 component_name: Optional[str] = None, method_name: Optional[str] = None,
                 tags: Optional[List[str]] = None, dataset_id: Optional[str] = None, recursive: bool = False,
                 ledger: Optional[str] = None, viam_conn_id: str = ViamDataHook.default_conn_name,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.paths, self.part_id, self.tags, self.ledger = list(paths), part_id, tags, ledger
        self.component_type, self.component_name, self.method_name = component_type, component_name, method_name
        self.dataset_id, self.recursive, self.viam_conn_id = dataset_id, recursive, viam_conn_id

    def execute(self, context: Any) -> Dict[str, Any]:
        if not self.paths:
            raise ValueError("paths is empty")
        ledger = self.ledger or f"{str(self.paths[0]).rstrip('/')}.viam-ledger.jsonl"
        skipped: List[Any] = []
        with ViamDataHook(self.viam_conn_id) as hook:
            done = upload_files(hook.get_conn(), self.paths, self.part_id, component_type=self.component_type,
                                component_name=self.component_name, method_name=self.method_name,
                                tags=self.tags, dataset_id=self.dataset_id, recursive=self.recursive,
                                ledger=ledger, on_skipped=skipped.append)
        return {"uploaded": len(done), "skipped": len(skipped), "bytes": sum(r.size for r in done), "ledger": ledger}


class ViamQueryOperator(BaseOperator):
    """Run an SQL or MQL query and write its answer to ``path`` (JSON Lines or
    Parquet), atomically.

    Args:
        organization_id: the organization whose data is queried.
        sql: an SQL query (table ``readings``), or
        mql: an MQL pipeline (a list of stage dicts, or its JSON).
        path: the file to write (a rerun replaces it).
        format: ``"jsonl"`` or ``"parquet"``.

    Returns:
        ``{"path", "rows", "bytes", "sha256"}``.

    Example::

        ViamQueryOperator(task_id="daily", organization_id="<ORG-ID>", format="parquet",
                          path="/data/daily-{{ ds }}.parquet",
                          sql="SELECT component_name, COUNT(*) AS n FROM readings "
                              "WHERE time_received >= CAST('{{ ds }}' AS TIMESTAMP) GROUP BY component_name")
    """

    template_fields: Sequence[str] = ("organization_id", "sql", "mql", "path")

    def __init__(self, *, organization_id: str, path: str, sql: Optional[str] = None, mql: Any = None,
                 format: str = "jsonl", viam_conn_id: str = ViamDataHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if (sql is None) == (mql is None):
            raise ValueError("pass sql= or mql=, not both or neither")
        self.organization_id, self.path, self.sql, self.mql = organization_id, path, sql, mql
        self.format, self.viam_conn_id = check_format(format), viam_conn_id

    def execute(self, context: Any) -> Dict[str, Any]:
        pipeline = json.loads(self.mql) if isinstance(self.mql, str) else self.mql
        with ViamDataHook(self.viam_conn_id) as hook:
            client = hook.get_conn()
            if self.format == "parquet":
                table = (client.tabular_data_by_sql_arrow(self.organization_id, self.sql) if self.sql is not None
                         else client.tabular_data_by_mql_arrow(self.organization_id, pipeline))
                done = export_rows(_TableRows(table), self.path, "parquet")
            else:
                docs = (client.tabular_data_by_sql(self.organization_id, self.sql) if self.sql is not None
                        else client.tabular_data_by_mql(self.organization_id, pipeline))
                done = export_rows(docs, self.path, "jsonl")
        self.log.info("wrote %d rows to %s", done.rows, done.path)
        return done.to_dict()


class _TableRows:
    """A ``pyarrow.Table`` seen as what :func:`export_rows` writes as Parquet."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def iter_batches(self, schema: Any = None) -> Any:
        return iter(self.table.to_batches() or [_empty_batch(self.table.schema)])


def _empty_batch(schema: Any) -> Any:
    import pyarrow as pa

    return pa.RecordBatch.from_pylist([], schema=schema)


__all__ = ["ViamExportBinaryOperator", "ViamExportPartitionOperator", "ViamPlanPartitionsOperator",
           "ViamQueryOperator", "ViamUploadOperator"]
