"""Tags and annotations: tags on binary data, bounding boxes and their labels.

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

from typing import Any, List, Optional, Union

from viam_data_sync._api._base import ClientBase
from viam_data_sync._checks import (
    check_box,
    check_confidence,
    check_coordinate,
    check_filter,
    check_tags,
    check_text,
    one_binary_id,
    split_binary_ids,
)
from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._rpcs import DataService


class TagsAndAnnotations(ClientBase):
    """Tags and annotations: tags on binary data, bounding boxes and their labels."""

    def add_tags_to_binary_data_by_ids(
        self,
        tags: List[str],
        binary_ids: Union[List[data_pb2.BinaryID], List[str]],
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Add tags to binary data (note the order: ``tags`` first).

        Args:
            tags: Tags to add; must be non-empty.
            binary_ids: The ids (strings, ``BinaryID`` messages, or a mix); non-empty.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Raises:
            ValueError: ``tags`` or ``binary_ids`` is empty.

        Example::

            from viam_data_sync import create_filter

            tags = ["tag1", "tag2"]

            my_filter = create_filter(component_name="camera-1", organization_ids=["<YOUR-ORG-ID>"])
            binary_metadata, count, last = data_client.binary_data_by_filter(
                filter=my_filter,
                limit=20,
                include_binary_data=False
            )

            my_ids = [obj.metadata.binary_data_id for obj in binary_metadata]

            binary_data = data_client.add_tags_to_binary_data_by_ids(tags, my_ids)
        """
        checked_tags = check_tags(tags)
        strings, messages = split_binary_ids(binary_ids)
        request = data_pb2.AddTagsToBinaryDataByIDsRequest(
            tags=checked_tags, binary_ids=messages, binary_data_ids=strings
        )
        self._caller.call(DataService.AddTagsToBinaryDataByIDs, request, timeout=timeout)

    def add_tags_to_binary_data_by_filter(
        self,
        tags: List[str],
        filter: Optional[data_pb2.Filter] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Add tags to the binary data matching ``filter`` (all data if ``None``).

        Args:
            tags: Tags to add; must be non-empty.
            filter: Which data to tag.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Raises:
            ValueError: ``tags`` is empty.

        Example::

            from viam_data_sync import create_filter

            my_filter = create_filter(component_name="camera-1")
            tags = ["tag1", "tag2"]
            data_client.add_tags_to_binary_data_by_filter(tags, my_filter)
        """
        request = data_pb2.AddTagsToBinaryDataByFilterRequest(
            filter=check_filter(filter, empty_if_none=True), tags=check_tags(tags)
        )
        self._caller.call(DataService.AddTagsToBinaryDataByFilter, request, timeout=timeout)

    def remove_tags_from_binary_data_by_ids(
        self,
        tags: List[str],
        binary_ids: Union[List[data_pb2.BinaryID], List[str]],
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> int:
        """Remove tags from binary data by id.

        Args:
            tags: Tags to remove; must be non-empty.
            binary_ids: The ids (strings, ``BinaryID`` messages, or a mix); non-empty.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The number of tags removed.

        Raises:
            ValueError: ``tags`` or ``binary_ids`` is empty.

        Example::

            from viam_data_sync import create_filter

            tags = ["tag1", "tag2"]

            my_filter = create_filter(component_name="camera-1")

            binary_metadata, count, last = data_client.binary_data_by_filter(
                filter=my_filter,
                limit=50,
                include_binary_data=False
            )

            my_ids = [obj.metadata.binary_data_id for obj in binary_metadata]

            binary_data = data_client.remove_tags_from_binary_data_by_ids(
                tags, my_ids)
        """
        checked_tags = check_tags(tags)
        strings, messages = split_binary_ids(binary_ids)
        request = data_pb2.RemoveTagsFromBinaryDataByIDsRequest(
            tags=checked_tags, binary_ids=messages, binary_data_ids=strings
        )
        return int(self._caller.call(DataService.RemoveTagsFromBinaryDataByIDs, request, timeout=timeout).deleted_count)

    def remove_tags_from_binary_data_by_filter(
        self,
        tags: List[str],
        filter: Optional[data_pb2.Filter] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> int:
        """Remove tags from the binary data matching ``filter`` (all data if ``None``).

        Args:
            tags: Tags to remove; must be non-empty.
            filter: Which data to untag.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The number of tags removed.

        Example::

            from viam_data_sync import create_filter

            my_filter = create_filter(component_name="camera-1")
            tags = ["tag1", "tag2"]
            res = data_client.remove_tags_from_binary_data_by_filter(tags, my_filter)
        """
        request = data_pb2.RemoveTagsFromBinaryDataByFilterRequest(
            filter=check_filter(filter, empty_if_none=True), tags=check_tags(tags)
        )
        return int(self._caller.call(DataService.RemoveTagsFromBinaryDataByFilter, request, timeout=timeout).deleted_count)

    def tags_by_filter(
        self, filter: Optional[data_pb2.Filter] = None, *, timeout: Any = USE_CLIENT_DEFAULT
    ) -> List[str]:
        """Get the tags of the data matching ``filter`` (all data if ``None``).

        Args:
            filter: Which data.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The tags.

        Example::

            from viam_data_sync import create_filter

            my_filter = create_filter(component_name="camera-1")
            tags = data_client.tags_by_filter(my_filter)
        """
        request = data_pb2.TagsByFilterRequest(filter=check_filter(filter, empty_if_none=True))
        return list(self._caller.call(DataService.TagsByFilter, request, timeout=timeout).tags)

    def add_bounding_box_to_image_by_id(
        self,
        binary_id: Union[data_pb2.BinaryID, str],
        label: str,
        x_min_normalized: float,
        y_min_normalized: float,
        x_max_normalized: float,
        y_max_normalized: float,
        confidence_score: Optional[float] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> str:
        """Add a bounding box to an image.

        Args:
            binary_id: The image: a binary data id string or a ``BinaryID``.
            label: The label of the box.
            x_min_normalized: Min X, within [0, 1].
            y_min_normalized: Min Y, within [0, 1].
            x_max_normalized: Max X, within [0, 1] and greater than min X.
            y_max_normalized: Max Y, within [0, 1] and greater than min Y.
            confidence_score: Optional confidence, within [0, 1].
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The bounding box id.

        Raises:
            ValueError: A coordinate is outside [0, 1] or a min is not below its max.

        Example::

            bbox_id = data_client.add_bounding_box_to_image_by_id(
                binary_id="<YOUR-BINARY-DATA-ID>",
                label="label",
                x_min_normalized=0,
                y_min_normalized=.1,
                x_max_normalized=.2,
                y_max_normalized=.3
            )

            print(bbox_id)
        """
        ids = one_binary_id(binary_id, "binary_id", "binary_data_id")
        box = (
            check_coordinate("x_min_normalized", x_min_normalized),
            check_coordinate("y_min_normalized", y_min_normalized),
            check_coordinate("x_max_normalized", x_max_normalized),
            check_coordinate("y_max_normalized", y_max_normalized),
        )
        check_box(*box)
        request = data_pb2.AddBoundingBoxToImageByIDRequest(
            label=check_text("label", label),
            x_min_normalized=box[0],
            y_min_normalized=box[1],
            x_max_normalized=box[2],
            y_max_normalized=box[3],
            confidence=check_confidence(confidence_score),
            **ids,
        )
        return str(self._caller.call(DataService.AddBoundingBoxToImageByID, request, timeout=timeout).bbox_id)

    def update_bounding_box(
        self,
        binary_id: Union[data_pb2.BinaryID, str],
        bbox_id: str,
        label: Optional[str] = None,
        x_min_normalized: Optional[float] = None,
        y_min_normalized: Optional[float] = None,
        x_max_normalized: Optional[float] = None,
        y_max_normalized: Optional[float] = None,
        confidence_score: Optional[float] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Update a bounding box of an image; only the values given are changed.

        (The official SDK requires every value; here ``None`` leaves a value as it
        is, which the request's optional fields allow.)

        Args:
            binary_id: The image: a binary data id string or a ``BinaryID``.
            bbox_id: The bounding box.
            label: The new label.
            x_min_normalized: New min X, within [0, 1].
            y_min_normalized: New min Y, within [0, 1].
            x_max_normalized: New max X, within [0, 1].
            y_max_normalized: New max Y, within [0, 1].
            confidence_score: New confidence, within [0, 1].
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Example::

            data_client.update_bounding_box(
                binary_id="<YOUR-BINARY-DATA-ID>",
                bbox_id="<YOUR-BOUNDING-BOX-ID>",
                label="label",
                x_min_normalized=0,
                y_min_normalized=.1,
                x_max_normalized=.2,
                y_max_normalized=.3,
            )
        """
        ids = one_binary_id(binary_id, "binary_id", "binary_data_id")
        names = ("x_min_normalized", "y_min_normalized", "x_max_normalized", "y_max_normalized")
        values = (x_min_normalized, y_min_normalized, x_max_normalized, y_max_normalized)
        box = [None if value is None else check_coordinate(name, value) for name, value in zip(names, values)]
        check_box(*box)
        request = data_pb2.UpdateBoundingBoxRequest(bbox_id=check_text("bbox_id", bbox_id), **ids)
        if label is not None:
            request.label = check_text("label", label)
        for name, value in zip(names, box):
            if value is not None:
                setattr(request, name, value)
        confidence = check_confidence(confidence_score)
        if confidence is not None:
            request.confidence = confidence
        self._caller.call(DataService.UpdateBoundingBox, request, timeout=timeout)

    def remove_bounding_box_from_image_by_id(
        self,
        bbox_id: str,
        binary_id: Union[data_pb2.BinaryID, str],
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Remove a bounding box from an image (note the order: ``bbox_id`` first).

        Args:
            bbox_id: The bounding box to remove.
            binary_id: The image: a binary data id string or a ``BinaryID``.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Example::

            data_client.remove_bounding_box_from_image_by_id(
                binary_id="<YOUR-BINARY-DATA-ID>",
                bbox_id="<YOUR-BOUNDING-BOX-ID>"
            )
        """
        ids = one_binary_id(binary_id, "binary_id", "binary_data_id")
        request = data_pb2.RemoveBoundingBoxFromImageByIDRequest(bbox_id=check_text("bbox_id", bbox_id), **ids)
        self._caller.call(DataService.RemoveBoundingBoxFromImageByID, request, timeout=timeout)

    def bounding_box_labels_by_filter(
        self, filter: Optional[data_pb2.Filter] = None, *, timeout: Any = USE_CLIENT_DEFAULT
    ) -> List[str]:
        """Get the bounding box labels of the data matching ``filter`` (all if ``None``).

        Args:
            filter: Which data.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The labels.

        Example::

            from viam_data_sync import create_filter

            my_filter = create_filter(component_name="camera-1")
            bounding_box_labels = data_client.bounding_box_labels_by_filter(
                my_filter)

            print(bounding_box_labels)
        """
        request = data_pb2.BoundingBoxLabelsByFilterRequest(filter=check_filter(filter, empty_if_none=True))
        return list(self._caller.call(DataService.BoundingBoxLabelsByFilter, request, timeout=timeout).labels)
