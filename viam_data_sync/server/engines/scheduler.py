"""The local server's scheduler of data pipeline runs, and the clock it reads.

One daemon thread per server wakes when the next run is due by its clock (or when told
something changed) and calls ``run_due``, which executes every window that has come due.
The clock is a seam: :class:`ManualClock` stands still until a test advances it, and
every advance wakes the scheduler. :meth:`Scheduler.run_due` is also what
``LocalDataServer.run_due_pipelines()`` calls, so a test can advance the clock and then
run what came due in its own thread, deterministically; the two never overlap (one
lock), and a window runs once whichever gets to it.
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
from typing import Callable, List, Optional

from viam_data_sync.server._rpc import log_unexpected

LOG = logging.getLogger("viam_data_sync.server")

_UTC = _dt.timezone.utc
#: Longest the scheduler sleeps between looks at the clock (a system clock may jump).
MAX_SLEEP_SECONDS = 30.0


class PipelineClock:
    """Wall time for data pipelines: the real time, UTC. Subclass to control it.

    Example::

        from viam_data_sync.server import LocalDataServer, ManualClock

        clock = ManualClock(datetime(2025, 1, 1, tzinfo=timezone.utc))
        with LocalDataServer(clock=clock) as server:
            ...
            clock.advance(hours=1)
            server.run_due_pipelines()
    """

    def __init__(self) -> None:
        self._listeners: List[Callable[[], None]] = []

    def now(self) -> _dt.datetime:
        """The current time, timezone-aware UTC."""
        return _dt.datetime.now(_UTC)

    def manual(self) -> bool:
        """Whether time moves only when told (then the scheduler waits for a change)."""
        return False

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever the time is changed by hand."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()


class ManualClock(PipelineClock):
    """A clock that moves only when :meth:`advance` or :meth:`set` is called.

    Args:
        start: The initial time (aware; naive is taken as UTC). Default: now.
    """

    def __init__(self, start: Optional[_dt.datetime] = None) -> None:
        super().__init__()
        start = start or _dt.datetime.now(_UTC)
        self._now = start.replace(tzinfo=_UTC) if start.tzinfo is None else start.astimezone(_UTC)
        self._lock = threading.Lock()

    def now(self) -> _dt.datetime:
        with self._lock:
            return self._now

    def manual(self) -> bool:
        return True

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0, days: float = 0.0) -> _dt.datetime:
        """Move the clock forward; returns the new time. Going back is a ValueError."""
        step = _dt.timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days)
        if step < _dt.timedelta(0):
            raise ValueError("a ManualClock only moves forward")
        with self._lock:
            self._now += step
            now = self._now
        self._changed()
        return now

    def set(self, when: _dt.datetime) -> None:
        """Move the clock to ``when`` (not before the current time)."""
        when = when.replace(tzinfo=_UTC) if when.tzinfo is None else when.astimezone(_UTC)
        self.advance((when - self.now()).total_seconds())

    def __repr__(self) -> str:
        return f"ManualClock({self.now().isoformat()})"


class Scheduler:
    """Runs ``run_due`` when runs come due, on a daemon thread.

    Args:
        clock: The time.
        run_due: Executes every due window; returns how many ran.
        next_due: The earliest time a run is due, or None when none is scheduled.
    """

    def __init__(self, clock: PipelineClock, run_due: Callable[[], int],
                 next_due: Callable[[], Optional[_dt.datetime]]) -> None:
        self.clock = clock
        self._run_due = run_due
        self._next_due = next_due
        self._wake = threading.Condition()
        self._changed = False
        self._stopped = False
        self._run_lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        self.clock.subscribe(self.poke)
        self._thread = threading.Thread(target=self._loop, name="viam-data-pipelines", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.clock.unsubscribe(self.poke)
        with self._wake:
            self._stopped = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(10.0)
            self._thread = None

    def poke(self) -> None:
        """Something changed (a pipeline, the clock): look again."""
        with self._wake:
            self._changed = True
            self._wake.notify_all()

    def run_due(self) -> int:
        """Run every window due now, in this thread; returns how many ran."""
        with self._run_lock:
            return self._run_due()

    def _timeout(self) -> Optional[float]:
        due = self._next_due()
        if due is None:
            return None if self.clock.manual() else MAX_SLEEP_SECONDS
        if self.clock.manual():
            return 0.0 if due <= self.clock.now() else None
        return min(max((due - self.clock.now()).total_seconds(), 0.0), MAX_SLEEP_SECONDS)

    def _loop(self) -> None:
        while True:
            try:
                timeout = self._timeout()
                with self._wake:
                    if not self._stopped and not self._changed and timeout != 0.0:
                        self._wake.wait(timeout)
                    self._changed = False
                    if self._stopped:
                        return
                self.run_due()
            except Exception as exc:  # noqa: BLE001 - the scheduler keeps going
                log_unexpected(LOG, "the data pipeline scheduler", exc)
                with self._wake:
                    if self._stopped:
                        return
                    self._wake.wait(1.0)
