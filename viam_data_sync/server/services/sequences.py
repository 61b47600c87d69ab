"""Sequences: a time window over some resources of one part, tagged, and kept in
sequence datasets. The ``DataService`` sequence RPCs (a mixin of ``DataServicer``).

A sequence belongs to its part's organization. Its binary data is every binary item of
that part whose component is one of the sequence's resources (and whose method is the
resource's ``method_name``, when one is given) and whose ``time_received`` lies within
``[start_time, end_time]``.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Dict, List, Sequence

from viam_data_sync._convert import ns_to_timestamp
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync.server.services.binary_reader import BinaryReader
from viam_data_sync.server._config import ServiceConfig
from viam_data_sync.server.services.owned import decode_token, encode_token, owned_row, page_size, window_ns
from viam_data_sync.server._rpc import Authorizer, Scope, check_org, handler, invalid, not_found
from viam_data_sync.server.store import Store, datasets, new_id, now_ns, sequences
from viam_data_sync.server.store.values import distinct, stored_ns

#: The fields ``UpdateSequence``'s field mask may name.
UPDATABLE = ("resources", "sequence_tags", "start_time", "end_time")


def _resources(items: Sequence[Any]) -> str:
    if not items:
        raise invalid("a sequence needs at least one resource")
    out: List[List[str]] = []
    for item in items:
        if not item.resource_name:
            raise invalid("every resource needs a resource_name")
        out.append([item.resource_name, item.method_name])
    return json.dumps(distinct([tuple(r) for r in out], "resources"))


def _tags(tags: Sequence[str]) -> str:
    for tag in tags:
        if not tag.strip():
            raise invalid("sequence tags must not be empty")
    return json.dumps(distinct(list(tags), "sequence_tags"))


def sequence_message(conn: sqlite3.Connection, row: sqlite3.Row) -> Any:
    """The ``Sequence`` message of a ``sequences`` row, its datasets included."""
    member_of = sequences.dataset_ids(conn, row["id"])
    return data_pb2.Sequence(
        id=row["id"], part_id=row["part_id"], sequence_tags=json.loads(row["tags"]),
        created_at=ns_to_timestamp(row["created_ns"]), updated_at=ns_to_timestamp(row["updated_ns"]),
        start_time=ns_to_timestamp(row["start_ns"]), end_time=ns_to_timestamp(row["end_ns"]),
        resources=[data_pb2.SequenceResourceFilter(resource_name=n, method_name=m)
                   for n, m in json.loads(row["resources"])],
        dataset_ids=member_of,
    )


def sequence_dataset(conn: sqlite3.Connection, dataset_id: str, scope: Scope) -> datasets.Dataset:
    """A dataset visible to ``scope`` that holds sequences (INVALID_ARGUMENT for a binary one)."""
    if not dataset_id:
        raise invalid("dataset id is required")
    row = datasets.get(conn, dataset_id)
    if row is None or (scope is not None and row.organization_id not in scope):
        raise not_found(f"dataset {dataset_id[:100]} not found")
    if row.type != dataset_pb2.DATASET_TYPE_SEQUENCE_DATA:
        raise invalid(f"dataset {dataset_id[:100]} is not a sequence dataset")
    return row


class SequencesMixin:
    """The sequence RPCs: a chapter of ``DataServicer``, typed against the attributes
    it sets (``store``, ``auth``, ``config``, ``binary``)."""

    store: Store
    auth: Authorizer
    config: ServiceConfig
    binary: BinaryReader

    @handler
    def CreateSequence(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        if not request.part_id:
            raise invalid("part_id is required")
        part = self.store.part_info(request.part_id)
        if part is None or (scope is not None and part.organization_id not in scope):
            raise not_found(f"part {request.part_id[:100]} not found")
        start, end = window_ns(request.start_time if request.HasField("start_time") else None,
                               request.end_time if request.HasField("end_time") else None)
        resources, tags, now = _resources(request.resources), _tags(request.sequence_tags), now_ns()
        sequence_id = new_id()
        with self.store.write() as conn:
            sequences.insert(conn, sequence_id, part.organization_id, part.part_id, resources, tags, start, end, now)
        return data_pb2.CreateSequenceResponse(id=sequence_id)

    @handler
    def GetSequence(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        with self.store.read() as conn:
            row = owned_row(conn, "sequences", request.id, scope, "sequence")
            return data_pb2.GetSequenceResponse(sequence=sequence_message(conn, row))

    @handler
    def UpdateSequence(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        """Sets exactly the fields the mask names (an empty mask is INVALID_ARGUMENT)."""
        paths = list(dict.fromkeys(request.field_mask.paths))
        if not paths:
            raise invalid("field_mask must name at least one of: " + ", ".join(UPDATABLE))
        unknown = [p for p in paths if p not in UPDATABLE]
        if unknown:
            raise invalid(f"field_mask names {unknown[0][:100]!r}, which cannot be updated")
        changes: Dict[str, Any] = {}
        if "resources" in paths:
            changes["resources"] = _resources(request.resources)
        if "sequence_tags" in paths:
            changes["tags"] = _tags(request.sequence_tags)
        for field, column in (("start_time", "start_ns"), ("end_time", "end_ns")):
            if field in paths:
                if not request.HasField(field):
                    raise invalid(f"field_mask names {field} but the request has none")
                changes[column] = stored_ns(getattr(request, field), field)
        with self.store.write() as conn:
            row = owned_row(conn, "sequences", request.id, scope, "sequence")
            if changes.get("start_ns", row["start_ns"]) > changes.get("end_ns", row["end_ns"]):
                raise invalid("start_time must not be after end_time")
            changes["updated_ns"] = max(now_ns(), row["updated_ns"] + 1)
            sequences.update(conn, row["id"], changes)
        return data_pb2.UpdateSequenceResponse()

    @handler
    def DeleteSequence(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        with self.store.write() as conn:
            row = owned_row(conn, "sequences", request.id, scope, "sequence")
            sequences.delete(conn, row["id"])
        return data_pb2.DeleteSequenceResponse()

    @handler
    def ListSequences(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802

        check_org(self.store, request.organization_id, scope)
        after = decode_token(request.page_token, "sequences", request.organization_id) or 0
        size = page_size(request.page_size, self.config.max_page_size)
        with self.store.read() as conn:
            rows = sequences.page_of_organization(conn, request.organization_id, after, size + 1)
            response = data_pb2.ListSequencesResponse(
                sequences=[sequence_message(conn, r) for r in rows[:size]])
        if len(rows) > size:
            response.next_page_token = encode_token("sequences", rows[size - 1]["seq"], request.organization_id)
        return response

    @handler
    def SequencesByDatasetID(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        with self.store.read() as conn:
            dataset = sequence_dataset(conn, request.dataset_id, scope)
            count = sequences.count_in_dataset(conn, dataset.id)
            if request.count_only:
                return data_pb2.SequencesByDatasetIDResponse(count=count)
            after = decode_token(request.page_token, "dataset-sequences", dataset.id) or 0
            size = page_size(request.page_size, self.config.max_page_size)
            rows = sequences.page_of_dataset(conn, dataset.id, after, size + 1)
            response = data_pb2.SequencesByDatasetIDResponse(
                sequences=[sequence_message(conn, r) for r in rows[:size]], count=count)
        if len(rows) > size:
            response.next_page_token = encode_token("dataset-sequences", rows[size - 1]["seq"], dataset.id)
        return response

    def _sequence_members(self, request: Any, scope: Scope) -> Any:
        ids = distinct([i for i in request.sequence_ids], "sequence_ids")
        if not ids:
            raise invalid("no sequence ids given")
        conn = self.store.conn()
        dataset = sequence_dataset(conn, request.dataset_id, scope)
        for sequence_id in ids:
            row = owned_row(conn, "sequences", sequence_id, scope, "sequence")
            if row["organization_id"] != dataset.organization_id:
                raise invalid(f"sequence {sequence_id[:100]} is not in the dataset's organization")
        return dataset.id, ids

    @handler
    def AddSequencesToDataset(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        with self.store.write() as conn:
            dataset_id, ids = self._sequence_members(request, scope)
            now = now_ns()
            sequences.add_to_dataset(conn, dataset_id, ids, now)
        return data_pb2.AddSequencesToDatasetResponse()

    @handler
    def RemoveSequencesFromDataset(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        with self.store.write() as conn:
            dataset_id, ids = self._sequence_members(request, scope)
            sequences.remove_from_dataset(conn, dataset_id, ids)
        return data_pb2.RemoveSequencesFromDatasetResponse()

    @handler
    def GetSequenceBinaryData(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        """One page of the sequence's binary data, bytes included, in upload order."""
        conn = self.store.conn()
        sequence = owned_row(conn, "sequences", request.sequence_id, scope, "sequence")
        after = decode_token(request.page_token, "sequence-binary", sequence["id"])
        size = page_size(request.page_size, self.config.max_page_size)
        rows = sequences.binary_items(conn, sequence, after, size + 1)
        more = len(rows) > size
        page = self.binary.fit(rows[:size])
        response = data_pb2.GetSequenceBinaryDataResponse()
        for row, meta in zip(page, self.binary.metadata(conn, page)):
            response.data.add(metadata=meta, binary=self.binary.blob_bytes(row))
        if more or len(page) < len(rows[:size]):
            response.next_page_token = encode_token("sequence-binary", page[-1]["id"], sequence["id"])
        return response
