"""Binary items as the read RPCs return them: metadata messages and, inline, their
bytes, within what one response message can carry. Used by the binary reads of
``DataService`` and by ``GetSequenceBinaryData``.

Example::

    reader = BinaryReader(store, max_message_bytes=32 << 20)
    rows = reader.fit(rows)                  # as many as fit in one response
    for row, meta in zip(rows, reader.metadata(conn, rows)): ...
"""

from __future__ import annotations

import sqlite3
from typing import Any, List, Sequence

import grpc

from viam_data_sync.server.services import records as rec
from viam_data_sync.server._rpc import RpcFail
from viam_data_sync.server.store import Store


class BinaryReader:
    """Reads binary items' metadata and bytes for responses.

    Args:
        store: The store.
        max_message_bytes: The gRPC message size limit responses must fit in.
    """

    def __init__(self, store: Store, max_message_bytes: int) -> None:
        self.store = store
        self.max_message_bytes = max_message_bytes

    def blob_bytes(self, row: sqlite3.Row) -> bytes:
        """The item's bytes, read from its blob file."""
        with open(self.store.blob_path(row["file_id"]), "rb") as fh:
            return fh.read()

    def metadata(self, conn: sqlite3.Connection, rows: Sequence[sqlite3.Row]) -> List[Any]:
        """A ``BinaryMetadata`` message for each item, tags and annotations included."""
        extras = rec.load_extras(conn, [r["id"] for r in rows])
        return [
            rec.binary_metadata(r, extras[r["id"]], rec.blob_uri(self.store.blob_path(r["file_id"])))
            for r in rows
        ]

    def fit(self, rows: Sequence[sqlite3.Row]) -> List[sqlite3.Row]:
        """The leading ``rows`` whose bytes fit in one response; RESOURCE_EXHAUSTED when
        not even the first does."""
        budget = self.max_message_bytes - 1024 * 1024
        kept: List[sqlite3.Row] = []
        total = 0
        for row in rows:
            total += row["size_bytes"] + 4096
            if total > budget:
                if not kept:
                    raise RpcFail(
                        grpc.StatusCode.RESOURCE_EXHAUSTED,
                        "binary data too large to include inline; use include_binary=false and the uri",
                    )
                break
            kept.append(row)
        return kept
