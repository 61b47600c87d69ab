"""What the local server's services are built from besides the store: one frozen
settings object and the server's clock.

``LocalDataServer`` makes both when it starts, from its constructor's arguments, and
hands them (with the store, the query pool, the URL signer and the auth layer) to each
service, which reads nothing else of the server.

Example::

    config = ServiceConfig(max_page_size=1000, max_message_bytes=32 << 20, max_upload_bytes=None,
                           max_query_rows=100_000, database_hostname="localhost", mongodb_uri=None)
    config.mongodb_uri_for("org-1", has_user=True)
    # 'mongodb://db-user-org-1@localhost:27017/sensorData'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from viam_data_sync.server.engines.scheduler import PipelineClock


@dataclass(frozen=True)
class ServiceConfig:
    """The server's limits and reported addresses, as the services read them.

    Attributes:
        max_page_size: cap on a page's ``limit``.
        max_message_bytes: gRPC message size limit (a page of inline blobs fits in it).
        max_upload_bytes: largest upload accepted (None: no limit).
        max_query_rows: most rows/documents an SQL or MQL query (or pipeline run) returns.
        database_hostname: what ``GetDatabaseConnection`` reports as ``hostname``.
        mongodb_uri: what it reports as ``mongodb_uri`` (None: built from the hostname).
        max_pipelines_per_organization: most data pipelines one organization may have.
    """

    max_page_size: int
    max_message_bytes: int
    max_upload_bytes: Optional[int]
    max_query_rows: int
    database_hostname: str
    mongodb_uri: Optional[str]
    max_pipelines_per_organization: int = 100

    def mongodb_uri_for(self, organization_id: str, has_user: bool) -> str:
        """The MongoDB URI reported for an organization (with its database user, if any)."""
        if self.mongodb_uri:
            return self.mongodb_uri
        user = f"db-user-{organization_id}@" if has_user else ""
        return f"mongodb://{user}{self.database_hostname}:27017/sensorData"


class ServerClock:
    """The server's time (data pipeline schedules, the hot store's window, the latest
    reading's window), from a :class:`PipelineClock` a test may drive.

    Args:
        clock: The time.
        hot_store_hours: How far back the hot store reaches, by ``time_received``.
    """

    def __init__(self, clock: PipelineClock, hot_store_hours: float) -> None:
        self.clock = clock
        self.hot_store_hours = hot_store_hours

    def now_ns(self) -> int:
        """The time by the clock, in ns since the epoch (microsecond precision)."""
        return int(self.clock.now().timestamp() * 1_000_000) * 1000

    def hot_store_since_ns(self) -> int:
        """The oldest ``time_received`` (ns) the hot store still holds."""
        return self.now_ns() - int(self.hot_store_hours * 3600 * 1_000_000_000)
