"""A pool of warm query worker processes (``engines/query_worker.py``): every SQL and MQL query
of the local server runs in one, bounded in time and memory, so the server process stays
small whatever the query.

* Memory: each worker limits its own address space to ``memory_bytes``; a query that
  needs more fails there, and the call answers RESOURCE_EXHAUSTED naming
  ``query_memory_bytes``. A worker that dies mid-query counts the same.
* Time: a query gets ``timeout`` seconds (or the call's deadline, if sooner); then its
  worker is killed and the call answers DEADLINE_EXCEEDED naming ``query_timeout``.
* Results are BSON-encoded in the worker and capped at the message size.
* Fairness: ``workers`` queries run at once, and one organization's queries take at most
  half of them (at least one), so one tenant's expensive queries leave room for the
  others. On top of those, ``workers`` more are kept for organizations with nothing
  running: such an organization's query starts at once while fewer than twice
  ``workers`` queries run in all, so other organizations' slow queries filling the pool
  do not make it wait. Any other query waits for a worker within its time budget.
* A worker that dies mid-query (a crash, not a query over its memory limit, which the
  worker reports itself) answers UNAVAILABLE, which clients retry.

Workers are started on demand and kept warm: a query costs a round trip over a pipe,
not a process start.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any, Dict, List, Optional, Sequence, Set


from viam_data_sync.server._query_errors import QueryFailed
from viam_data_sync.server._rpc import LOG

#: Defaults of ``LocalDataServer(query_workers=, query_memory_bytes=, query_timeout=)``.
DEFAULT_QUERY_WORKERS = 2
DEFAULT_QUERY_MEMORY_BYTES = 512 * 1024 * 1024
DEFAULT_QUERY_TIMEOUT = 30.0
_START_TIMEOUT = 60.0
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def check_settings(workers: int, memory_bytes: int, timeout: float) -> None:
    """ValueError for a pool setting out of range (named as ``LocalDataServer`` names it)."""
    if workers < 1:
        raise ValueError("query_workers must be >= 1")
    if memory_bytes and memory_bytes < 64 * 1024 * 1024:
        raise ValueError("query_memory_bytes must be at least 64 MiB (or 0: no limit)")
    if not timeout > 0:
        raise ValueError("query_timeout must be > 0")


class _Worker:
    def __init__(self, db_path: str, memory_bytes: int, timeout: float) -> None:
        parent, child = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "viam_data_sync.server.engines.query_worker", str(child.fileno()), db_path,
                 str(memory_bytes), repr(timeout)],
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
                env=env,
            )
        finally:
            child.close()
        self.channel = Connection(parent.detach())
        if not self.channel.poll(_START_TIMEOUT):
            self.kill()
            raise RuntimeError("a query worker did not start")
        self.channel.recv()  # ("ready", None)

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        try:
            self.channel.close()
        except OSError:
            pass


class QueryPool:
    """Runs queries in warm worker processes; see the module docstring.

    Args:
        db_path: the store's SQLite file (workers open it read-only).
        workers: most queries running at once.
        memory_bytes: each worker's address-space limit (0: none).
        timeout: seconds one query may run.
    """

    def __init__(
        self,
        db_path: str,
        *,
        workers: int = DEFAULT_QUERY_WORKERS,
        memory_bytes: int = DEFAULT_QUERY_MEMORY_BYTES,
        timeout: float = DEFAULT_QUERY_TIMEOUT,
    ) -> None:
        check_settings(workers, memory_bytes, timeout)
        self.db_path = db_path
        self.workers = workers
        self.memory_bytes = memory_bytes
        self.timeout = float(timeout)
        self.per_tenant = max(1, workers // 2)
        #: Queries that may run at once in all: ``workers``, and as many again kept for
        #: organizations with nothing running.
        self.most = 2 * workers
        self._idle: List[_Worker] = []
        self._running = 0
        self._tenants: Counter[str] = Counter()
        self._cond = threading.Condition()
        self._closed = False
        self._busy: Set[_Worker] = set()

    # ------------------------------------------------------------ public
    def run(
        self,
        engine: str,
        tenant: str,
        organization_ids: Sequence[str],
        payload: Any,
        *,
        max_rows: int,
        max_bytes: int,
        time_remaining: Optional[float] = None,
        options: Optional[Dict[str, Any]] = None,
        timeout: Optional[float] = None,
    ) -> List[bytes]:
        """One query's BSON documents; :class:`QueryFailed` (its ``kind`` and a message for
        the client) when it fails, is refused, or is stopped by a limit or by
        :meth:`close`. ``options`` go to the MQL engine (see ``run_mql``); ``timeout``
        replaces the pool's (a data pipeline's MQL has a limit of its own). Waiting for a
        worker and running share the one budget."""
        limit = self.timeout if timeout is None else timeout
        budget = limit if time_remaining is None else min(limit, time_remaining)
        deadline = time.monotonic() + budget
        self._enter(tenant, deadline)
        worker: Optional[_Worker] = None
        taken: Optional[_Worker] = None
        try:
            with self._cond:
                worker = self._idle.pop() if self._idle else None
            if worker is None:
                worker = self._start_worker()
            taken = worker
            with self._cond:
                self._busy.add(taken)
            kind, value = self._ask(worker, engine, (engine, list(organization_ids), payload, max_rows, max_bytes, dict(options or {})),
                                    deadline)
            if kind in ("ok", "invalid", "too_large", "unavailable", "time", "internal"):
                self._give_back(worker)
                worker = None
            return self._result(engine, kind, value)
        finally:
            if worker is not None:
                worker.kill()
            self._leave(tenant, taken)

    def close(self) -> None:
        """Stop every worker, a busy one too (its query ends as ``stopping``), so the
        server stops without waiting for a running query."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = list(self._busy)
            self._cond.notify_all()
        for worker in idle + busy:
            worker.kill()

    # ------------------------------------------------------------ pieces
    def _enter(self, tenant: str, deadline: float) -> None:
        with self._cond:
            while not self._may_start(tenant):
                remaining = deadline - time.monotonic()
                if self._closed:
                    raise QueryFailed("stopping", "the server is stopping")
                if remaining <= 0:
                    raise QueryFailed(
                        "busy",
                        f"every query worker this organization may use stayed busy (query_workers={self.workers}); "
                        "retry later",
                    )
                self._cond.wait(remaining)
            self._running += 1
            self._tenants[tenant] += 1

    def _may_start(self, tenant: str) -> bool:
        running = self._tenants[tenant]
        if running == 0:  # nothing of its own running: the kept room is its too
            return self._running < self.most
        return self._running < self.workers and running < self.per_tenant

    def _leave(self, tenant: str, worker: Optional[_Worker]) -> None:
        with self._cond:
            if worker is not None:
                self._busy.discard(worker)
            self._running -= 1
            self._tenants[tenant] -= 1
            if not self._tenants[tenant]:
                del self._tenants[tenant]
            self._cond.notify_all()

    def _start_worker(self) -> _Worker:
        try:
            return _Worker(self.db_path, self.memory_bytes, self.timeout)
        except (RuntimeError, EOFError, OSError) as exc:
            LOG.error("a query worker did not start: %s", type(exc).__name__)
            raise QueryFailed("crashed", "a query worker did not start; retry the query") from None

    def _give_back(self, worker: _Worker) -> None:
        with self._cond:
            if self._closed:
                worker.kill()
            else:
                self._idle.append(worker)

    def _ask(self, worker: _Worker, engine: str, job: Any, deadline: float) -> Any:
        try:
            worker.channel.send(job)
            # The engine stops a long SQL query itself at the timeout; a second more before
            # the kill lets it answer so.
            while True:
                if not worker.channel.poll(max(0.0, deadline - time.monotonic()) + 1.0):
                    return "killed", None
                message = worker.channel.recv()
                if message[0] != "log":
                    return message
                name, level, text = message[1]
                # At DEBUG whatever its level: a library's line may quote the query.
                logging.getLogger(str(name)).debug("query worker (level %s): %s",
                                                   logging.getLevelName(level), text)
        except (EOFError, OSError):
            return self._death(worker), None

    def _death(self, worker: _Worker) -> str:
        """Why a worker ended mid-query: ``memory`` when its memory limit is the likely
        cause (CPython aborts when it cannot recover from a failed allocation), else
        ``died`` (a crash, or killed from outside)."""
        try:
            code = worker.proc.wait(5)
        except subprocess.TimeoutExpired:
            return "died"
        if self.memory_bytes and code in (-signal.SIGABRT, 1, 120):
            return "memory"
        return "died"

    def _result(self, engine: str, kind: str, value: Any) -> List[bytes]:
        if kind == "ok":
            docs: List[bytes] = value
            return docs
        if self._closed and kind in ("killed", "died"):
            raise QueryFailed("stopping", "the server is stopping")
        if kind in ("invalid", "unavailable"):
            raise QueryFailed(kind, value)
        if kind in ("time", "killed"):
            raise QueryFailed(
                "time",
                value
                or f"the {engine} query ran out of time: the server allows one query {self.timeout:g} s "
                "(query_timeout), or the call's deadline came first; narrow it with a filter or a limit",
            )
        if kind == "died":
            raise QueryFailed(
                "crashed",
                f"the worker running this {engine} query stopped unexpectedly (it was not a memory limit); "
                "retry the query",
            )
        if kind == "memory":
            limit = f"{self.memory_bytes // (1024 * 1024)} MiB" if self.memory_bytes else "the machine's memory"
            raise QueryFailed(
                "memory",
                # "too large": clients do not repeat what cannot pass the limit
                f"the {engine} query is too large for the server's memory limit of one query ({limit}, "
                "query_memory_bytes); narrow it with a filter or a limit",
            )
        if kind == "too_large":
            raise QueryFailed("too_large", value)
        LOG.error("a %s query failed unexpectedly in its worker: %s (message withheld)", engine, value)
        raise QueryFailed("internal", f"internal error in the {engine} engine; see the server log")
