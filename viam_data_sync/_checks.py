"""Argument checks, one set for the whole client: the same mistake raises the same
exception everywhere, before anything is sent. A value of the wrong type raises
``TypeError``; a value of the right type that is out of range or empty raises
``ValueError``.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, List, Optional, Tuple, Union

from viam_data_sync._convert import as_utc, coerce
from viam_data_sync._proto.app.data.v1 import data_pb2

BinaryIdLike = Union[str, data_pb2.BinaryID]


def check_text(name: str, value: Any, *, allow_empty: bool = False) -> str:
    """``value`` as a string, non-empty unless ``allow_empty``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    if not allow_empty and not value:
        raise ValueError(f"{name} must not be empty")
    return value


def check_optional_text(name: str, value: Any) -> str:
    """``None`` -> ``""``; otherwise a string."""
    return "" if value is None else check_text(name, value, allow_empty=True)


def check_flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return value


def check_count(name: str, value: Any, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_enum(name: str, value: Any, enum: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a {enum.DESCRIPTOR.full_name} value, got {type(value).__name__}")
    if value not in enum.values():
        raise ValueError(f"{name}: {value} is not a {enum.DESCRIPTOR.full_name} value")
    return value


def check_tags(tags: Any) -> List[str]:
    return check_str_list("tags", tags, allow_empty=False)


def check_optional_list(name: str, values: Any) -> List[str]:
    return [] if values is None else check_str_list(name, values)


def check_filter(filter: Any, *, empty_if_none: bool) -> Optional[data_pb2.Filter]:
    """``filter`` as our ``Filter`` (the official SDK's is accepted too); ``None`` stays
    ``None`` unless ``empty_if_none``."""
    if filter is None:
        return data_pb2.Filter() if empty_if_none else None
    return coerce(filter, data_pb2.Filter, "filter")


def filter_or_empty(filter: Any) -> data_pb2.Filter:
    """``filter`` as our ``Filter``; an empty one for ``None``."""
    return data_pb2.Filter() if filter is None else coerce(filter, data_pb2.Filter, "filter")


def check_binary_id(value: Any) -> BinaryIdLike:
    if isinstance(value, str):
        if not value:
            raise ValueError("binary ids must not be empty strings")
        return value
    if isinstance(value, bytes):
        raise TypeError("binary ids must be str or BinaryID, not bytes")
    binary_id = coerce(value, data_pb2.BinaryID, "binary id")
    if not binary_id.file_id:
        raise ValueError("BinaryID.file_id must not be empty")
    return binary_id


def split_binary_ids(binary_ids: Any) -> Tuple[List[str], List[data_pb2.BinaryID]]:
    """Binary data ids (``str``, sent as ``binary_data_ids``) and deprecated ``BinaryID``
    messages (sent as ``binary_ids``); mixed lists fill both fields."""
    if isinstance(binary_ids, (str, bytes)) or not isinstance(binary_ids, (list, tuple)):
        raise TypeError(f"binary_ids must be a list of str or BinaryID, got {type(binary_ids).__name__}")
    if not binary_ids:
        raise ValueError("binary_ids must not be empty")
    strings: List[str] = []
    messages: List[data_pb2.BinaryID] = []
    for item in binary_ids:
        converted = check_binary_id(item)
        if isinstance(converted, str):
            strings.append(converted)
        else:
            messages.append(converted)
    return strings, messages


def one_binary_id(binary_id: Any, message_field: str, string_field: str) -> Dict[str, Any]:
    converted = check_binary_id(binary_id)
    return {string_field: converted} if isinstance(converted, str) else {message_field: converted}


def check_coordinate(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{name} must be within [0, 1], got {value}")
    return number


def check_confidence(value: Any) -> Optional[float]:
    return None if value is None else check_coordinate("confidence_score", value)


def check_box(
    x_min: Optional[float], y_min: Optional[float], x_max: Optional[float], y_max: Optional[float]
) -> None:
    if x_min is not None and x_max is not None and x_min >= x_max:
        raise ValueError(f"x_min_normalized ({x_min}) must be less than x_max_normalized ({x_max})")
    if y_min is not None and y_max is not None and y_min >= y_max:
        raise ValueError(f"y_min_normalized ({y_min}) must be less than y_max_normalized ({y_max})")


def check_time(name: str, value: Any) -> _dt.datetime:
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    return value


def check_interval(start_time: Any, end_time: Any) -> None:
    if start_time is not None:
        check_time("start_time", start_time)
    if end_time is not None:
        check_time("end_time", end_time)
    if start_time is not None and end_time is not None and as_utc(start_time) > as_utc(end_time):
        raise ValueError("start_time must not be after end_time")


def check_str_list(name: str, values: Any, *, allow_empty: bool = True) -> List[str]:
    """``values`` as a list of non-empty strings; a bare string is refused, since
    ``list("abc")`` would silently become three one-letter values."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)):
        raise TypeError(f"{name} must be a list of strings, got {type(values).__name__}")
    out = list(values)
    for item in out:
        if not isinstance(item, str):
            raise TypeError(f"{name} must contain only strings, got {type(item).__name__}")
        if not item:
            raise ValueError(f"{name} must not contain empty strings")
    if not allow_empty and not out:
        raise ValueError(f"{name} must not be empty")
    return out


def check_optional_time(name: str, value: Any) -> Optional[_dt.datetime]:
    """``None``, or a datetime."""
    return None if value is None else check_time(name, value)


def check_page_size(value: Any) -> Optional[int]:
    """``None``, or a page size > 0."""
    return None if value is None else check_count("page_size", value, minimum=1)
