"""Messages both ways between viam-data-sync and the official ``viam-sdk``, by bytes.

Our message classes live in a private descriptor pool (see ``viam_data_sync.proto``),
so ours and the official SDK's are different Python classes with the same full names
and the same wire format. Our methods accept the official SDK's messages as they are;
:func:`to_official` turns one of ours (say, a :func:`create_filter` result) into the
official SDK's class for its calls, and :func:`from_official` does the reverse. Both
re-parse the serialized bytes, so every field survives, unknown ones included.

``to_official`` needs ``viam-sdk`` installed (not imported: the module that defines the
class is imported on demand, in either import order).

Example::

    from viam.app.data_client import DataClient as OfficialDataClient   # the async SDK
    from viam_data_sync import create_filter, to_official

    f = create_filter(component_name="sensor-1")
    data, count, last = await official_client.tabular_data_by_filter(to_official(f))
"""
from __future__ import annotations

import importlib
from typing import Any

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import Message

from viam_data_sync._proto._pool import POOL

_OFFICIAL_HINT = "to_official needs the official SDK, which is not installed: pip install viam-sdk"


def _official_module(file_name: str) -> str:
    """The official SDK's module for a ``.proto`` file (``app/data/v1/data.proto`` ->
    ``viam.gen.app.data.v1.data_pb2``; well-known types are protobuf's own)."""
    stem = file_name[: -len(".proto")].replace("/", ".").replace("-", "_")
    return f"{stem}_pb2" if stem.startswith("google.protobuf.") else f"viam.gen.{stem}_pb2"


def _check_message(message: Any, what: str) -> Message:
    if not isinstance(message, Message):
        raise TypeError(f"{what} takes a protobuf message, got {type(message).__name__}")
    return message


def to_official(message: Message) -> Any:
    """``message`` (one of ours) as the official ``viam-sdk``'s class of the same full
    name, re-parsed from its bytes; a message already of the official SDK's pool is
    returned as it is.

    Args:
        message: a message of ``viam_data_sync.proto`` (or any of our results).

    Returns:
        The official SDK's message, e.g. a ``viam.proto.app.data.Filter``.

    Raises:
        TypeError: ``message`` is not a protobuf message.
        ImportError: viam-sdk is not installed.
        KeyError: the official SDK has no message of that name.

    Example::

        from viam.proto.app.data import Filter
        official = to_official(create_filter(component_name="sensor-1"))
        assert isinstance(official, Filter)
    """
    descriptor = _check_message(message, "to_official").DESCRIPTOR
    if descriptor.file.pool is not POOL:
        return message
    name = _official_module(descriptor.file.name)
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (exc.name == "viam" or exc.name.startswith("viam.")):
            raise ImportError(_OFFICIAL_HINT, name="viam") from exc
        raise
    official = descriptor_pool.Default().FindMessageTypeByName(descriptor.full_name)
    return message_factory.GetMessageClass(official).FromString(message.SerializeToString())


def from_official(message: Message) -> Any:
    """An official ``viam-sdk`` message as our class of the same full name (the class
    ``viam_data_sync.proto`` exports), re-parsed from its bytes; one of ours is
    returned as it is.

    Raises:
        TypeError: ``message`` is not a protobuf message, or viam-data-sync has no
            message of its name (e.g. a robot API message).

    Example::

        from viam.proto.app.data import Filter as OfficialFilter
        ours = from_official(OfficialFilter(component_name="sensor-1"))
        assert isinstance(ours, viam_data_sync.proto.Filter)
    """
    descriptor = _check_message(message, "from_official").DESCRIPTOR
    if descriptor.file.pool is POOL:
        return message
    try:
        ours = POOL.FindMessageTypeByName(descriptor.full_name)
    except KeyError:
        raise TypeError(f"viam-data-sync has no message {descriptor.full_name}") from None
    return message_factory.GetMessageClass(ours).FromString(message.SerializeToString())


__all__ = ["from_official", "to_official"]
