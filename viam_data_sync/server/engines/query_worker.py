"""A query worker process: runs the local server's SQL and MQL queries where a limit can
really be enforced.

Started by ``_query_pool.QueryPool`` as ``python -m viam_data_sync.server.engines.query_worker
<fd> <db path> <memory bytes> <seconds>``. It imports the engines, opens its own
read-only connection, then limits its address space (``RLIMIT_AS``), so a query that
grows without bound fails here with an out-of-memory error instead of growing the
server. It answers one job at a time over the connection ``fd``; the server kills it at
the query's deadline (a pure-Python MQL stage cannot be interrupted otherwise).

A job is ``(engine, organization_ids, payload, max_rows, max_bytes, options)`` (``options``
the MQL engine's keyword arguments: a pipeline sink's documents, the hot store's
window); the answer is
``("ok", [bson bytes, ...])`` or ``(kind, message)`` with kind ``invalid``, ``time``,
``memory``, ``too_large``, ``unavailable`` or ``internal``. After a memory error the
worker exits (its heap may be in any state); the pool starts a fresh one.

Nothing the worker's libraries log (their log records, Python warnings)
goes to the server's stderr: a handler sends each record to the server as
``("log", (logger name, level, message))`` before the answer, and the pool logs it there.
"""

from __future__ import annotations

import logging
import signal
import sys
from multiprocessing.connection import Connection
from typing import Any, List, Tuple

try:
    import resource
except ImportError:  # not POSIX: no address-space limit, the deadline still holds
    resource = None  # type: ignore[assignment]  # checked before use

Answer = Tuple[str, Any]


def answer(conn: Any, job: Tuple[Any, ...]) -> Answer:
    """Run one job on ``conn`` (a read-only SQLite connection) and say how it went."""
    engine, organization_ids, payload, max_rows, max_bytes, options = job
    try:
        import bson

        from viam_data_sync.server._query_errors import QueryError, QueryLimitHit

        if engine == "SQL":
            from viam_data_sync.server.engines.sql import run_sql

            docs = run_sql(conn, organization_ids, payload, max_rows=max_rows)
        else:
            from viam_data_sync.server.engines.mql import run_mql

            docs = run_mql(conn, organization_ids, payload, max_docs=max_rows, **options)
        return "ok", _encode(bson, engine, docs, max_bytes)
    except ImportError:
        return "unavailable", f"the {engine} engine is not available"
    except MemoryError:
        return "memory", _memory_message(engine)
    except RecursionError:
        return "invalid", f"the {engine} query is nested too deeply"
    except QueryLimitHit as exc:
        return exc.kind, str(exc)
    except QueryError as exc:
        return "invalid", str(exc) or f"{engine} query not understood"
    except _Invalid as exc:
        return "invalid", str(exc)
    except _TooLarge as exc:
        return "too_large", str(exc)
    except Exception as exc:  # noqa: BLE001 - reported by type only (messages may quote the query)
        return "internal", type(exc).__name__


class _Invalid(Exception):
    pass


class _TooLarge(Exception):
    pass


def _memory_message(engine: str) -> str:
    return (
        f"the {engine} query is too large for the server's memory limit of one query "
        "(query_memory_bytes); narrow it with a filter or a limit"
    )


def _encode(bson: Any, engine: str, docs: List[Any], max_bytes: int) -> List[bytes]:
    out: List[bytes] = []
    total = 0
    for position, doc in enumerate(docs):
        try:
            encoded = bson.encode(doc)
        except (bson.errors.InvalidDocument, OverflowError) as exc:
            # e.g. an integer the pipeline computed beyond int64, or a key with a NUL
            # stored before uploads refused those.
            raise _Invalid(f"{engine} result {position} cannot be encoded as BSON: {exc}") from None
        total += len(encoded) + 8
        if total > max_bytes:
            raise _TooLarge(f"{engine} result too large: it exceeds {max_bytes} bytes; add a limit")
        out.append(encoded)
    return out


class _Forward(logging.Handler):
    """Sends each log record to the server over the worker's channel."""

    def __init__(self, channel: Connection) -> None:
        super().__init__(logging.DEBUG)
        self.channel = channel

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.channel.send(("log", (record.name, record.levelno, record.getMessage())))
        except Exception:  # noqa: BLE001 - logging must never fail the query
            pass


def forward_logging(channel: Connection) -> None:
    """Route every log record (and Python warnings) of this process to the server."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(_Forward(channel))
    root.setLevel(logging.WARNING)
    logging.captureWarnings(True)


def main(argv: List[str]) -> int:
    # Ctrl-C in a terminal signals the whole process group; the server that started
    # this worker stops it, so the worker ignores the key rather than print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # argv[4], the query time limit, is the pool's: it kills a worker at the deadline.
    fd, db_path, memory = int(argv[1]), argv[2], int(argv[3])
    channel = Connection(fd)
    forward_logging(channel)
    from viam_data_sync.server.engines import mql, sql  # noqa: F401 - imported before the limit
    from viam_data_sync.server.store import connect

    conn = connect(db_path, read_only=True)
    if memory and resource is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    channel.send(("ready", None))
    while True:
        try:
            job = channel.recv()
        except (EOFError, OSError):
            return 0
        kind, value = answer(conn, job)
        channel.send((kind, value))
        if kind == "memory":
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
