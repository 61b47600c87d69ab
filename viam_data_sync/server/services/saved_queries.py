"""Saved queries: named MQL pipelines of an organization (the ``DataService`` saved
query RPCs, a mixin of ``DataServicer``), and the BSON stage checks they share with
``TabularDataByMQL`` and data pipelines.

Names are unique within an organization (ALREADY_EXISTS otherwise).
``TabularDataByMQL`` with ``query_prefix_name`` runs the saved query of that name in the
request's organization, followed by the request's own ``mql_binary`` stages.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Dict, List

import grpc

from viam_data_sync._convert import ns_to_timestamp
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync.server.services.owned import owned_row
from viam_data_sync.server._config import ServiceConfig
from viam_data_sync.server._rpc import Authorizer, RpcFail, Scope, check_org, handler, invalid, not_found
from viam_data_sync.server.services.validation import decode_stages
from viam_data_sync.server.store import Store, new_id, now_ns, saved_queries
from viam_data_sync.server.store.saved_queries import store_stages, stored_stages

MAX_NAME_LENGTH = 256



def _name(name: str) -> str:
    if not name.strip() or len(name) > MAX_NAME_LENGTH:
        raise invalid(f"name must be 1-{MAX_NAME_LENGTH} characters, not blank")
    return name


def _exists(name: str) -> RpcFail:
    return RpcFail(grpc.StatusCode.ALREADY_EXISTS, f"a saved query named {name[:100]!r} already exists")


def _message(row: sqlite3.Row) -> Any:
    return data_pb2.Query(
        id=row["id"], organization_id=row["organization_id"], name=row["name"],
        mql_binary=[bytes.fromhex(item) for item in json.loads(row["mql"])],
        created_on=ns_to_timestamp(row["created_ns"]), updated_at=ns_to_timestamp(row["updated_ns"]))


def saved_query_stages(store: Store, organization_id: str, name: str) -> List[Dict[str, Any]]:
    """The stages of the saved query ``name`` of ``organization_id`` (visible already)."""
    mql = saved_queries.stages_by_name(store.conn(), organization_id, name)
    if mql is None:
        raise not_found(f"saved query {name[:100]!r} not found")
    return stored_stages(mql)


class SavedQueriesMixin:
    """The saved-query RPCs of ``DataServicer`` (typed against the attributes it sets: ``store``, ``auth``, ``config``)."""

    store: Store
    auth: Authorizer
    config: ServiceConfig

    @handler
    def CreateSavedQuery(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802

        check_org(self.store, request.organization_id, scope)
        name = _name(request.name)
        decode_stages(request.mql_binary)
        query_id, now = new_id(), now_ns()
        with self.store.write() as conn:
            if saved_queries.name_taken(conn, request.organization_id, name):
                raise _exists(name)
            saved_queries.insert(conn, query_id, request.organization_id, name, store_stages(request.mql_binary), now)
        return data_pb2.CreateSavedQueryResponse(id=query_id)

    @handler
    def UpdateSavedQuery(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        """Replaces the name and the stages (both required, as on create)."""
        name = _name(request.name)
        decode_stages(request.mql_binary)
        with self.store.write() as conn:
            row = owned_row(conn, "saved_queries", request.id, scope, "saved query")
            if name != row["name"] and saved_queries.name_taken(conn, row["organization_id"], name):
                raise _exists(name)
            saved_queries.update(conn, row["id"], name, store_stages(request.mql_binary),
                                 max(now_ns(), row["updated_ns"] + 1))
        return data_pb2.UpdateSavedQueryResponse()

    @handler
    def GetSavedQuery(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        row = owned_row(self.store.conn(), "saved_queries", request.id, scope, "saved query")
        return data_pb2.GetSavedQueryResponse(saved_query=_message(row))

    @handler
    def DeleteSavedQuery(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        with self.store.write() as conn:
            row = owned_row(conn, "saved_queries", request.id, scope, "saved query")
            saved_queries.delete(conn, row["id"])
        return data_pb2.DeleteSavedQueryResponse()

    @handler
    def ListSavedQueries(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        """The organization's saved queries, oldest first; ``limit`` 0 means all."""

        check_org(self.store, request.organization_id, scope)
        if request.limit < 0:
            raise invalid("limit must not be negative")
        rows = saved_queries.of_organization(self.store.conn(), request.organization_id, request.limit)
        return data_pb2.ListSavedQueriesResponse(queries=[_message(r) for r in rows])
