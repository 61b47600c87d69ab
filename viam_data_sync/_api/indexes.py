"""Indexes on the hot store and pipeline sinks.

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

from typing import Any, List, Mapping, Optional, cast

from viam_data_sync._api._base import ClientBase
from viam_data_sync._checks import (
    check_enum,
    check_text,
)
from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._rpcs import DataService


def index_collection(collection_type: Any, pipeline_name: Optional[str]) -> int:
    """A checked ``IndexableCollection``; a pipeline sink needs its pipeline's name."""
    value = check_enum("collection_type", collection_type, data_pb2.IndexableCollection)
    if value == data_pb2.INDEXABLE_COLLECTION_UNSPECIFIED:
        raise ValueError("collection_type must be HOT_STORE or PIPELINE_SINK")
    if value == data_pb2.INDEXABLE_COLLECTION_PIPELINE_SINK and not pipeline_name:
        raise ValueError("a PIPELINE_SINK collection needs pipeline_name")
    return value


class Indexes(ClientBase):
    """Indexes on the hot store and pipeline sinks."""

    def create_index(
        self,
        organization_id: str,
        collection_type: int,
        index_spec: Mapping[str, Any],
        pipeline_name: Optional[str] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Create a custom index on a hot-store or pipeline-sink collection.

        Args:
            organization_id: The organization.
            collection_type: ``IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE`` or
                ``..._PIPELINE_SINK``.
            index_spec: The MongoDB index specification, sent as one BSON document (as
                the official SDK sends it), e.g. ``{"keys": {"component_name": 1}}``.
            pipeline_name: The pipeline, for a pipeline-sink collection.
            timeout: Deadline of this call (seconds).

        Example::

            from viam_data_sync.proto import IndexableCollection

            data_client.create_index("<ORG-ID>", IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE,
                                     {"keys": {"component_name": 1}})
        """
        import bson

        if not isinstance(index_spec, Mapping) or not index_spec:
            raise TypeError("index_spec must be a non-empty mapping (one index specification)")
        request = data_pb2.CreateIndexRequest(
            organization_id=check_text("organization_id", organization_id),
            collection_type=cast(Any, index_collection(collection_type, pipeline_name)),
            index_spec=[bson.encode(dict(index_spec))],
        )
        if pipeline_name is not None:
            request.pipeline_name = check_text("pipeline_name", pipeline_name)
        self._caller.call(DataService.CreateIndex, request, timeout=timeout)

    def list_indexes(
        self,
        organization_id: str,
        collection_type: int,
        pipeline_name: Optional[str] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> List[Any]:
        """The indexes of a collection.

        Args:
            organization_id: The organization.
            collection_type: An ``IndexableCollection`` value (not UNSPECIFIED).
            pipeline_name: The pipeline, for a pipeline-sink collection.
            timeout: Deadline of this call (seconds).

        Returns:
            ``Index`` messages; each ``index_spec`` stays BSON bytes (``bson.decode`` it).

        Example::

            for index in data_client.list_indexes("<ORG-ID>", IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE):
                print(index.index_name)
        """
        request = data_pb2.ListIndexesRequest(
            organization_id=check_text("organization_id", organization_id),
            collection_type=cast(Any, index_collection(collection_type, pipeline_name)),
        )
        if pipeline_name is not None:
            request.pipeline_name = check_text("pipeline_name", pipeline_name)
        return list(self._caller.call(DataService.ListIndexes, request, timeout=timeout).indexes)

    def delete_index(
        self,
        organization_id: str,
        collection_type: int,
        index_name: str,
        pipeline_name: Optional[str] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Delete a custom index by name.

        Args:
            organization_id: The organization.
            collection_type: An ``IndexableCollection`` value (not UNSPECIFIED).
            index_name: The index's name (see :meth:`list_indexes`).
            pipeline_name: The pipeline, for a pipeline-sink collection.
            timeout: Deadline of this call (seconds).

        Example::

            data_client.delete_index("<ORG-ID>", IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE,
                                     "component_name_1")
        """
        request = data_pb2.DeleteIndexRequest(
            organization_id=check_text("organization_id", organization_id),
            collection_type=cast(Any, index_collection(collection_type, pipeline_name)),
            index_name=check_text("index_name", index_name),
        )
        if pipeline_name is not None:
            request.pipeline_name = check_text("pipeline_name", pipeline_name)
        self._caller.call(DataService.DeleteIndex, request, timeout=timeout)
