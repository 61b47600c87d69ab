"""Conversions between plain Python values and protobuf well-known types.

Our generated messages live in a private descriptor pool, so the well-known types they
embed (``Struct``, ``Timestamp``, ``Any``) are *our pool's* classes, not
``google.protobuf.struct_pb2.Struct``. Everything that builds or reads those values goes
through this module.

Differences from the official SDK, on purpose:

* ``null`` in a Struct becomes ``None`` (the official SDK returns ``0``).
* Numbers that are whole and within 2**53 come back as ``int`` when ``ints=True``;
  by default numbers are ``float``, as on the wire.
* Timestamps come back as timezone-aware UTC datetimes; naive datetimes given to us are
  taken as UTC (the official SDK does the same on input but returns naive values).
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Mapping, Optional, TypeVar

from google.protobuf import message as _message
from google.protobuf import message_factory as _message_factory

from viam_data_sync._proto._pool import POOL

Struct: Any = _message_factory.GetMessageClass(POOL.FindMessageTypeByName("google.protobuf.Struct"))
Value: Any = _message_factory.GetMessageClass(POOL.FindMessageTypeByName("google.protobuf.Value"))
ListValue: Any = _message_factory.GetMessageClass(POOL.FindMessageTypeByName("google.protobuf.ListValue"))
Timestamp: Any = _message_factory.GetMessageClass(POOL.FindMessageTypeByName("google.protobuf.Timestamp"))
AnyMessage: Any = _message_factory.GetMessageClass(POOL.FindMessageTypeByName("google.protobuf.Any"))

UTC = _dt.timezone.utc
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)

M = TypeVar("M", bound=_message.Message)


# ---------------------------------------------------------------- time
def as_utc(value: _dt.datetime) -> _dt.datetime:
    """Return ``value`` as an aware UTC datetime; a naive value is taken as UTC."""
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def datetime_to_timestamp(value: Optional[_dt.datetime]) -> Any:
    """A private-pool ``Timestamp`` for ``value`` (``None`` stays ``None``)."""
    if value is None:
        return None
    delta = as_utc(value) - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    seconds, rem = divmod(micros, 1_000_000)
    return Timestamp(seconds=seconds, nanos=rem * 1000)


def timestamp_to_datetime(ts: Any) -> _dt.datetime:
    """An aware UTC datetime for a ``Timestamp`` (microsecond precision)."""
    return _EPOCH + _dt.timedelta(seconds=ts.seconds, microseconds=ts.nanos // 1000)


def timestamp_to_ns(ts: Any) -> int:
    return int(ts.seconds) * 1_000_000_000 + int(ts.nanos)


def ns_to_timestamp(ns: int) -> Any:
    seconds, nanos = divmod(ns, 1_000_000_000)
    return Timestamp(seconds=seconds, nanos=nanos)


def datetime_to_ns(value: _dt.datetime) -> int:
    delta = as_utc(value) - _EPOCH
    return ((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds) * 1000


def ns_to_datetime(ns: int) -> _dt.datetime:
    return _EPOCH + _dt.timedelta(microseconds=ns // 1000)


# ---------------------------------------------------------------- struct
def dict_to_struct(data: Optional[Mapping[str, Any]]) -> Any:
    """A private-pool ``Struct`` holding ``data``.

    Accepts what JSON accepts plus tuples, ``None`` and datetimes (sent as RFC 3339
    strings, since a Struct has no time type). Anything else raises ``TypeError``
    naming the offending key, before any request is sent.
    """
    struct = Struct()
    if data is None:
        return struct
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a mapping, got {type(data).__name__}")
    for key, item in data.items():
        _set_value(struct.fields[_key(key)], item, str(key))
    return struct


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"Struct keys must be str, got {type(key).__name__} ({key!r})")
    return key


def _set_value(target: Any, item: Any, path: str) -> None:
    if item is None:
        target.null_value = 0
    elif isinstance(item, bool):
        target.bool_value = item
    elif isinstance(item, (int, float)):
        target.number_value = float(item)
    elif isinstance(item, str):
        target.string_value = item
    elif isinstance(item, _dt.datetime):
        target.string_value = as_utc(item).isoformat().replace("+00:00", "Z")
    elif isinstance(item, Mapping):
        target.struct_value.Clear()
        for key, sub in item.items():
            _set_value(target.struct_value.fields[_key(key)], sub, f"{path}.{key}")
    elif isinstance(item, (list, tuple)):
        target.list_value.Clear()
        for index, sub in enumerate(item):
            _set_value(target.list_value.values.add(), sub, f"{path}[{index}]")
    else:
        raise TypeError(f"cannot put {type(item).__name__} into a Struct (at {path!r})")


def struct_to_dict(struct: Any, *, ints: bool = False) -> dict[str, Any]:
    """A plain dict for a ``Struct`` (from any pool); ``null`` becomes ``None``."""
    # Iterating keys and indexing is ~30% faster than ``.items()``, which upb serves
    # through the generic Mapping view. This is the hot path of every tabular page.
    fields = struct.fields
    if ints:
        return {key: value_to_python(fields[key], ints=True) for key in fields}
    return {key: _value(fields[key]) for key in fields}


def _value(value: Any) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "number_value":
        return value.number_value
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        fields = value.struct_value.fields
        return {key: _value(fields[key]) for key in fields}
    if kind == "list_value":
        return [_value(v) for v in value.list_value.values]
    return None  # null_value, or unset


def value_to_python(value: Any, *, ints: bool = False) -> Any:
    """A plain value for a ``google.protobuf.Value``; whole numbers as ``int`` if ``ints``."""
    if not ints:
        return _value(value)
    kind = value.WhichOneof("kind")
    if kind == "number_value":
        number = value.number_value
        if number.is_integer() and abs(number) <= 2**53:
            return int(number)
        return number
    if kind == "struct_value":
        return struct_to_dict(value.struct_value, ints=True)
    if kind == "list_value":
        return [value_to_python(v, ints=True) for v in value.list_value.values]
    return _value(value)


# ---------------------------------------------------------------- any (method parameters)
def params_to_any_map(params: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    """``method_parameters`` as a ``map<string, Any>``: each value a packed ``Value``.

    Already-packed ``Any`` messages (from any pool) pass through unchanged.
    """
    out: dict[str, Any] = {}
    for key, item in (params or {}).items():
        if isinstance(item, _message.Message) and item.DESCRIPTOR.full_name == "google.protobuf.Any":
            packed: Any = item  # an Any of whichever pool: it has type_url and value
            out[_key(key)] = AnyMessage(type_url=packed.type_url, value=packed.value)
            continue
        value = Value()
        _set_value(value, item, str(key))
        out[_key(key)] = AnyMessage(
            type_url="type.googleapis.com/google.protobuf.Value", value=value.SerializeToString()
        )
    return out


def any_map_to_params(anys: Mapping[str, Any]) -> dict[str, Any]:
    """Unpack a ``map<string, Any>`` of Struct/Value payloads into plain values.

    Unknown payload types are returned as the ``Any`` message itself.
    """
    out: dict[str, Any] = {}
    for key, item in anys.items():
        type_name = item.type_url.rsplit("/", 1)[-1]
        if type_name == "google.protobuf.Value":
            out[key] = value_to_python(Value.FromString(item.value))
        elif type_name == "google.protobuf.Struct":
            out[key] = struct_to_dict(Struct.FromString(item.value))
        else:
            out[key] = item
    return out


# ---------------------------------------------------------------- foreign messages
def coerce(message: Any, cls: type[M], what: str = "argument") -> M:
    """Return ``message`` as an instance of our class ``cls``.

    Accepts our own messages, and messages of the same full name from another
    descriptor pool (e.g. the official ``viam-sdk``'s ``Filter``), re-parsed from bytes.
    """
    if isinstance(message, cls):
        return message
    descriptor = getattr(message, "DESCRIPTOR", None)
    if isinstance(message, _message.Message) and descriptor is not None:
        if descriptor.full_name == cls.DESCRIPTOR.full_name:
            return cls.FromString(message.SerializeToString())
    raise TypeError(f"{what} must be a {cls.DESCRIPTOR.full_name}, got {type(message).__name__}")
