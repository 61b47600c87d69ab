"""Optional extras: what the ``server`` extra brings, and what to say when it is missing.

The client needs only grpcio, protobuf, pymongo and tenacity. The local server (and so
``viam-data-sync serve``/``demo`` and the pytest fixtures) also needs the ``server``
extra's SQL and MQL engines. Everything that needs them asks :func:`require_server_extra`,
so a client-only install gets one clear sentence naming the command instead of a
traceback. This module imports neither engine.

Example::

    from viam_data_sync._extras import MissingExtraError, require_server_extra

    try:
        require_server_extra()
    except MissingExtraError as exc:
        print(exc)    # the local server needs the 'server' extra: pip install ...
"""
from __future__ import annotations

import importlib

# The top-level modules of setup.cfg's `server` extra (keep the two in step).
SERVER_MODULES = ("sqlglot", "mongomock", "croniter")

_SERVER_EXTRA_MESSAGE = (
    "the local server needs the 'server' extra: pip install 'viam-data-sync[server]' "
    "(from a clone: pip install '.[server]')"
)


class MissingExtraError(ImportError):
    """An optional extra is not installed; the message names the command that installs it."""


def missing_extra_message() -> str:
    """The one-line hint for a missing ``server`` extra (what ``serve``/``demo`` print).

    Example::

        print(missing_extra_message())
    """
    return _SERVER_EXTRA_MESSAGE


def require_server_extra() -> None:
    """Import the ``server`` extra's modules, or raise :class:`MissingExtraError`.

    Only a module of the extra that is not installed becomes the hint (chained from the
    original error); any other import failure propagates unchanged.

    Raises:
        MissingExtraError: ``sqlglot``, ``mongomock`` or ``croniter`` is not installed. Its ``name``
            is ``"viam_data_sync.server"``, the package that cannot be imported.
    """
    for module in SERVER_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is None or exc.name.partition(".")[0] != module:
                raise
            raise MissingExtraError(_SERVER_EXTRA_MESSAGE, name="viam_data_sync.server") from exc
