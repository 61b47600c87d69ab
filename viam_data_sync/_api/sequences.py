"""Sequences and sequence-dataset exports: the calls the official ``DataClient`` offers
for them, blocking. A chapter of :class:`~viam_data_sync.DataClient`. As in the official SDK, ``timeout`` is
the last positional parameter here, and optional arguments go on the wire only when
given.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._api._base import ClientBase
from viam_data_sync._checks import check_page_size, check_str_list, check_text
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._rpcs import DataService, DatasetService


class Sequences(ClientBase):
    """Sequence calls of the official ``DataClient``."""

    def add_sequences_to_dataset(self, dataset_id: str, sequence_ids: List[str],
                                 timeout: Any = USE_CLIENT_DEFAULT) -> None:
        """Add sequences to a sequence dataset.

        Args:
            dataset_id: The dataset.
            sequence_ids: The sequences (non-empty).
            timeout: Deadline of this call (seconds).

        Example::

            data_client.add_sequences_to_dataset("<DATASET-ID>", ["<SEQUENCE-ID>"])
        """
        request = data_pb2.AddSequencesToDatasetRequest(
            dataset_id=check_text("dataset_id", dataset_id), sequence_ids=check_str_list("sequence_ids", sequence_ids, allow_empty=False))
        self._caller.call(DataService.AddSequencesToDataset, request, timeout=timeout)

    def remove_sequences_from_dataset(self, dataset_id: str, sequence_ids: List[str],
                                      timeout: Any = USE_CLIENT_DEFAULT) -> None:
        """Remove sequences from a sequence dataset.

        Args:
            dataset_id: The dataset.
            sequence_ids: The sequences (non-empty).
            timeout: Deadline of this call (seconds).

        Example::

            data_client.remove_sequences_from_dataset("<DATASET-ID>", ["<SEQUENCE-ID>"])
        """
        request = data_pb2.RemoveSequencesFromDatasetRequest(
            dataset_id=check_text("dataset_id", dataset_id), sequence_ids=check_str_list("sequence_ids", sequence_ids, allow_empty=False))
        self._caller.call(DataService.RemoveSequencesFromDataset, request, timeout=timeout)

    def sequences_by_dataset_id(
        self,
        dataset_id: str,
        page_token: Optional[str] = None,
        page_size: Optional[int] = None,
        count_only: Optional[bool] = None,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> Tuple[Sequence[Any], str, int]:
        """One page of a dataset's sequences.

        Args:
            dataset_id: The dataset.
            page_token: The ``next_page_token`` of the previous page.
            page_size: Sequences per page.
            count_only: Return only the count.
            timeout: Deadline of this call (seconds).

        Returns:
            ``(sequences, next_page_token, count)``; ``Sequence`` messages.

        Example::

            sequences, token, count = data_client.sequences_by_dataset_id("<DATASET-ID>", page_size=50)
        """
        request = data_pb2.SequencesByDatasetIDRequest(dataset_id=check_text("dataset_id", dataset_id))
        if page_token is not None:
            request.page_token = page_token
        size = check_page_size(page_size)
        if size is not None:
            request.page_size = size
        if count_only is not None:
            request.count_only = bool(count_only)
        response = self._caller.call(DataService.SequencesByDatasetID, request, timeout=timeout)
        return list(response.sequences), response.next_page_token, int(response.count)

    def get_sequence_binary_data(
        self,
        sequence_id: str,
        page_token: Optional[str] = None,
        page_size: Optional[int] = None,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> Tuple[List[Any], str]:
        """One page of a sequence's binary data.

        Args:
            sequence_id: The sequence.
            page_token: The ``next_page_token`` of the previous page.
            page_size: Items per page.
            timeout: Deadline of this call (seconds).

        Returns:
            ``(data, next_page_token)``; ``BinaryData`` messages.

        Example::

            data, token = data_client.get_sequence_binary_data("<SEQUENCE-ID>", page_size=20)
        """
        request = data_pb2.GetSequenceBinaryDataRequest(sequence_id=check_text("sequence_id", sequence_id))
        if page_token is not None:
            request.page_token = page_token
        size = check_page_size(page_size)
        if size is not None:
            request.page_size = size
        response = self._caller.call(DataService.GetSequenceBinaryData, request, timeout=timeout)
        return list(response.data), response.next_page_token

    def start_sequence_dataset_export(self, dataset_id: str, timeout: Any = USE_CLIENT_DEFAULT) -> str:
        """Start exporting a sequence dataset; poll :meth:`get_sequence_dataset_export`.

        Args:
            dataset_id: The dataset.
            timeout: Deadline of this call (seconds).

        Returns:
            The export job's id.

        Example::

            job_id = data_client.start_sequence_dataset_export("<DATASET-ID>")
        """
        request = dataset_pb2.StartSequenceDatasetExportRequest(dataset_id=check_text("dataset_id", dataset_id))
        return str(self._caller.call(DatasetService.StartSequenceDatasetExport, request, timeout=timeout).job_id)

    def get_sequence_dataset_export(self, job_id: str, timeout: Any = USE_CLIENT_DEFAULT) -> Any:
        """The state of a sequence-dataset export job.

        Args:
            job_id: The job.
            timeout: Deadline of this call (seconds).

        Returns:
            The ``GetSequenceDatasetExportResponse`` (status, download URL, times, error).

        Example::

            job = data_client.get_sequence_dataset_export(job_id)
            print(job.status, job.download_url)
        """
        request = dataset_pb2.GetSequenceDatasetExportRequest(job_id=check_text("job_id", job_id))
        return self._caller.call(DatasetService.GetSequenceDatasetExport, request, timeout=timeout)
