"""``viam.app.data.v1.DataService`` over the local store.

Response conventions (documented choices of the local server):

* ``count`` is the number of items in the page, or with ``count_only`` the number of
  items matching the filter; ``total_size_bytes`` likewise (binary: file sizes;
  tabular: the JSON size of each reading's ``data``).
* ``last`` is the cursor after the last item returned; on an empty page the request's
  own ``last`` comes back, so a client looping "until an empty page" never restarts.
* BinaryDataByFilter with ``include_binary`` returns fewer items than ``limit`` when
  the page would exceed the message size limit; a single too-large item is
  RESOURCE_EXHAUSTED (fetch it by ``uri`` or a signed URL instead).
* By-id reads skip unknown ids; by-id writes are all-or-nothing (NOT_FOUND for the
  first unknown id), except deletes, which are idempotent.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import sqlite3
from typing import Any, Callable, Dict, Iterator, List, Sequence

import grpc

from viam_data_sync._convert import dict_to_struct, ns_to_timestamp, struct_to_dict
from viam_data_sync._proto.app.data.v1 import data_pb2, data_pb2_grpc
from viam_data_sync.server.store import filters as q
from viam_data_sync.server.services import records as rec
from viam_data_sync.server._rpc import (
    LOG,
    Authorizer,
    RpcFail,
    Scope,
    check_org,
    fill_unimplemented,
    handler,
    invalid,
    not_found,
)
from viam_data_sync.server.services.binary_reader import BinaryReader
from viam_data_sync.server._config import ServerClock, ServiceConfig
from viam_data_sync.server.web.http import UrlSigner
from viam_data_sync.server.services.indexes import IndexesMixin
from viam_data_sync.server.services.paging import Page, empty_filter, exclude_internal, open_page
from viam_data_sync.server.services.pipeline_sink import sink_pipeline
from viam_data_sync.server.store import binary, datasets, readings, users
from viam_data_sync.server.store.schema import captured_ns
from viam_data_sync.server.services.saved_queries import SavedQueriesMixin, saved_query_stages
from viam_data_sync.server.services.sequences import SequencesMixin
from viam_data_sync.server.engines.query_pool import QueryPool
from viam_data_sync.server.store import Store, hash_password, now_ns
from viam_data_sync.server.services.validation import check_box, check_tags, decode_stages
from viam_data_sync.server.store.values import clamp_int64, distinct

EXPORT_BATCH = 500
#: How far back GetLatestTabularData looks, by sync time: one year (365 days).
LATEST_WINDOW_NS = 365 * 24 * 3600 * 1_000_000_000
SIGNED_URL_DEFAULT_MINUTES = 15
SIGNED_URL_MAX_MINUTES = 10080


class DataServicer(SequencesMixin, SavedQueriesMixin, IndexesMixin, data_pb2_grpc.DataServiceServicer):
    """The Data API's query, tag, annotation and delete RPCs (the sequence, saved-query
    and index RPCs are chapters of their own, typed against the attributes set here).

    Args:
        store: The store.
        auth: The auth layer (each call's organizations).
        queries: The bounded query workers SQL and MQL run in.
        signer: Signs blob URLs served by the HTTP listener.
        config: The server's limits and reported addresses.
        clock: The server's clock (the hot store's and the latest reading's windows).
    """

    def __init__(self, store: Store, auth: Authorizer, queries: QueryPool, signer: UrlSigner,
                 config: ServiceConfig, clock: ServerClock) -> None:
        self.store = store
        self.auth = auth
        self.queries = queries
        self.signer = signer
        self.config = config
        self.clock = clock
        self.binary = BinaryReader(store, config.max_message_bytes)

    # ------------------------------------------------------------ helpers
    def _filter(self, request: Any, field: str = "filter") -> Any:
        return getattr(request, field) if request.HasField(field) else empty_filter()

    def _paging(self, request: Any, kind: str, table: str, scope: Scope) -> Page:
        return open_page(self.store.conn(), request, kind, table, scope, self.config.max_page_size)

    # ------------------------------------------------------------ tabular
    @handler
    def TabularDataByFilter(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        page = self._paging(request, "tabular", q.READINGS, scope)
        response = data_pb2.TabularDataByFilterResponse()
        if request.count_only:
            response.count, response.total_size_bytes = page.count("length(t.data)")
            return response
        rows = page.rows()
        index: Dict[Any, int] = {}
        size = 0
        for row in rows:
            key = rec.reading_capture_key(row)
            if key not in index:
                index[key] = len(response.metadata)
                response.metadata.append(rec.reading_capture_metadata(row))
            item = response.data.add(
                metadata_index=index[key], time_received=ns_to_timestamp(row["time_received_ns"])
            )
            blob = row["data_pb"]
            if blob is not None:
                item.data.MergeFromString(blob)  # stored serialized: no re-encoding per page
            else:
                item.data.CopyFrom(rec.reading_struct(row))
            if row["time_requested_ns"] is not None:
                item.time_requested.CopyFrom(ns_to_timestamp(row["time_requested_ns"]))
            size += len(row["data"])
        response.count = len(rows)
        response.total_size_bytes = size
        response.last = page.next_cursor(rows)
        return response

    def _run_engine(
        self, engine: str, organization_id: str, scope: Scope, payload: Any, context: Any,
        **mql_options: Any
    ) -> List[bytes]:
        """The query's BSON documents, run in a query worker process (``engines/query_pool.py``),
        bounded in time, memory and size."""
        check_org(self.store, organization_id, scope)
        return self.queries.run(
            engine,
            organization_id,
            [organization_id],
            payload,
            max_rows=self.config.max_query_rows,
            max_bytes=self.config.max_message_bytes - 64 * 1024,
            time_remaining=context.time_remaining(),
            options=mql_options,
        )

    @handler
    def TabularDataBySQL(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        if not request.sql_query.strip():
            raise invalid("sql_query is required")
        raw = self._run_engine("SQL", request.organization_id, scope, request.sql_query, context)
        return data_pb2.TabularDataBySQLResponse(raw_data=raw)

    @handler
    def TabularDataByMQL(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        """MQL over the readings, the hot store (``use_recent_data`` or HOT_STORAGE) or a
        pipeline's sink (PIPELINE_SINK); ``query_prefix_name`` runs a saved query first."""
        stages = decode_stages(request.mql_binary, required=False, shape=False)
        check_org(self.store, request.organization_id, scope)
        if request.HasField("query_prefix_name"):
            stages = saved_query_stages(self.store, request.organization_id, request.query_prefix_name) + stages
        source = request.data_source.type if request.HasField("data_source") else 0
        options: Dict[str, Any] = {}
        if source == data_pb2.TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK:
            pipeline_id = sink_pipeline(self.store, request.organization_id, request.data_source.pipeline_id, scope)
            options["sink_pipeline_id"] = pipeline_id
        elif source == data_pb2.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE or request.use_recent_data:
            options["received_since_ns"] = self.clock.hot_store_since_ns()
        return data_pb2.TabularDataByMQLResponse(
            raw_data=self._run_engine("MQL", request.organization_id, scope, stages, context, **options)
        )

    def _source_where(
        self,
        part_id: str,
        resource_name: str,
        resource_subtype: str,
        method_name: str,
        scope: Scope,
    ) -> q.Where:
        if not part_id:
            raise invalid("part_id is required")
        part = self.store.part_info(part_id)
        if part is None or (scope is not None and part.organization_id not in scope):
            raise not_found(f"part {part_id} not found")
        where = q.Where(orgs=[part.organization_id])
        where.add("t.part_id = ?", part_id)
        if resource_name:
            where.add("t.component_name = ?", resource_name)
        if method_name:
            where.add("t.method_name = ?", method_name)
        if resource_subtype:
            where.add("t.component_type = ?", resource_subtype)
        return where

    def _source_rows(
        self,
        where: q.Where,
        request: Any,
        *,
        descending: bool,
        batch: int,
        active: Callable[[], bool] = lambda: True,
    ) -> Iterator[sqlite3.Row]:
        """The readings ``where`` selects (one source: see :meth:`_source_where`) that were
        captured with the request's ``additional_parameters``, if it has them; read from one
        snapshot in batches of ``batch``, while ``active()``."""
        wanted = (
            struct_to_dict(request.additional_parameters)
            if request.HasField("additional_parameters")
            else None
        )
        conn = self.store.conn()
        snapshot = q.max_row_id(conn, q.READINGS)
        after = None
        while active():
            rows = q.fetch_page(
                conn, q.READINGS, where, descending=descending, limit=batch, snapshot=snapshot, after=after
            )
            for row in rows:
                if wanted is None or json.loads(row["method_parameters"]) == wanted:
                    yield row
            if len(rows) < batch:
                return
            after = (rows[-1]["time_received_ns"], rows[-1]["id"])

    @handler
    def GetLatestTabularData(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        """The newest reading of one source synced within the last year (by the server's clock)."""
        where = self._source_where(
            request.part_id, request.resource_name, request.resource_subtype, request.method_name, scope
        )
        where.add("COALESCE(t.time_synced_ns, t.time_received_ns) >= ?", self.clock.now_ns() - LATEST_WINDOW_NS)
        for row in self._source_rows(where, request, descending=True, batch=200):
            synced = row["time_synced_ns"]
            return data_pb2.GetLatestTabularDataResponse(
                time_captured=ns_to_timestamp(captured_ns(row)),
                time_synced=ns_to_timestamp(row["time_received_ns"] if synced is None else synced),
                payload=rec.reading_struct(row),
            )
        return data_pb2.GetLatestTabularDataResponse()

    @handler
    def ExportTabularData(self, request: Any, context: Any, scope: Scope) -> Iterator[Any]:  # noqa: N802
        """Streams matching readings oldest first, read in batches (never all at once)."""
        where = self._source_where(
            request.part_id, request.resource_name, request.resource_subtype, request.method_name, scope
        )
        if request.HasField("interval"):
            q.add_interval(where, request.interval)
        for row in self._source_rows(where, request, descending=False, batch=EXPORT_BATCH, active=context.is_active):
            yield self._export_item(row)

    @staticmethod
    def _export_item(row: sqlite3.Row) -> Any:
        return data_pb2.ExportTabularDataResponse(
            part_id=row["part_id"],
            resource_name=row["component_name"],
            resource_subtype=row["component_type"],
            method_name=row["method_name"],
            time_captured=ns_to_timestamp(captured_ns(row)),
            organization_id=row["organization_id"],
            location_id=row["location_id"],
            robot_name=row["robot_name"],
            robot_id=row["robot_id"],
            part_name=row["part_name"],
            method_parameters=dict_to_struct(json.loads(row["method_parameters"])),
            tags=json.loads(row["tags"]),
            payload=rec.reading_struct(row),
        )

    @handler
    def DeleteTabularData(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        """Deletes readings older than N UTC calendar days (0: all), optionally filtered."""
        check_org(self.store, request.organization_id, scope)
        where = q.Where(orgs=[request.organization_id])
        if request.delete_older_than_days:
            today = _dt.datetime.now(_dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
            cutoff_ns = (int(today.timestamp()) - request.delete_older_than_days * 86_400) * 1_000_000_000
            where.add("t.time_received_ns < ?", clamp_int64(cutoff_ns))  # before 1677: nothing
        if request.HasField("filter"):
            f = request.filter
            if f.location_ids:
                locations = distinct(f.location_ids, "filter.location_ids")
                where.add(f"t.location_id IN ({', '.join('?' for _ in locations)})", *locations)
            for attr, column in (
                ("robot_id", "robot_id"),
                ("part_id", "part_id"),
                ("component_type", "component_type"),
                ("component_name", "component_name"),
                ("method", "method_name"),
            ):
                if getattr(f, attr):
                    where.add(f"t.{column} = ?", getattr(f, attr))
            if f.HasField("tags_filter"):
                q.add_tags(where, f.tags_filter, q.READINGS)
        with self.store.write() as conn:
            deleted = readings.delete(conn, request.organization_id, where)
        return data_pb2.DeleteTabularDataResponse(deleted_count=deleted)

    # ------------------------------------------------------------ binary reads
    @handler
    def BinaryDataByFilter(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        page = self._paging(request, "binary", q.BINARY, scope)
        conn = page.conn
        response = data_pb2.BinaryDataByFilterResponse()
        if request.count_only:
            response.count, response.total_size_bytes = page.count("t.size_bytes")
            return response
        rows = page.rows()
        if request.include_binary:
            rows = self.binary.fit(rows)
        for row, meta in zip(rows, self.binary.metadata(conn, rows)):
            item = response.data.add(metadata=meta)
            if request.include_binary:
                item.binary = self.binary.blob_bytes(row)
        response.count = len(rows)
        response.total_size_bytes = sum(r["size_bytes"] for r in rows)
        response.last = page.next_cursor(rows)
        return response

    @handler
    def BinaryDataByIDs(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        refs = rec.refs_from(request.binary_data_ids, request.binary_ids)
        conn = self.store.conn()
        rows = rec.resolve(conn, refs, scope, missing_ok=True)
        if request.include_binary and len(self.binary.fit(rows)) < len(rows):
            raise RpcFail(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "binary data too large to include inline; ask for fewer ids or use the uri",
            )
        response = data_pb2.BinaryDataByIDsResponse(count=len(rows))
        for row, meta in zip(rows, self.binary.metadata(conn, rows)):
            item = response.data.add(metadata=meta)
            if request.include_binary:
                item.binary = self.binary.blob_bytes(row)
        return response

    # ------------------------------------------------------------ binary deletes
    def _unlink(self, file_ids: Sequence[str]) -> None:
        for file_id in file_ids:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.store.blob_path(file_id))

    @handler
    def DeleteBinaryDataByFilter(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        flt = self._filter(request)
        with self.store.write() as conn:
            where = q.compile_filter(conn, flt, scope, q.BINARY)
            exclude_internal(where, request)
            ids = q.select_ids(conn, where)
            file_ids = binary.delete_items(conn, ids)
        self._unlink(file_ids)
        return data_pb2.DeleteBinaryDataByFilterResponse(deleted_count=len(file_ids))

    @handler
    def DeleteBinaryDataByIDs(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        refs = rec.refs_from(request.binary_data_ids, request.binary_ids)
        with self.store.write() as conn:
            rows = rec.resolve(conn, refs, scope, missing_ok=True)
            file_ids = binary.delete_items(conn, [r["id"] for r in rows])
        self._unlink(file_ids)
        return data_pb2.DeleteBinaryDataByIDsResponse(deleted_count=len(file_ids))

    # ------------------------------------------------------------ tags

    @handler
    def AddTagsToBinaryDataByIDs(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        tags = check_tags(request.tags)
        refs = rec.refs_from(request.binary_data_ids, request.binary_ids)
        with self.store.write() as conn:
            rows = rec.resolve(conn, refs, scope, missing_ok=False)
            binary.add_tags(conn, [r["id"] for r in rows], tags)
        return data_pb2.AddTagsToBinaryDataByIDsResponse()

    @handler
    def AddTagsToBinaryDataByFilter(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        tags = check_tags(request.tags)
        with self.store.write() as conn:
            ids = q.select_ids(conn, q.compile_filter(conn, self._filter(request), scope, q.BINARY))
            binary.add_tags(conn, ids, tags)
        return data_pb2.AddTagsToBinaryDataByFilterResponse()

    @handler
    def RemoveTagsFromBinaryDataByIDs(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        tags = check_tags(request.tags)
        refs = rec.refs_from(request.binary_data_ids, request.binary_ids)
        with self.store.write() as conn:
            rows = rec.resolve(conn, refs, scope, missing_ok=False)
            count = binary.remove_tags(conn, [r["id"] for r in rows], tags)
        return data_pb2.RemoveTagsFromBinaryDataByIDsResponse(deleted_count=count)

    @handler
    def RemoveTagsFromBinaryDataByFilter(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        tags = check_tags(request.tags)
        with self.store.write() as conn:
            ids = q.select_ids(conn, q.compile_filter(conn, self._filter(request), scope, q.BINARY))
            count = binary.remove_tags(conn, ids, tags)
        return data_pb2.RemoveTagsFromBinaryDataByFilterResponse(deleted_count=count)

    @handler
    def TagsByFilter(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        conn = self.store.conn()
        where = q.compile_filter(conn, self._filter(request), scope, q.BINARY)
        return data_pb2.TagsByFilterResponse(tags=binary.distinct_tags(conn, where))

    @handler
    def BoundingBoxLabelsByFilter(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        conn = self.store.conn()
        where = q.compile_filter(conn, self._filter(request), scope, q.BINARY)
        return data_pb2.BoundingBoxLabelsByFilterResponse(labels=binary.distinct_box_labels(conn, where))

    # ------------------------------------------------------------ bounding boxes
    @handler
    def AddBoundingBoxToImageByID(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        ref = rec.single_ref(request.binary_data_id, request.binary_id, request.HasField("binary_id"))
        if not request.label.strip():
            raise invalid("label is required")
        confidence = request.confidence if request.HasField("confidence") else None
        check_box(
            request.x_min_normalized,
            request.y_min_normalized,
            request.x_max_normalized,
            request.y_max_normalized,
            confidence,
        )
        box = binary.Box(request.label, request.x_min_normalized, request.y_min_normalized,
                         request.x_max_normalized, request.y_max_normalized, confidence)
        with self.store.write() as conn:
            row = rec.resolve(conn, [ref], scope, missing_ok=False)[0]
            bbox_id = binary.insert_box(conn, row["id"], box)
        return data_pb2.AddBoundingBoxToImageByIDResponse(bbox_id=bbox_id)

    def _bbox(self, conn: sqlite3.Connection, request: Any, scope: Scope) -> sqlite3.Row:
        ref = rec.single_ref(request.binary_data_id, request.binary_id, request.HasField("binary_id"))
        if not request.bbox_id:
            raise invalid("bbox_id is required")
        row = rec.resolve(conn, [ref], scope, missing_ok=False)[0]
        box = binary.get_box(conn, row["id"], request.bbox_id)
        if box is None:
            raise not_found(f"bounding box {request.bbox_id[:100]} not found on {ref.label()[:200]}")
        return box

    @handler
    def RemoveBoundingBoxFromImageByID(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        with self.store.write() as conn:
            box = self._bbox(conn, request, scope)
            binary.delete_box(conn, box["id"])
        return data_pb2.RemoveBoundingBoxFromImageByIDResponse()

    @handler
    def UpdateBoundingBox(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        with self.store.write() as conn:
            box = self._bbox(conn, request, scope)

            def pick(field: str, column: str) -> Any:
                return getattr(request, field) if request.HasField(field) else box[column]

            label = pick("label", "label")
            values = (
                pick("x_min_normalized", "x_min"),
                pick("y_min_normalized", "y_min"),
                pick("x_max_normalized", "x_max"),
                pick("y_max_normalized", "y_max"),
            )
            confidence = pick("confidence", "confidence")
            if not label.strip():
                raise invalid("label must not be empty")
            check_box(*values, confidence)
            binary.update_box(conn, box["id"], binary.Box(label, *values, confidence))
        return data_pb2.UpdateBoundingBoxResponse()

    # ------------------------------------------------------------ database user
    @handler
    def GetDatabaseConnection(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        check_org(self.store, request.organization_id, scope)
        has_user = users.has_user(self.store.conn(), request.organization_id)
        return data_pb2.GetDatabaseConnectionResponse(
            hostname=self.config.database_hostname,
            mongodb_uri=self.config.mongodb_uri_for(request.organization_id, has_user),
            has_database_user=has_user,
        )

    @handler
    def ConfigureDatabaseUser(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        check_org(self.store, request.organization_id, scope)
        password = request.password
        if len(password) < 8:
            raise invalid("password must be at least 8 characters")
        salt = os.urandom(16)
        digest = hash_password(password, salt)
        with self.store.write() as conn:
            users.set_user(conn, request.organization_id, salt, digest, now_ns())
        LOG.info("database user configured for organization %s", request.organization_id)
        return data_pb2.ConfigureDatabaseUserResponse()

    # ------------------------------------------------------------ datasets
    def _dataset(self, conn: sqlite3.Connection, dataset_id: str, scope: Scope) -> datasets.Dataset:
        if not dataset_id:
            raise invalid("dataset_id is required")
        row = datasets.get(conn, dataset_id)
        if row is None or (scope is not None and row.organization_id not in scope):
            raise not_found(f"dataset {dataset_id[:100]} not found")
        return row

    @handler
    def AddBinaryDataToDatasetByIDs(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        refs = rec.refs_from(request.binary_data_ids, request.binary_ids)
        with self.store.write() as conn:
            dataset = self._dataset(conn, request.dataset_id, scope)
            rows = rec.resolve(conn, refs, scope, missing_ok=False)
            for row in rows:
                if row["organization_id"] != dataset.organization_id:
                    raise invalid(f"{row['binary_data_id']} is not in the dataset's organization")
            binary.add_to_dataset(conn, dataset.id, [r["id"] for r in rows])
        return data_pb2.AddBinaryDataToDatasetByIDsResponse()

    @handler
    def RemoveBinaryDataFromDatasetByIDs(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        refs = rec.refs_from(request.binary_data_ids, request.binary_ids)
        with self.store.write() as conn:
            dataset = self._dataset(conn, request.dataset_id, scope)
            rows = rec.resolve(conn, refs, scope, missing_ok=False)
            binary.remove_from_dataset(conn, dataset.id, [r["id"] for r in rows])
        return data_pb2.RemoveBinaryDataFromDatasetByIDsResponse()

    # ------------------------------------------------------------ signed URL
    @handler
    def CreateBinaryDataSignedURL(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        """An HTTP URL of the blob on the server's HTTP listener, HMAC-signed with its
        expiry (``web/http.py``), as the cloud's signed URLs are."""
        ref = rec.ref_from_string(request.binary_data_id) if request.binary_data_id else None
        if ref is None:
            raise invalid("binary_data_id is required")
        minutes = SIGNED_URL_DEFAULT_MINUTES
        if request.HasField("expiration_minutes"):
            minutes = request.expiration_minutes
            if not 1 <= minutes <= SIGNED_URL_MAX_MINUTES:
                raise invalid(f"expiration_minutes must be within [1, {SIGNED_URL_MAX_MINUTES}]")
        row = rec.resolve(self.store.conn(), [ref], scope, missing_ok=False)[0]
        expires = now_ns() + minutes * 60 * 1_000_000_000
        return data_pb2.CreateBinaryDataSignedURLResponse(
            signed_url=self.signer.url(row["file_id"], expires / 1e9), expires_at=ns_to_timestamp(expires)
        )


fill_unimplemented(
    DataServicer,
    data_pb2.DESCRIPTOR.services_by_name["DataService"],
    {name for cls in DataServicer.__mro__ if cls not in (data_pb2_grpc.DataServiceServicer, object)
     for name, value in vars(cls).items() if name[:1].isupper() and callable(value)},
)
