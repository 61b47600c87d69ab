"""Sequences and sequence-dataset exports: the calls the official ``DataClient`` offers
for them, blocking. A chapter of :class:`~viam_data_sync.DataClient`. As in the official SDK, ``timeout`` is
the last positional parameter here, and optional arguments go on the wire only when
given.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, List, Optional, Sequence, Tuple

from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._api._base import ClientBase
from viam_data_sync._checks import check_interval, check_page_size, check_str_list, check_text, check_time
from viam_data_sync._convert import coerce, datetime_to_timestamp
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._rpcs import DataService, DatasetService


def _resources(resources: Any) -> List[data_pb2.SequenceResourceFilter]:
    """``resources`` as our ``SequenceResourceFilter`` messages (the official SDK's are
    accepted too); a bare message is refused, since a list is meant."""
    if isinstance(resources, (str, bytes)) or not isinstance(resources, (list, tuple)):
        raise TypeError(f"resources must be a list of SequenceResourceFilter, got {type(resources).__name__}")
    return [coerce(item, data_pb2.SequenceResourceFilter, "every resource") for item in resources]


def _page_args(request: Any, page_token: Any, page_size: Any) -> None:
    """Set a page request's ``page_token`` and ``page_size``, each only when given."""
    if page_token is not None:
        request.page_token = check_text("page_token", page_token, allow_empty=True)
    size = check_page_size(page_size)
    if size is not None:
        request.page_size = size


