"""Datasets: create, list, rename, delete and merge them; add and remove binary data.

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

from typing import Any, List, Optional, Union, cast

from viam_data_sync._api._base import ClientBase
from viam_data_sync._checks import (
    check_enum,
    check_str_list,
    check_text,
    split_binary_ids,
)
from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._rpcs import DataService, DatasetService


class Datasets(ClientBase):
    """Datasets: create, list, rename, delete and merge them; add and remove binary data."""

    def create_dataset(
        self,
        name: str,
        organization_id: str,
        type: Optional[int] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> str:
        """Create a new dataset.

        Args:
            name: The name of the dataset.
            organization_id: The organization to create it in.
            type: Optional ``DatasetType`` value (sent only when given).
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The id of the new dataset.

        Example::

            dataset_id = data_client.create_dataset(
                name="<DATASET-NAME>",
                organization_id="<YOUR-ORG-ID>"
            )
            print(dataset_id)
        """
        request = dataset_pb2.CreateDatasetRequest(
            name=check_text("name", name), organization_id=check_text("organization_id", organization_id)
        )
        if type is not None:
            # _enum returns a checked member of the enum; protobuf enum values are plain ints.
            request.type = cast(dataset_pb2.DatasetType, check_enum("type", type, dataset_pb2.DatasetType))
        return str(self._caller.call(DatasetService.CreateDataset, request, timeout=timeout).id)

    def list_dataset_by_ids(
        self, ids: List[str], *, timeout: Any = USE_CLIENT_DEFAULT
    ) -> List[dataset_pb2.Dataset]:
        """Get datasets by id.

        Args:
            ids: The dataset ids; must be non-empty.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The ``Dataset`` messages.

        Example::

            datasets = data_client.list_dataset_by_ids(
                ids=["<YOUR-DATASET-ID-1>", "<YOUR-DATASET-ID-2>"]
            )
            print(datasets)
        """
        request = dataset_pb2.ListDatasetsByIDsRequest(ids=check_str_list("ids", ids, allow_empty=False))
        return list(self._caller.call(DatasetService.ListDatasetsByIDs, request, timeout=timeout).datasets)

    def list_datasets_by_organization_id(
        self,
        organization_id: str,
        dataset_type: Optional[int] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> List[dataset_pb2.Dataset]:
        """Get the datasets of an organization.

        Args:
            organization_id: The organization.
            dataset_type: Optional ``DatasetType`` to list only that kind.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The ``Dataset`` messages.

        Example::

            datasets = data_client.list_datasets_by_organization_id(
                organization_id="<YOUR-ORG-ID>"
            )
            print(datasets)
        """
        request = dataset_pb2.ListDatasetsByOrganizationIDRequest(
            organization_id=check_text("organization_id", organization_id)
        )
        if dataset_type is not None:
            # _enum returns a checked member of the enum; protobuf enum values are plain ints.
            request.type = cast(
                dataset_pb2.DatasetType, check_enum("dataset_type", dataset_type, dataset_pb2.DatasetType)
            )
        return list(self._caller.call(DatasetService.ListDatasetsByOrganizationID, request, timeout=timeout).datasets)

    def rename_dataset(self, id: str, name: str, *, timeout: Any = USE_CLIENT_DEFAULT) -> None:
        """Rename a dataset.

        Args:
            id: The dataset id.
            name: The new name.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Example::

            data_client.rename_dataset(
                id="<YOUR-DATASET-ID>",
                name="MyDataset"
            )
        """
        request = dataset_pb2.RenameDatasetRequest(id=check_text("id", id), name=check_text("name", name))
        self._caller.call(DatasetService.RenameDataset, request, timeout=timeout)

    def delete_dataset(self, id: str, *, timeout: Any = USE_CLIENT_DEFAULT) -> None:
        """Delete a dataset.

        Args:
            id: The dataset id.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Example::

            data_client.delete_dataset(
                id="<YOUR-DATASET-ID>"
            )
        """
        request = dataset_pb2.DeleteDatasetRequest(id=check_text("id", id))
        self._caller.call(DatasetService.DeleteDataset, request, timeout=timeout)

    def merge_datasets(
        self,
        name: str,
        organization_id: str,
        dataset_ids: List[str],
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> str:
        """Merge datasets into a new one.

        Args:
            name: The name of the new dataset.
            organization_id: The organization.
            dataset_ids: The datasets to merge; must be non-empty.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The id of the new dataset.

        Example::

            dataset_id = data_client.merge_datasets(
                name="<NEW-DATASET-NAME>",
                organization_id="<YOUR-ORG-ID>",
                dataset_ids=["<DATASET-ID-1>", "<DATASET-ID-2>"]
            )
        """
        request = dataset_pb2.MergeDatasetsRequest(
            dataset_ids=check_str_list("dataset_ids", dataset_ids, allow_empty=False),
            name=check_text("name", name),
            organization_id=check_text("organization_id", organization_id),
        )
        return str(self._caller.call(DatasetService.MergeDatasets, request, timeout=timeout).dataset_id)

    def add_binary_data_to_dataset_by_ids(
        self,
        binary_ids: Union[List[data_pb2.BinaryID], List[str]],
        dataset_id: str,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Add binary data to a dataset.

        Args:
            binary_ids: The ids (strings, ``BinaryID`` messages, or a mix); non-empty.
            dataset_id: The dataset.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Example::

            binary_metadata, count, last = data_client.binary_data_by_filter(
                include_binary_data=False
            )

            my_binary_data_ids = [obj.metadata.binary_data_id for obj in binary_metadata]

            data_client.add_binary_data_to_dataset_by_ids(
                binary_ids=my_binary_data_ids,
                dataset_id="<YOUR-DATASET-ID>"
            )
        """
        strings, messages = split_binary_ids(binary_ids)
        request = data_pb2.AddBinaryDataToDatasetByIDsRequest(
            binary_ids=messages, dataset_id=check_text("dataset_id", dataset_id), binary_data_ids=strings
        )
        self._caller.call(DataService.AddBinaryDataToDatasetByIDs, request, timeout=timeout)

    def remove_binary_data_from_dataset_by_ids(
        self,
        binary_ids: Union[List[data_pb2.BinaryID], List[str]],
        dataset_id: str,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Remove binary data from a dataset.

        Args:
            binary_ids: The ids (strings, ``BinaryID`` messages, or a mix); non-empty.
            dataset_id: The dataset.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Example::

            binary_metadata, count, last = data_client.binary_data_by_filter(
                include_binary_data=False
            )

            my_binary_data_ids = [obj.metadata.binary_data_id for obj in binary_metadata]

            data_client.remove_binary_data_from_dataset_by_ids(
                binary_ids=my_binary_data_ids,
                dataset_id="<YOUR-DATASET-ID>"
            )
        """
        strings, messages = split_binary_ids(binary_ids)
        request = data_pb2.RemoveBinaryDataFromDatasetByIDsRequest(
            binary_ids=messages, dataset_id=check_text("dataset_id", dataset_id), binary_data_ids=strings
        )
        self._caller.call(DataService.RemoveBinaryDataFromDatasetByIDs, request, timeout=timeout)
