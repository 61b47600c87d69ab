"""Filters: ``DataClient.create_filter``, as in the official SDK.

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

import datetime as _dt
import warnings
from typing import List, Optional

from viam_data_sync._api._base import ClientBase
from viam_data_sync._filters import create_filter as _create_filter
from viam_data_sync._proto.app.data.v1 import data_pb2


class Filters(ClientBase):
    """Filters: ``DataClient.create_filter``, as in the official SDK."""

    @staticmethod
    def create_filter(
        component_name: Optional[str] = None,
        component_type: Optional[str] = None,
        method: Optional[str] = None,
        robot_name: Optional[str] = None,
        robot_id: Optional[str] = None,
        part_name: Optional[str] = None,
        part_id: Optional[str] = None,
        location_ids: Optional[List[str]] = None,
        organization_ids: Optional[List[str]] = None,
        mime_type: Optional[List[str]] = None,
        start_time: Optional[_dt.datetime] = None,
        end_time: Optional[_dt.datetime] = None,
        tags: Optional[List[str]] = None,
        bbox_labels: Optional[List[str]] = None,
        dataset_id: Optional[str] = None,
    ) -> data_pb2.Filter:
        """Deprecated: use ``viam_data_sync.create_filter`` (same arguments).

        Example::

            from viam_data_sync import create_filter

            my_filter = create_filter(component_name="sensor-1")
        """
        warnings.warn(
            "DataClient.create_filter is deprecated; use viam_data_sync.create_filter",
            DeprecationWarning,
            stacklevel=2,
        )
        return _create_filter(
            component_name,
            component_type,
            method,
            robot_name,
            robot_id,
            part_name,
            part_id,
            location_ids,
            organization_ids,
            mime_type,
            start_time,
            end_time,
            tags,
            bbox_labels,
            dataset_id,
        )