class Sequences(ClientBase):
    """Sequence calls of the official ``DataClient``."""

    def create_sequence(
        self,
        part_id: str,
        resources: List[Any],
        start_time: _dt.datetime,
        end_time: _dt.datetime,
        sequence_tags: Optional[List[str]] = None,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> str:
        """Create a sequence: a time window of some of a part's resources.

        Creates are never retried automatically.

        Args:
            part_id: The part the sequence belongs to.
            resources: ``SequenceResourceFilter`` messages (resource and method names).
            start_time: Start of the window.
            end_time: End of the window (not before ``start_time``).
            sequence_tags: Tags to attach.
            timeout: Deadline of this call (seconds).

        Returns:
            The new sequence's id.

        Example::

            from viam_data_sync.proto import SequenceResourceFilter

            sequence_id = data_client.create_sequence(
                "<PART-ID>", [SequenceResourceFilter(resource_name="camera-1")],
                start_time=datetime(2025, 1, 1, tzinfo=timezone.utc),
                end_time=datetime(2025, 1, 2, tzinfo=timezone.utc))
        """
        check_time("start_time", start_time)
        check_time("end_time", end_time)
        check_interval(start_time, end_time)
        request = data_pb2.CreateSequenceRequest(
            part_id=check_text("part_id", part_id), resources=_resources(resources),
            start_time=datetime_to_timestamp(start_time), end_time=datetime_to_timestamp(end_time))
        if sequence_tags is not None:
            request.sequence_tags.extend(check_str_list("sequence_tags", sequence_tags))
        return str(self._caller.call(DataService.CreateSequence, request, timeout=timeout).id)

    def get_sequence(self, id: str, timeout: Any = USE_CLIENT_DEFAULT) -> data_pb2.Sequence:
        """Get a sequence by id.

        Args:
            id: The sequence.
            timeout: Deadline of this call (seconds).

        Returns:
            The ``Sequence`` message.

        Example::

            sequence = data_client.get_sequence("<SEQUENCE-ID>")
            print(sequence.part_id, list(sequence.sequence_tags))
        """
        request = data_pb2.GetSequenceRequest(id=check_text("id", id))
        return self._caller.call(DataService.GetSequence, request, timeout=timeout).sequence

    def update_sequence(
        self,
        id: str,
        resources: Optional[List[Any]] = None,
        sequence_tags: Optional[List[str]] = None,
        start_time: Optional[_dt.datetime] = None,
        end_time: Optional[_dt.datetime] = None,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Update the fields given (not ``None``); the field mask names exactly those.
        An empty ``sequence_tags`` list clears the tags.

        Args:
            id: The sequence.
            resources: New resources.
            sequence_tags: New tags.
            start_time: New start of the window.
            end_time: New end of the window.
            timeout: Deadline of this call (seconds).

        Raises:
            ValueError: No field to update was given.

        Example::

            data_client.update_sequence("<SEQUENCE-ID>", sequence_tags=["reviewed"])
        """
        request = data_pb2.UpdateSequenceRequest(id=check_text("id", id))
        paths: List[str] = []
        if resources is not None:
            request.resources.extend(_resources(resources))
            paths.append("resources")
        if sequence_tags is not None:
            request.sequence_tags.extend(check_str_list("sequence_tags", sequence_tags))
            paths.append("sequence_tags")
        if start_time is not None:
            request.start_time.CopyFrom(datetime_to_timestamp(check_time("start_time", start_time)))
            paths.append("start_time")
        if end_time is not None:
            request.end_time.CopyFrom(datetime_to_timestamp(check_time("end_time", end_time)))
            paths.append("end_time")
        check_interval(start_time, end_time)
        if not paths:
            raise ValueError("update_sequence requires at least one of: resources, sequence_tags, start_time, end_time")
        request.field_mask.paths.extend(paths)
        self._caller.call(DataService.UpdateSequence, request, timeout=timeout)

    def delete_sequence(self, id: str, timeout: Any = USE_CLIENT_DEFAULT) -> None:
        """Delete a sequence (its binary data stays).

        Args:
            id: The sequence.
            timeout: Deadline of this call (seconds).

        Example::

            data_client.delete_sequence("<SEQUENCE-ID>")
        """
        self._caller.call(DataService.DeleteSequence, data_pb2.DeleteSequenceRequest(id=check_text("id", id)),
                          timeout=timeout)

    def list_sequences(
        self,
        organization_id: str,
        page_token: Optional[str] = None,
        page_size: Optional[int] = None,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> Tuple[List[data_pb2.Sequence], str]:
        """One page of an organization's sequences.

        Args:
            organization_id: The organization.
            page_token: The ``next_page_token`` of the previous page.
            page_size: Sequences per page.
            timeout: Deadline of this call (seconds).

        Returns:
            ``(sequences, next_page_token)``; the token is empty after the last page.

        Example::

            sequences, token = data_client.list_sequences("<ORGANIZATION-ID>", page_size=50)
        """
        request = data_pb2.ListSequencesRequest(organization_id=check_text("organization_id", organization_id))
        _page_args(request, page_token, page_size)
        response = self._caller.call(DataService.ListSequences, request, timeout=timeout)
        return list(response.sequences), response.next_page_token

    def add_sequences_to_dataset(self, dataset_id: str, sequence_ids: List[str],
                                 timeout: Any = USE_CLIENT_DEFAULT) -> None:
        """Add sequences to a sequence dataset.

        Args:
            dataset_id: The dataset.
            sequence_ids: The sequences (non-empty).
            timeout: Deadline of this call (seconds).

        Example::

            data_client.add_sequences_to_dataset("<SEQUENCE-DATASET-ID>", ["<SEQUENCE-ID>"])
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

            data_client.remove_sequences_from_dataset("<SEQUENCE-DATASET-ID>", ["<SEQUENCE-ID>"])
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

            sequences, token, count = data_client.sequences_by_dataset_id("<SEQUENCE-DATASET-ID>", page_size=50)
        """
        request = data_pb2.SequencesByDatasetIDRequest(dataset_id=check_text("dataset_id", dataset_id))
        _page_args(request, page_token, page_size)
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
        _page_args(request, page_token, page_size)
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

            job_id = data_client.start_sequence_dataset_export("<SEQUENCE-DATASET-ID>")
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
