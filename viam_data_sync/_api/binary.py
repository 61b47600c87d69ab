"""Binary data: filter pages, reads by id, signed URLs and deletes.

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

import datetime as _dt
import logging
import os
from typing import Any, List, Optional, Tuple, Union

from viam_data_sync._api._base import ClientBase
from viam_data_sync._checks import (
    check_count,
    check_filter,
    check_flag,
    check_text,
    split_binary_ids,
)
from viam_data_sync._api.tabular import data_request
from viam_data_sync._call import Caller
from viam_data_sync._config import USE_CLIENT_DEFAULT, TimeoutArg
from viam_data_sync._convert import (
    timestamp_to_datetime,
)
from viam_data_sync._binary_export import write_items
from viam_data_sync._dest import check_dest_dir
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._rpcs import DataService

LOGGER = logging.getLogger("viam_data_sync")


_MAX_SIGNED_URL_MINUTES = 10080


def binary_page_request(filter: Any, limit: Any, sort_order: Any, last: Any, include_binary_data: Any,
                        count_only: Any, include_internal_data: Any) -> data_pb2.BinaryDataByFilterRequest:
    """A checked ``BinaryDataByFilterRequest`` (no filter is sent for ``None``, as by the SDK)."""
    return data_pb2.BinaryDataByFilterRequest(
        data_request=data_request(filter, limit, sort_order, last, empty_filter=False),
        include_binary=check_flag("include_binary_data", include_binary_data),
        count_only=check_flag("count_only", count_only),
        include_internal_data=check_flag("include_internal_data", include_internal_data),
    )


def binary_ids_request(binary_ids: Any, include_binary_data: Any) -> data_pb2.BinaryDataByIDsRequest:
    """A checked ``BinaryDataByIDsRequest``: strings as ``binary_data_ids``, messages as ``binary_ids``."""
    strings, messages = split_binary_ids(binary_ids)
    return data_pb2.BinaryDataByIDsRequest(
        include_binary=check_flag("include_binary_data", include_binary_data),
        binary_ids=messages,
        binary_data_ids=strings,
    )


def signed_url(caller: Caller, binary_data_id: Any, expiration_minutes: Any,
               timeout: TimeoutArg) -> Tuple[str, _dt.datetime]:
    """``(url, expires_at)`` of one file (``CreateBinaryDataSignedURL``)."""
    request = data_pb2.CreateBinaryDataSignedURLRequest(binary_data_id=check_text("binary_data_id", binary_data_id))
    if expiration_minutes is not None:
        minutes = check_count("expiration_minutes", expiration_minutes, minimum=1)
        if minutes > _MAX_SIGNED_URL_MINUTES:
            raise ValueError(f"expiration_minutes must be at most {_MAX_SIGNED_URL_MINUTES} (7 days)")
        request.expiration_minutes = minutes
    response = caller.call(DataService.CreateBinaryDataSignedURL, request, timeout=timeout)
    return response.signed_url, timestamp_to_datetime(response.expires_at)


class BinaryData(ClientBase):
    """Binary data: filter pages, reads by id, signed URLs and deletes."""

    def binary_data_by_filter(
        self,
        filter: Optional[data_pb2.Filter] = None,
        limit: Optional[int] = None,
        sort_order: Optional[int] = None,
        last: Optional[str] = None,
        include_binary_data: bool = True,
        count_only: bool = False,
        include_internal_data: bool = False,
        dest: Optional[Union[str, "os.PathLike[str]"]] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> Tuple[List[data_pb2.BinaryData], int, str]:
        """Filter and download binary data, one page of ``limit`` items.

        To read everything, prefer :meth:`iter_binary`. With ``dest`` (a directory),
        each item is written in the layout of ``viam data export binary``:
        ``dest/data/<name>`` (the bytes, when included; ``.gz`` items gunzipped) and
        ``dest/metadata/<name>.json`` (protojson), ``<name>`` being the capture time and
        the uploaded file name, its directories kept inside ``dest``; each file is
        replaced atomically and a failure raises.

        Args:
            filter: Which data; ``None`` for all (no filter is sent, as by the SDK).
            limit: Maximum items in the page (server default 50 when unset).
            sort_order: ``Order`` value.
            last: The ``last`` value of the previous page, to get the next one.
            include_binary_data: Include the file bytes, not only the metadata.
            count_only: Return only the count.
            include_internal_data: Include Viam-internal data.
            dest: Optional directory to write the page to.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            ``(data, count, last)``: ``BinaryData`` messages, the count, the cursor.

        Example::

            from viam_data_sync import create_filter
            from viam_data_sync.proto import Filter, TagsFilter, TagsFilterType

            # Get data captured from camera components
            my_data = []
            last = None
            my_filter = create_filter(component_name="camera-1")

            while True:
                data, count, last = data_client.binary_data_by_filter(
                    my_filter, limit=1, last=last)
                if not data:
                    break
                my_data.extend(data)

            print(f"My data: {my_data}")

            # Get untagged data from a dataset

            my_untagged_data = []
            last = None
            tags_filter = TagsFilter(type=TagsFilterType.TAGS_FILTER_TYPE_UNTAGGED)
            my_filter = Filter(
                dataset_id="<YOUR-DATASET-ID>",
                tags_filter=tags_filter
            )

            while True:
                data, count, last = data_client.binary_data_by_filter(
                    my_filter, last=last, include_binary_data=False)
                if not data:
                    break
                my_untagged_data.extend(data)
        """
        request = binary_page_request(filter, limit, sort_order, last, include_binary_data, count_only,
                                      include_internal_data)
        path = check_dest_dir(dest) if dest is not None else None
        response = self._caller.call(DataService.BinaryDataByFilter, request, timeout=timeout)
        data = list(response.data)
        if path is not None:
            write_items(path, data)
            LOGGER.debug("wrote %d binary items to %s", len(data), path)
        return data, int(response.count), response.last

    def binary_data_by_ids(
        self,
        binary_ids: Union[List[data_pb2.BinaryID], List[str]],
        dest: Optional[Union[str, "os.PathLike[str]"]] = None,
        include_binary_data: bool = True,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> List[data_pb2.BinaryData]:
        """Download binary data by id.

        Ids may be binary data id strings (``BinaryMetadata.binary_data_id``, sent as
        ``binary_data_ids``) or deprecated ``BinaryID`` messages (sent as
        ``binary_ids``), or a mix. With ``dest`` (a directory) the items are written as
        by :meth:`binary_data_by_filter` (the official SDK writes a text repr).
        ``include_binary_data`` comes after ``dest`` here to keep the seed API's
        positions; pass it by keyword.

        Args:
            binary_ids: The ids; must be non-empty.
            dest: Optional directory to write the items to.
            include_binary_data: Include the file bytes, not only the metadata.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The ``BinaryData`` messages.

        Raises:
            ValueError: ``binary_ids`` is empty.

        Example::

            binary_metadata, count, last = data_client.binary_data_by_filter(
                include_binary_data=False
            )
            my_ids = [obj.metadata.binary_data_id for obj in binary_metadata]

            binary_data = data_client.binary_data_by_ids(my_ids)
        """
        if isinstance(dest, bool):
            raise TypeError("dest must be a path; pass include_binary_data= by keyword")
        request = binary_ids_request(binary_ids, include_binary_data)
        path = check_dest_dir(dest) if dest is not None else None
        data = list(self._caller.call(DataService.BinaryDataByIDs, request, timeout=timeout).data)
        if path is not None:
            write_items(path, data)
        return data

    def create_binary_data_signed_url(
        self,
        binary_data_id: str,
        expiration_minutes: Optional[int] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> Tuple[str, _dt.datetime]:
        """Create a signed URL to download one binary data file over HTTP.

        Args:
            binary_data_id: The binary data id.
            expiration_minutes: Validity in minutes (1 to 10080; server default 15).
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            ``(signed_url, expires_at)``, ``expires_at`` aware UTC.

        Example::

            url, expires_at = data_client.create_binary_data_signed_url(
                binary_data_id="<YOUR-BINARY-DATA-ID>",
                expiration_minutes=60,
            )
        """
        return signed_url(self._caller, binary_data_id, expiration_minutes, timeout)

    def delete_binary_data_by_filter(
        self,
        filter: Optional[data_pb2.Filter],
        include_internal_data: bool = False,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> int:
        """Filter and delete binary data.

        Passing ``None`` or an empty ``Filter`` deletes all data: exercise caution.
        Specify an organization with ``organization_ids``.

        Args:
            filter: Which binary data to delete.
            include_internal_data: Also delete Viam-internal data (the official SDK
                never sends this field).
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The number of items deleted.

        Example::

            from viam_data_sync import create_filter

            my_filter = create_filter(component_name="left_motor", organization_ids=["<YOUR-ORG-ID>"])

            res = data_client.delete_binary_data_by_filter(my_filter)
        """
        request = data_pb2.DeleteBinaryDataByFilterRequest(
            filter=check_filter(filter, empty_if_none=True),
            include_internal_data=check_flag("include_internal_data", include_internal_data),
        )
        return int(self._caller.call(DataService.DeleteBinaryDataByFilter, request, timeout=timeout).deleted_count)

    def delete_binary_data_by_ids(
        self,
        binary_ids: Union[List[data_pb2.BinaryID], List[str]],
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> int:
        """Delete binary data by id (strings, ``BinaryID`` messages, or a mix).

        Args:
            binary_ids: The ids; must be non-empty.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The number of items deleted.

        Raises:
            ValueError: ``binary_ids`` is empty.

        Example::

            from viam_data_sync import create_filter

            my_filter = create_filter(component_name="camera-1", organization_ids=["<YOUR-ORG-ID>"])
            binary_metadata, count, last = data_client.binary_data_by_filter(
                filter=my_filter,
                limit=20,
                include_binary_data=False
            )

            my_ids = [obj.metadata.binary_data_id for obj in binary_metadata]

            binary_data = data_client.delete_binary_data_by_ids(my_ids)
        """
        strings, messages = split_binary_ids(binary_ids)
        request = data_pb2.DeleteBinaryDataByIDsRequest(binary_ids=messages, binary_data_ids=strings)
        return int(self._caller.call(DataService.DeleteBinaryDataByIDs, request, timeout=timeout).deleted_count)
