"""The local Viam Data API server.

A real gRPC server speaking the same services and messages as the Viam cloud
(``DataService``, ``DatasetService``, ``DataSyncService``, ``AuthService``), backed by
SQLite and blob files, for tests, demos and offline ETL development.

Example::

    from viam_data_sync.server import LocalDataServer

    with LocalDataServer() as server:
        print(server.address, server.api_key_id, server.api_key)

It needs the ``server`` extra (from a clone: ``pip install '.[server]'``); without it,
importing this package raises :class:`ImportError` naming the command that installs it
from where this copy came from (the clone's folder or the wheel file).
"""

from viam_data_sync._extras import require_server_extra

require_server_extra()

from viam_data_sync.server.engines.scheduler import ManualClock, PipelineClock
from viam_data_sync.server._server import LocalDataServer
from viam_data_sync.server.admin import FleetAdmin
from viam_data_sync.server.store import FleetIds
from viam_data_sync._public import publish

__all__ = ["LocalDataServer", "FleetAdmin", "FleetIds", "ManualClock", "PipelineClock"]

publish(globals(), __all__, __name__)  # viam_data_sync.server.X in help() and tracebacks
