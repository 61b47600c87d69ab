"""Sequence-dataset exports: ``StartSequenceDatasetExport`` and
``GetSequenceDatasetExport`` (a mixin of ``DatasetServicer``).

An export is a zip archive under ``<db>.blobs/exports/``, written atomically (a
temporary file renamed into place), so a download URL never names a partial file:

* ``manifest.json``: the dataset (id, name, organization) and each sequence
  (its ``Sequence`` fields as JSON, and the files of its binary data);
* ``sequences/<sequence id>/<file id><ext>``: the bytes of each binary item.

The archive is built within the ``Start`` call, so ``Get`` finds the job COMPLETED (or
FAILED with the reason); its ``download_url`` is a ``file://`` URL, like signed URLs
of this server, valid for :data:`EXPORT_TTL_NS`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import zipfile
from typing import Any, Dict, List

from google.protobuf import json_format

from viam_data_sync._atomic import write_atomic
from viam_data_sync._convert import ns_to_timestamp
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync.server.services import records as rec
from viam_data_sync.server.services.owned import owned_row
from viam_data_sync.server._rpc import LOG, Authorizer, Scope, handler, log_unexpected
from viam_data_sync.server.services.sequences import sequence_dataset, sequence_message
from viam_data_sync.server.store import exports, sequences
from viam_data_sync.server.store.datasets import Dataset
from viam_data_sync.server.store import Store, new_id, now_ns

#: How long an export's download URL is reported valid: 24 hours.
EXPORT_TTL_NS = 24 * 3600 * 1_000_000_000

def export_dir(store: Store) -> str:
    return os.path.join(store.blob_dir, "exports")


def _write_archive(store: Store, conn: sqlite3.Connection, dataset: Dataset, path: str) -> None:
    entries: List[Dict[str, Any]] = []
    rows = sequences.in_dataset(conn, dataset.id)

    def write(handle: Any) -> None:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for row in rows:
                files = []
                for item in sequences.binary_items(conn, row):
                    name = f"sequences/{row['id']}/{item['file_id']}{item['file_ext']}"
                    archive.write(store.blob_path(item["file_id"]), name)
                    files.append({"path": name, "binary_data_id": item["binary_data_id"],
                                  "component_name": item["component_name"], "method_name": item["method_name"],
                                  "mime_type": item["mime_type"], "file_name": item["file_name"],
                                  "time_received": ns_to_timestamp(item["time_received_ns"]).ToJsonString()})
                sequence = json_format.MessageToDict(sequence_message(conn, row))
                entries.append({"sequence": sequence, "files": files})
            manifest = {"dataset": {"id": dataset.id, "name": dataset.name,
                                    "organization_id": dataset.organization_id}, "sequences": entries}
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))

    write_atomic(path, write, binary=True)


class SequenceExportMixin:
    """The export RPCs: a chapter of ``DatasetServicer``, typed against the attributes
    it sets (``store``, ``auth``)."""

    store: Store
    auth: Authorizer

    @handler
    def StartSequenceDatasetExport(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        job_id = new_id()
        with self.store.read() as conn:
            dataset = sequence_dataset(conn, request.dataset_id, scope)
            file_name, status, error = f"{job_id}.zip", dataset_pb2.SEQUENCE_DATASET_EXPORT_STATUS_COMPLETED, ""
            created = now_ns()
            os.makedirs(export_dir(self.store), exist_ok=True)
            try:
                _write_archive(self.store, conn, dataset, os.path.join(export_dir(self.store), file_name))
            except OSError as exc:  # a blob gone missing, a full disk: the job failed
                log_unexpected(LOG, "StartSequenceDatasetExport", exc)
                status, error = dataset_pb2.SEQUENCE_DATASET_EXPORT_STATUS_FAILED, f"export failed: {type(exc).__name__}"
        with self.store.write() as conn:
            exports.insert(conn, job_id, dataset.organization_id, dataset.id, status,
                           file_name if not error else None, error, created, now_ns())
        return dataset_pb2.StartSequenceDatasetExportResponse(job_id=job_id)

    @handler
    def GetSequenceDatasetExport(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        row = owned_row(self.store.conn(), "sequence_exports", request.job_id, scope, "export job")
        response = dataset_pb2.GetSequenceDatasetExportResponse(
            job_id=row["id"], status=row["status"], error_message=row["error"],
            created_at=ns_to_timestamp(row["created_ns"]))
        if row["completed_ns"] is not None:
            response.completed_at.CopyFrom(ns_to_timestamp(row["completed_ns"]))
        if row["file_name"]:
            response.download_url = rec.blob_uri(os.path.join(export_dir(self.store), row["file_name"]))
            response.expires_at.CopyFrom(ns_to_timestamp(row["completed_ns"] + EXPORT_TTL_NS))
        return response
