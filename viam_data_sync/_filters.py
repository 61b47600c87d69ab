"""Building a ``Filter`` from plain Python values (``create_filter``)."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Optional, Sequence

from viam_data_sync._checks import check_optional_text, check_optional_time, check_str_list
from viam_data_sync._convert import as_utc, datetime_to_timestamp
from viam_data_sync._proto.app.data.v1 import data_pb2


def create_filter(
    component_name: Optional[str] = None,
    component_type: Optional[str] = None,
    method: Optional[str] = None,
    robot_name: Optional[str] = None,
    robot_id: Optional[str] = None,
    part_name: Optional[str] = None,
    part_id: Optional[str] = None,
    location_ids: Optional[Sequence[str]] = None,
    organization_ids: Optional[Sequence[str]] = None,
    mime_type: Optional[Sequence[str]] = None,
    start_time: Optional[_dt.datetime] = None,
    end_time: Optional[_dt.datetime] = None,
    tags: Optional[Sequence[str]] = None,
    bbox_labels: Optional[Sequence[str]] = None,
    dataset_id: Optional[str] = None,
) -> data_pb2.Filter:
    """Build a ``Filter`` for the ``*_by_filter`` methods.

    Fields are ANDed; ``tags`` and ``bbox_labels`` match any of their values. The
    result is wire-identical to the official SDK's ``viam.utils.create_filter``: it
    always carries a ``TagsFilter`` (type UNSPECIFIED, which matches any of ``tags``,
    or everything when ``tags`` is empty). For TAGGED/UNTAGGED matching build
    ``Filter``/``TagsFilter`` from ``viam_data_sync.proto`` directly.

    Naive ``start_time``/``end_time`` are taken as UTC.

    Args:
        component_name: Name of the component, e.g. ``"camera-1"``.
        component_type: Type of the component, e.g. ``"rdk:component:camera"``.
        method: Capture method name, e.g. ``"ReadImage"``.
        robot_name: Machine name.
        robot_id: Machine id.
        part_name: Part name.
        part_id: Part id.
        location_ids: Location ids (any of).
        organization_ids: Organization ids (any of).
        mime_type: MIME types (any of), e.g. ``["image/png"]``.
        start_time: Start of the capture interval.
        end_time: End of the capture interval.
        tags: Tags (any of).
        bbox_labels: Bounding box labels (any of).
        dataset_id: Only data in this dataset.

    Returns:
        The ``Filter`` message.

    Raises:
        TypeError: A value has the wrong type (e.g. a bare string for a list).

    Example::

        from viam_data_sync import create_filter

        my_filter = create_filter(component_name="sensor-1")
    """
    strings = {
        "component_name": component_name,
        "component_type": component_type,
        "method": method,
        "robot_name": robot_name,
        "robot_id": robot_id,
        "part_name": part_name,
        "part_id": part_id,
        "dataset_id": dataset_id,
    }
    fields: dict[str, Any] = {name: check_optional_text(name, value) for name, value in strings.items()}
    for name, values in (
        ("location_ids", location_ids),
        ("organization_ids", organization_ids),
        ("mime_type", mime_type),
        ("bbox_labels", bbox_labels),
    ):
        if values is not None:
            fields[name] = check_str_list(name, values)
    result = data_pb2.Filter(**fields)
    start = check_optional_time("start_time", start_time)
    end = check_optional_time("end_time", end_time)
    if start is not None and end is not None and as_utc(start) > as_utc(end):
        raise ValueError("start_time must not be after end_time")
    if start is not None or end is not None:
        result.interval.SetInParent()
        if start is not None:
            result.interval.start.CopyFrom(datetime_to_timestamp(start))
        if end is not None:
            result.interval.end.CopyFrom(datetime_to_timestamp(end))
    result.tags_filter.SetInParent()
    if tags is not None:
        result.tags_filter.tags.extend(check_str_list("tags", tags))
    return result


__all__ = ["create_filter"]
