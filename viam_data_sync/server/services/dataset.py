"""``viam.app.dataset.v1.DatasetService`` over the local store.

Dataset names are unique within an organization (ALREADY_EXISTS otherwise) and must be
1-256 characters of letters, digits, ``-``, ``_`` or ``.``.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any, List, cast

import grpc

from viam_data_sync._convert import ns_to_timestamp
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2, dataset_pb2_grpc
from viam_data_sync.server._rpc import Authorizer, RpcFail, Scope, check_org, fill_unimplemented, handler, invalid, not_found
from viam_data_sync.server.services.sequence_export import SequenceExportMixin
from viam_data_sync.server.store import datasets
from viam_data_sync.server.store import Store, new_id, now_ns
from viam_data_sync.server.store.values import distinct

_NAME = re.compile(r"^[A-Za-z0-9._-]{1,256}$")


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise invalid("dataset name must be 1-256 letters, digits, '-', '_' or '.'")
    return name


def _exists(message: str) -> RpcFail:
    return RpcFail(grpc.StatusCode.ALREADY_EXISTS, message)


def _to_proto(row: datasets.Dataset) -> Any:
    return dataset_pb2.Dataset(
        id=row.id,
        name=row.name,
        organization_id=row.organization_id,
        time_created=ns_to_timestamp(row.time_created_ns),
        type=cast(Any, row.type),  # an int of the DatasetType enum
    )


class DatasetServicer(SequenceExportMixin, dataset_pb2_grpc.DatasetServiceServicer):
    """Datasets: named, per-organization sets of binary data.

    Args:
        store: The store.
        auth: The auth layer (each call's organizations).
    """

    def __init__(self, store: Store, auth: Authorizer) -> None:
        self.store = store
        self.auth = auth

    def _get(self, conn: sqlite3.Connection, dataset_id: str, scope: Scope) -> datasets.Dataset:
        if not dataset_id:
            raise invalid("dataset id is required")
        row = datasets.get(conn, dataset_id)
        if row is None or (scope is not None and row.organization_id not in scope):
            raise not_found(f"dataset {dataset_id[:100]} not found")
        return row

    def _insert(self, conn: sqlite3.Connection, name: str, organization_id: str, kind: int) -> str:
        if datasets.name_taken(conn, organization_id, name):
            raise _exists(f"a dataset named {name!r} already exists in this organization")
        dataset_id = new_id()
        datasets.insert(conn, dataset_id, name, organization_id, kind, now_ns())
        return dataset_id

    @staticmethod
    def _kind(request: Any) -> int:
        kind = request.type if request.HasField("type") else dataset_pb2.DATASET_TYPE_BINARY_DATA
        if kind not in dataset_pb2.DatasetType.values():
            raise invalid(f"unknown dataset type {kind}")
        return kind

    @handler
    def CreateDataset(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        name = _check_name(request.name)
        check_org(self.store, request.organization_id, scope)
        kind = self._kind(request)
        with self.store.write() as conn:
            dataset_id = self._insert(conn, name, request.organization_id, kind)
        return dataset_pb2.CreateDatasetResponse(id=dataset_id)

    @handler
    def DeleteDataset(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        with self.store.write() as conn:
            row = self._get(conn, request.id, scope)
            datasets.delete(conn, row.id)
        return dataset_pb2.DeleteDatasetResponse()

    @handler
    def RenameDataset(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        name = _check_name(request.name)
        with self.store.write() as conn:
            row = self._get(conn, request.id, scope)
            if row.name != name and datasets.name_taken(conn, row.organization_id, name):
                raise _exists(f"a dataset named {name!r} already exists in this organization")
            datasets.rename(conn, row.id, name)
        return dataset_pb2.RenameDatasetResponse()

    @handler
    def ListDatasetsByOrganizationID(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        check_org(self.store, request.organization_id, scope)
        kind = self._kind(request) if request.HasField("type") else None
        rows = datasets.of_organization(self.store.conn(), request.organization_id, kind)
        return dataset_pb2.ListDatasetsByOrganizationIDResponse(datasets=[_to_proto(r) for r in rows])

    @handler
    def ListDatasetsByIDs(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        if not request.ids:
            raise invalid("no dataset ids given")
        conn = self.store.conn()
        out: List[Any] = []
        for dataset_id in dict.fromkeys(request.ids):
            row = datasets.get(conn, dataset_id)
            if row is not None and (scope is None or row.organization_id in scope):
                out.append(_to_proto(row))
        return dataset_pb2.ListDatasetsByIDsResponse(datasets=out)

    @handler
    def MergeDatasets(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        """A new dataset holding the union of the members of ``dataset_ids`` (which stay)."""
        name = _check_name(request.name)
        check_org(self.store, request.organization_id, scope)
        ids = distinct(request.dataset_ids, "dataset_ids")
        if len(ids) < 2:
            raise invalid("merging needs at least two dataset ids")
        with self.store.write() as conn:
            rows = [self._get(conn, dataset_id, scope) for dataset_id in ids]
            for row in rows:
                if row.organization_id != request.organization_id:
                    raise invalid(f"dataset {row.id} is not in organization {request.organization_id}")
            kinds = {row.type for row in rows}
            if len(kinds) != 1:
                raise invalid("cannot merge datasets of different types")
            new = self._insert(conn, name, request.organization_id, kinds.pop())
            datasets.copy_members(conn, new, ids)
        return dataset_pb2.MergeDatasetsResponse(dataset_id=new)


fill_unimplemented(
    DatasetServicer,
    dataset_pb2.DESCRIPTOR.services_by_name["DatasetService"],
    {
        "CreateDataset",
        "DeleteDataset",
        "RenameDataset",
        "ListDatasetsByOrganizationID",
        "ListDatasetsByIDs",
        "MergeDatasets",
        "StartSequenceDatasetExport",
        "GetSequenceDatasetExport",
    },
)
