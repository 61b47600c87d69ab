"""``LocalDataServer``: a real gRPC server speaking the Viam Data API over a local store."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from typing import Any, Optional, Sequence, Tuple, TypeVar, Union

import grpc

from viam_data_sync._proto.app.data.v1 import data_pb2_grpc
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2_grpc
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2_grpc
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2_grpc
from viam_data_sync._proto.proto.rpc.v1 import auth_pb2_grpc
from viam_data_sync.server.web.admission import Limits
from viam_data_sync.server.web.serving import HandlerCollector, ServingCore
from viam_data_sync.server.services.auth import AuthServicer, TokenAuthority
from viam_data_sync.server._config import ServerClock, ServiceConfig
from viam_data_sync.server.admin import FleetAdmin, ensure_defaults
from viam_data_sync.server.web.grpc_web import GrpcWebProxy
from viam_data_sync.server.web.http import BLOB_PREFIX, HttpListener, UrlSigner, blob_route, url_base
from viam_data_sync.server.services.data import DataServicer
from viam_data_sync.server.services.dataset import DatasetServicer
from viam_data_sync.server.store import FleetIds, Store
from viam_data_sync.server.engines.pipeline_runner import CONCURRENCY, MQL_TIMEOUT, RUN_TIMEOUT, PipelineLimits, PipelineRunner
from viam_data_sync.server.services.pipelines import PipelinesServicer
from viam_data_sync.server.store import binary
from viam_data_sync.server.engines.scheduler import PipelineClock, Scheduler
from viam_data_sync.server.engines.query_pool import (
    DEFAULT_QUERY_MEMORY_BYTES,
    DEFAULT_QUERY_TIMEOUT,
    DEFAULT_QUERY_WORKERS,
    QueryPool,
)
from viam_data_sync.server.engines.query_pool import check_settings as check_query_settings
from viam_data_sync.server.services.sync import DataSyncServicer

LOG = logging.getLogger("viam_data_sync.server")
NOT_STARTED = ("the server is not started: call server.start() (and server.stop() when done), "
               "or use `with LocalDataServer() as server:`")
_T = TypeVar("_T")

DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024  # goutils MaxMessageSize
#: Largest upload accepted unless ``max_upload_bytes`` says otherwise: 1 GiB.
DEFAULT_MAX_UPLOAD_BYTES = 1024 * 1024 * 1024

#: Keepalive policy: clients may ping as often as every second, with or without calls in
#: flight, and are never sent GOAWAY "too_many_pings". grpc's default (one ping per
#: 5 minutes without data, two strikes) ends the SDK's long calls, since it pings every
#: 20 s even while a call waits for a slow upload source or a long query.
KEEPALIVE_OPTIONS: Tuple[Tuple[str, int], ...] = (
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 1000),
    ("grpc.http2.max_ping_strikes", 0),  # 0: never close a connection for its pings
)


class LocalDataServer:
    """A local Viam Data API server: same services and wire format as the cloud.

    No caller can starve another: calls wait on their clients in an event loop, holding
    no thread, and each caller's share of the server is bounded (see the limits below).

    Serves ``DataService``, ``DatasetService``, ``DataSyncService`` and ``AuthService``
    on a real port, backed by SQLite (WAL) and blob files. On first start it creates a
    default fleet (organization, location, robot, part) and an API key for it; reopening
    an existing database finds them again, the default key's id and secret included, so
    clients configured with them keep working across restarts. ``api_key_id`` and
    ``api_key`` choose the default key instead (kept for later restarts too).

    Args:
        path: SQLite file to use (blobs go in ``<path>.blobs/``, the signing key and the
            default key's secret in ``<path>.secrets``; all owner-only). ``None``: a temporary
            store, removed by :meth:`stop`.
        host: interface to listen on.
        port: TCP port; 0 picks a free one (see :attr:`address`).
        auth: require API-key tokens (``False``: every call sees every organization).
        max_page_size: cap on ``DataRequest.limit``.
        max_message_bytes: gRPC send/receive message size limit.
        max_upload_bytes: largest upload accepted (default 1 GiB; ``None``: no limit);
            RESOURCE_EXHAUSTED beyond it, as on a full disk.
        interceptors: extra ``grpc.ServerInterceptor`` objects (e.g. fault injection);
            they run in the serving loop, so they must not block.
        token_ttl: lifetime of issued access tokens, in seconds.
        max_workers: threads doing database and file work (calls waiting on their
            client hold none).
        max_workers_per_caller: how many of them one caller (API key) may use at once
            (default: half); its other calls wait their turn.
        max_calls_per_caller: calls one caller may have open at once; RESOURCE_EXHAUSTED
            beyond.
        max_concurrent_calls: calls open at once overall; RESOURCE_EXHAUSTED beyond.
        max_anonymous_calls: calls before login (``Authenticate``) open at once, in all
            (default: a sixteenth of ``max_concurrent_calls``); RESOURCE_EXHAUSTED beyond,
            so idle logins can never take the room authenticated callers need.
        max_anonymous_calls_per_connection: the same, per connection (default 4).
        anonymous_request_timeout: seconds a call before login may wait for its request
            (default 10, or ``request_idle_timeout`` if shorter).
        request_idle_timeout: seconds a call may wait for its request, or an upload for
            its next chunk (or a response stream for its client to read), before it is
            ended with DEADLINE_EXCEEDED.
        max_query_rows: cap on rows/documents an SQL or MQL query may return.
        database_hostname: what ``GetDatabaseConnection`` reports as ``hostname``.
        mongodb_uri: what it reports as ``mongodb_uri`` (default built from the hostname).
        api_key_id: id of the default API key (default: created, or found again).
        api_key: secret of the default API key (default: found again, else generated);
            without ``api_key_id``, the default key's id keeps (or gets) this secret.
        query_workers: worker processes running SQL and MQL queries (at most this many
            at once; one organization's take at most half).
        query_memory_bytes: address-space limit of each query worker (default 512 MiB;
            0: none); a query needing more answers RESOURCE_EXHAUSTED.
        query_timeout: seconds one query may run (default 30); then its worker is killed
            and the call answers DEADLINE_EXCEEDED.
        http_port: TCP port of the HTTP listener serving signed blob URLs and gRPC-web
            (with CORS), on ``host`` (0: a free one, see :attr:`http_address` and
            :attr:`grpc_web_url`).
        clock: the server's clock for data pipeline schedules and the hot store's
            window (default: the real time); a :class:`ManualClock` lets tests drive it.
        hot_store_hours: how far back the hot store (``use_recent_data``, the
            HOT_STORAGE source) reaches, by ``time_received``.
        pipeline_mql_timeout: seconds a data pipeline run's MQL may run (default 300,
            the cloud's 5 minutes); then the run is recorded FAILED with the reason.
        pipeline_run_timeout: seconds after which a run not finished, its wait for a
            query worker included, is recorded FAILED (default 600, the cloud's).
        max_pipelines_per_organization: most data pipelines one organization may have
            (default 100); creating one more answers RESOURCE_EXHAUSTED.
        pipeline_concurrency: organizations whose pipeline runs go on at once (one run
            each; default 4), so one organization's slow run never delays another's.

    Example::

        from viam_data_sync.server import LocalDataServer

        with LocalDataServer() as server:
            print(server.address, server.api_key_id, server.part_id)
    """

    def __init__(
        self,
        path: Optional[Union[str, "os.PathLike[str]"]] = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        auth: bool = True,
        max_page_size: int = 1000,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        max_upload_bytes: Optional[int] = DEFAULT_MAX_UPLOAD_BYTES,
        interceptors: Sequence[grpc.ServerInterceptor] = (),
        token_ttl: float = 3600.0,
        max_workers: int = 16,
        max_workers_per_caller: Optional[int] = None,
        max_calls_per_caller: int = 32,
        max_concurrent_calls: int = 1024,
        request_idle_timeout: float = 60.0,
        max_anonymous_calls: Optional[int] = None,
        max_anonymous_calls_per_connection: int = 4,
        anonymous_request_timeout: float = 10.0,
        max_query_rows: int = 100_000,
        database_hostname: str = "localhost",
        mongodb_uri: Optional[str] = None,
        api_key_id: Optional[str] = None,
        api_key: Optional[str] = None,
        clock: Optional[PipelineClock] = None,
        hot_store_hours: float = 24.0,
        query_workers: int = DEFAULT_QUERY_WORKERS,
        query_memory_bytes: int = DEFAULT_QUERY_MEMORY_BYTES,
        query_timeout: float = DEFAULT_QUERY_TIMEOUT,
        http_port: int = 0,
        pipeline_mql_timeout: float = MQL_TIMEOUT,
        pipeline_run_timeout: float = RUN_TIMEOUT,
        max_pipelines_per_organization: int = 100,
        pipeline_concurrency: int = CONCURRENCY,
    ) -> None:
        if max_page_size < 1:
            raise ValueError("max_page_size must be >= 1")
        if max_message_bytes < 1024 * 1024:
            raise ValueError("max_message_bytes must be at least 1 MiB")
        if max_upload_bytes is not None and max_upload_bytes < 0:
            raise ValueError("max_upload_bytes must be >= 0")
        if not hot_store_hours > 0:
            raise ValueError("hot_store_hours must be > 0")
        self.path = None if path is None else os.fspath(path)
        self.host = host
        self.requested_port = port
        self.auth_enabled = auth
        self.max_page_size = max_page_size
        self.max_message_bytes = max_message_bytes
        self.max_upload_bytes = max_upload_bytes
        self.interceptors = tuple(interceptors)
        self.token_ttl = token_ttl
        self.max_workers = max_workers
        self.limits = Limits(
            max_workers=max_workers,
            max_workers_per_caller=max_workers_per_caller or max(1, max_workers // 2),
            max_calls_per_caller=max_calls_per_caller,
            max_concurrent_calls=max_concurrent_calls,
            request_idle_timeout=request_idle_timeout,
            max_anonymous_calls=max_anonymous_calls,
            max_anonymous_calls_per_connection=max_anonymous_calls_per_connection,
            anonymous_request_timeout=anonymous_request_timeout,
        )
        self.limits.check()
        self.max_query_rows = max_query_rows
        self.database_hostname = database_hostname
        self._mongodb_uri = mongodb_uri
        self._want_key = (api_key_id, api_key)
        self.clock = clock or PipelineClock()
        self.hot_store_hours = hot_store_hours
        self._time = ServerClock(self.clock, hot_store_hours)
        self._admin: Optional[FleetAdmin] = None
        self.pipeline_runner: Optional[PipelineRunner] = None
        self.scheduler: Optional[Scheduler] = None
        check_query_settings(query_workers, query_memory_bytes, query_timeout)
        self._query_settings = (query_workers, query_memory_bytes, query_timeout)
        self.queries: Optional[QueryPool] = None
        self._pipeline_limits = PipelineLimits(mql_timeout=pipeline_mql_timeout, run_timeout=pipeline_run_timeout,
                                               concurrency=pipeline_concurrency)
        self._pipeline_limits.check()
        if max_pipelines_per_organization < 1:
            raise ValueError("max_pipelines_per_organization must be >= 1")
        self.max_pipelines_per_organization = max_pipelines_per_organization
        self.requested_http_port = http_port
        self.http_port = 0
        self.signer: Optional[UrlSigner] = None
        self._http: Optional[HttpListener] = None
        self._grpc_web: Optional[GrpcWebProxy] = None
        self.port: int = 0
        self.store: Optional[Store] = None
        self.authority: Optional[TokenAuthority] = None
        self._server: Optional[ServingCore] = None
        self._tmpdir: Optional[str] = None
        self._lock = threading.Lock()
        self.fleet: Optional[FleetIds] = None
        self._api_key_id = ""
        self._api_key = ""

    # ------------------------------------------------------------ lifecycle
    def start(self) -> "LocalDataServer":
        """Open the store and start serving. Returns ``self``.

        Example::

            server = LocalDataServer("data.db").start()
            ...
            server.stop()
        """
        with self._lock:
            if self._server is not None:
                return self
            if self.path is None:
                self._tmpdir = tempfile.mkdtemp(prefix="viam-data-sync-")
                db_path = os.path.join(self._tmpdir, "data.db")
            else:
                db_path = self.path
                parent = os.path.dirname(os.path.abspath(db_path))
                if not os.path.isdir(parent):
                    os.makedirs(parent, mode=0o700)  # a folder we make is the owner's only
            try:
                self._open(db_path)
            except BaseException:
                self._cleanup()
                raise
            LOG.info(
                "local Data API server listening on %s (auth %s, store %s)",
                self.address,
                "on" if self.auth_enabled else "off",
                self.path or "temporary",
            )
            return self

    def _open(self, db_path: str) -> None:
        """Open the store, build every part from what it uses, and start serving."""
        store = self.store = Store(db_path, db_path + ".blobs")
        workers, memory, seconds = self._query_settings
        queries = self.queries = QueryPool(db_path, workers=workers, memory_bytes=memory, timeout=seconds)
        runner = self.pipeline_runner = PipelineRunner(store, self.clock, queries, self._pipeline_limits,
                                                       self._time.hot_store_since_ns)
        authority = self.authority = TokenAuthority(store, enabled=self.auth_enabled, token_ttl=self.token_ttl)
        defaults = ensure_defaults(store, *self._want_key)
        self.fleet, self._api_key_id, self._api_key = defaults.fleet, defaults.api_key_id, defaults.api_key
        self._admin = FleetAdmin(store, authority, defaults)
        listener = self._http = HttpListener(self.host, self.requested_http_port,
                                             idle_timeout=self.limits.request_idle_timeout)
        self.http_port = listener.port
        signer = self.signer = UrlSigner(authority.signing_key, url_base(self.host, self.http_port)[0])
        scheduler = self.scheduler = Scheduler(self.clock, runner.run_due, runner.next_due)
        config = ServiceConfig(
            max_page_size=self.max_page_size, max_message_bytes=self.max_message_bytes,
            max_upload_bytes=self.max_upload_bytes, max_query_rows=self.max_query_rows,
            database_hostname=self.database_hostname, mongodb_uri=self._mongodb_uri,
            max_pipelines_per_organization=self.max_pipelines_per_organization,
        )
        collector = HandlerCollector()
        # The generated *_pb2_grpc modules carry no annotations (grpcio-tools emits none).
        data_pb2_grpc.add_DataServiceServicer_to_server(  # type: ignore[no-untyped-call]
            DataServicer(store, authority, queries, signer, config, self._time), collector
        )
        dataset_pb2_grpc.add_DatasetServiceServicer_to_server(  # type: ignore[no-untyped-call]
            DatasetServicer(store, authority), collector
        )
        data_sync_pb2_grpc.add_DataSyncServiceServicer_to_server(  # type: ignore[no-untyped-call]
            DataSyncServicer(store, authority, config), collector
        )
        auth_pb2_grpc.add_AuthServiceServicer_to_server(  # type: ignore[no-untyped-call]
            AuthServicer(authority), collector
        )
        data_pipelines_pb2_grpc.add_DataPipelinesServiceServicer_to_server(  # type: ignore[no-untyped-call]
            PipelinesServicer(store, authority, runner, config, scheduler.poke), collector
        )
        options = [
            ("grpc.max_receive_message_length", self.max_message_bytes),
            ("grpc.max_send_message_length", self.max_message_bytes),
            ("grpc.so_reuseport", 0),
            *KEEPALIVE_OPTIONS,
        ]
        core = self._server = ServingCore(collector.handlers, self.interceptors, authority, self.limits, options)
        self.port = core.start(f"{self.host}:{self.requested_port}")

        def blob_path(file_id: str) -> Optional[str]:
            return store.blob_path(file_id) if binary.file_exists(store.conn(), file_id) else None

        listener.routes[BLOB_PREFIX] = blob_route(signer, blob_path)
        self._grpc_web = GrpcWebProxy(f"{url_base(self.host, self.port)[1]}:{self.port}", core.handlers,
                                      self.max_message_bytes, authorized=authority.accepts,
                                      any_origin=authority.enabled)
        for prefix in self._grpc_web.prefixes():
            listener.routes[prefix] = self._grpc_web.route
        listener.start()
        scheduler.start()

    def stop(self, grace: Optional[float] = 1.0) -> None:
        """Stop serving (in-flight calls get ``grace`` seconds) and close the store.

        A query still running after the grace period is stopped (its worker process is
        killed; the call ends UNAVAILABLE), so a stop never waits for a long query. A
        temporary store (``path=None``) is deleted.
        """
        with self._lock:
            server, self._server = self._server, None
            if server is not None:
                server.stop(grace, before_join=self._close_queries)
            self._cleanup()

    def _close_queries(self) -> None:
        if self.queries is not None:
            self.queries.close()

    def _cleanup(self) -> None:
        if self._server is not None:  # a start that failed after the gRPC server began
            self._server.stop(0)
            self._server = None
        self._admin = None
        self._close_queries()  # first: a pipeline run the scheduler waits on ends now
        if self.scheduler is not None:
            self.scheduler.stop()
            self.scheduler = None
        if self._http is not None:
            self._http.stop()
            self._http = None
        if self._grpc_web is not None:
            self._grpc_web.close()
            self._grpc_web = None
        self.queries = None
        if self.store is not None:
            self.store.close()
            self.store = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until the server stops (or ``timeout``); True if it stopped."""
        server = self._server
        return True if server is None else server.wait(timeout)

    def __enter__(self) -> "LocalDataServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ------------------------------------------------------------ attributes
    # Known once the server has started (its ports, key and ids); before that each
    # raises rather than answer "127.0.0.1:0" or an empty key.
    @property
    def address(self) -> str:
        """``"host:port"`` to dial (e.g. ``grpc.insecure_channel(server.address)``)."""
        return f"{self.host}:{self._started(self.port)}"

    @property
    def http_address(self) -> str:
        """``"host:port"`` of the HTTP listener serving signed blob URLs."""
        return f"{url_base(self.host, self.http_port)[1]}:{self._started(self.http_port)}"

    @property
    def api_key_id(self) -> str:
        """The default API key's id (``serve`` prints it; ``DataClient.from_api_key``'s second argument)."""
        return self._started(self._api_key_id)

    @property
    def api_key(self) -> str:
        """The default API key's secret."""
        return self._started(self._api_key)

    @property
    def grpc_web_url(self) -> str:
        """The base URL a browser app or the TypeScript SDK's default transport dials
        (gRPC-web with CORS, served on the HTTP listener).

        Example::

            server.grpc_web_url    # 'http://127.0.0.1:41237'
        """
        return url_base(self.host, self._started(self.http_port))[0]

    def _started(self, value: Optional[_T]) -> _T:
        if not value:
            raise RuntimeError(NOT_STARTED)
        return value

    def _fleet(self) -> FleetIds:
        return self._started(self.fleet)

    @property
    def organization_id(self) -> str:
        return self._fleet().organization_id

    @property
    def organization_name(self) -> str:
        return self._fleet().organization_name

    @property
    def location_id(self) -> str:
        return self._fleet().location_id

    @property
    def location_name(self) -> str:
        return self._fleet().location_name

    @property
    def robot_id(self) -> str:
        return self._fleet().robot_id

    @property
    def robot_name(self) -> str:
        return self._fleet().robot_name

    @property
    def part_id(self) -> str:
        return self._fleet().part_id

    @property
    def part_name(self) -> str:
        return self._fleet().part_name

    def mongodb_uri_for(self, organization_id: str, has_user: bool) -> str:
        """What ``GetDatabaseConnection`` reports as ``mongodb_uri`` for an organization."""
        return ServiceConfig(self.max_page_size, self.max_message_bytes, self.max_upload_bytes, self.max_query_rows,
                             self.database_hostname, self._mongodb_uri).mongodb_uri_for(organization_id, has_user)

    def clock_ns(self) -> int:
        """The time by ``clock``, in ns since the epoch."""
        return self._time.now_ns()

    def hot_store_since_ns(self) -> int:
        """The oldest ``time_received`` (ns) the hot store still holds, by ``clock``."""
        return self._time.hot_store_since_ns()

    def run_due_pipelines(self) -> int:
        """Run every data pipeline window due by ``clock``, in this thread; returns
        how many this call ran. The scheduler thread does the same on its own (and may
        get there first); when this returns, every due window has run, which makes a
        test's "advance the clock, then look" deterministic.

        Example::

            clock.advance(hours=1)
            server.run_due_pipelines()
        """
        if self.scheduler is None:
            raise RuntimeError(NOT_STARTED)
        return self.scheduler.run_due()

    # ------------------------------------------------------------ administration
    @property
    def admin(self) -> FleetAdmin:
        """The fleet, key and token administration of the running server (see
        :class:`~viam_data_sync.server.FleetAdmin`); the helpers below delegate to it.

        Example::

            other = server.admin.create_organization("other-org")
        """
        if self._admin is None:
            raise RuntimeError(NOT_STARTED)
        return self._admin

    def create_organization(
        self,
        name: str,
        *,
        location_name: str = "local-location",
        robot_name: str = "local-robot",
        part_name: str = "local-robot-main",
    ) -> FleetIds:
        """Create an organization with one location, robot and part (:meth:`FleetAdmin.create_organization`).

        Example::

            other = server.create_organization("other-org")
            key_id, key = server.create_api_key(other.organization_id)
        """
        return self.admin.create_organization(name, location_name=location_name, robot_name=robot_name,
                                              part_name=part_name)

    def create_api_key(self, organization_id: Union[str, Sequence[str]]) -> Tuple[str, str]:
        """A new API key (id, secret) scoped to one or more organizations.

        Example::

            key_id, key = server.create_api_key(server.organization_id)
        """
        return self.admin.create_api_key(organization_id)

    def add_part(self, robot_id: Optional[str] = None, part_name: str = "extra-part") -> str:
        """Add a part to a robot (default: the default robot); returns its id.

        Example::

            part_id = server.add_part(part_name="arm")
        """
        return self.admin.add_part(robot_id, part_name)

    def add_robot(
        self,
        location_id: Optional[str] = None,
        robot_name: str = "extra-robot",
        part_name: str = "extra-robot-main",
    ) -> Tuple[str, str]:
        """Add a robot with one part to a location; returns (robot_id, part_id).

        Example::

            robot_id, part_id = server.add_robot(robot_name="rover")
        """
        return self.admin.add_robot(location_id, robot_name, part_name)

    def token(self, api_key_id: Optional[str] = None, ttl: Optional[float] = None) -> str:
        """An access token for ``api_key_id`` (default key) without an Authenticate call.

        Example::

            metadata = [("authorization", "Bearer " + server.token())]
        """
        return self.admin.token(api_key_id, ttl)
