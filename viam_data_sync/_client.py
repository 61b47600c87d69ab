"""``DataClient``: the official async ``viam.app.data_client.DataClient`` surface as
plain blocking methods over grpcio.

Same method names, parameter names, order and defaults, and return shapes as the
official SDK (``viam-sdk``), minus ``async``. Newer parameters come after the seed
API's, with defaults, and every RPC method takes a keyword-only ``timeout=`` (seconds,
``None`` for no deadline) overriding the client's default for that call.

Requests are built field by field as the official SDK builds them, except where it
has bugs; those differences are listed on each method and summarised here:

* values: Struct ``null`` -> ``None`` (not ``0``); datetimes returned are aware UTC
  (not naive); naive datetimes given to us are taken as UTC (as the SDK does);
  SQL/MQL results are decoded with tz-aware UTC datetimes;
* ``dest=`` writes JSON Lines (tabular) or the CLI's ``data/`` + ``metadata/``
  layout (binary), atomically, and raises on failure;
* uploads stream the payload in chunks (256 KiB) instead of one message, and
  ``file_upload`` sends ``mime_type``;
* ``tabular_data_by_mql`` applies ``use_recent_data`` only when no source type is
  chosen, and works with ``query_prefix_name`` and no stages;
* ``delete_binary_data_by_filter`` has ``include_internal_data``;
* bad input (empty id or tag lists, bounding boxes outside [0, 1], wrong types,
  missing files, ...) raises ``ValueError``/``TypeError``/``FileNotFoundError``
  before anything is sent.

The class is the index of the API: each base class is a chapter, one area of the Data
API, in the module of ``viam_data_sync/_api/`` named after it. Every chapter makes its
calls through the one call path (``self._caller.call``, :mod:`viam_data_sync._call`).
"""
from __future__ import annotations

from typing import TypeAlias

from viam_data_sync._api.annotations import TagsAndAnnotations
from viam_data_sync._api.arrow import ArrowQueries
from viam_data_sync._api.binary import BinaryData
from viam_data_sync._api.connection import ClientConnection
from viam_data_sync._api.database import DatabaseAccess
from viam_data_sync._api.datasets import Datasets
from viam_data_sync._api.downloads import Downloads
from viam_data_sync._api.filters import Filters
from viam_data_sync._api.indexes import Indexes
from viam_data_sync._api.iteration import Iteration
from viam_data_sync._api.partitions import Partitions
from viam_data_sync._api.pipelines import DataPipelines
from viam_data_sync._api.sequences import Sequences
from viam_data_sync._api.sync import IncrementalSync
from viam_data_sync._api.tabular import TabularQueries
from viam_data_sync._api.uploads import Uploads
from viam_data_sync._models import (
    DatabaseConnection,
    DataPipeline,
    DataPipelineRun,
    DataPipelineRunsPage,
    TabularData,
    TabularDataPoint,
)


class DataClient(
    ClientConnection,    # _api/connection.py: DataClient(channel), from_api_key, from_env, close, with
    TabularQueries,      # _api/tabular.py:    tabular_data_by_filter/_by_sql/_by_mql, get_latest_tabular_data,
                         #                     export_tabular_data, delete_tabular_data
    BinaryData,          # _api/binary.py:     binary_data_by_filter/_by_ids, create_binary_data_signed_url,
                         #                     delete_binary_data_by_filter/_by_ids
    TagsAndAnnotations,  # _api/annotations.py: tags, bounding boxes and their labels
    Datasets,            # _api/datasets.py:   datasets and the binary data in them
    DatabaseAccess,      # _api/database.py:   get_database_connection(_info), configure_database_user
    Indexes,             # _api/indexes.py:    create_index, list_indexes, delete_index
    Uploads,             # _api/uploads.py:    *_capture_upload, file_upload(_from_path), upload
    DataPipelines,       # _api/pipelines.py:  data pipelines and their runs
    Sequences,           # _api/sequences.py:  sequences and sequence-dataset exports
    Iteration,           # _api/iteration.py:  iter_tabular, iter_binary, iter_export_tabular, iter_mql
    Partitions,          # _api/partitions.py: plan_tabular, plan_binary, read_partition
    ArrowQueries,        # _api/arrow.py:      tabular_data_by_sql_arrow/_by_mql_arrow, arrow_schema
    IncrementalSync,     # _api/sync.py:       sync_tabular
    Downloads,           # _api/downloads.py:  download_binary_data
    Filters,             # _api/filters.py:    create_filter
):
    """Blocking client for the Viam Data API (data, datasets, uploads).

    The same methods as the official async ``viam.app.data_client.DataClient``, called
    without ``await``. Thread-safe; one client can be shared.

    Args:
        channel: a grpcio channel to the Data API (with TLS and, for the cloud, a
            bearer token: see :meth:`from_api_key`, which does all of that). The
            channel is used as given: raise its ``grpc.max_receive_message_length``
            above gRPC's 4 MiB default to read large files or pages.
        metadata: gRPC metadata sent with every call, e.g.
            ``{"authorization": "Bearer <token>"}`` as in the official SDK.
        timeout: default deadline of each call, in seconds (``None``: only the retry
            policy's overall deadline, 300 s by default).
        retry: the retry policy; ``None`` disables retries; the default is
            ``RetryPolicy()``.
        clock: time, deadlines and backoff sleeps (pass your own in tests).

    Example::

        import grpc
        from viam_data_sync import DataClient

        with DataClient.from_api_key("<API-KEY>", "<API-KEY-ID>") as data_client:
            rows = data_client.tabular_data_by_sql(
                "<ORG-ID>", "SELECT * FROM readings "
                            "WHERE time_received >= CAST('2025-01-01T00:00:00Z' AS TIMESTAMP) LIMIT 5")

        # or over your own channel
        data_client = DataClient(grpc.insecure_channel("localhost:8080"))
    """

    TabularData: TypeAlias = TabularData
    TabularDataPoint: TypeAlias = TabularDataPoint
    DatabaseConnection: TypeAlias = DatabaseConnection
    DataPipeline: TypeAlias = DataPipeline
    DataPipelineRun: TypeAlias = DataPipelineRun
    DataPipelineRunsPage: TypeAlias = DataPipelineRunsPage


__all__ = ["DataClient", "DatabaseConnection"]
