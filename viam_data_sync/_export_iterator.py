"""``iter_export_tabular``'s iterator: one ``ExportTabularData`` server stream, resumed
from the capture time of the last row received when it breaks.

A stream, not pages: the chapter hands it one
:class:`~viam_data_sync._pages.StreamSource` (one call of the call layer per stream
opened), and it runs on the consuming thread only.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Iterator, Optional

from viam_data_sync._models import TabularDataPoint
from viam_data_sync._pages import StreamSource
from viam_data_sync._pagination import decode_cursor, encode_cursor
from viam_data_sync._row_iterator import _RowIterator, context_hash

LOGGER = logging.getLogger("viam_data_sync")


class ExportIterator(_RowIterator[TabularDataPoint]):
    """What :meth:`DataClient.iter_export_tabular` returns: the ``ExportTabularData``
    stream's rows as ``TabularDataPoint`` as they arrive, exactly once.

    The stream is ordered by capture time. When it breaks with a transient error, it is
    reopened from the capture time of the last row received (inclusive) and the rows
    already yielded at exactly that time are skipped, so nothing is lost or repeated.
    ``.cursor`` records the same position for a new iterator (``start_after=``).

    The iteration protocol is that of every iterator here: after a ``break`` the stream
    stays open (the next ``for`` continues); ``close()``, ``with`` or garbage
    collection cancels it; after ``close()`` (or an error) ``next()`` raises
    ``ValueError``.

    Example::

        with client.iter_export_tabular(part_id, "sensor-1", "rdk:component:sensor",
                                        "Readings") as it:
            first = next(it)
            saved = it.cursor       # later: iter_export_tabular(..., start_after=saved)
    """

    kind = "export"

    def __init__(
        self,
        source: StreamSource,
        *,
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
    ) -> None:
        super().__init__()
        self._source = source
        self._max_attempts = max(1, source.max_attempts)
        self.max_results = max_results
        self._context = context_hash(self.kind, source.identity)
        self._last_ns: Optional[int] = None
        self._same = 0  # rows yielded with capture time == _last_ns
        self.done = False
        if start_after is not None:
            state = decode_cursor(start_after, self.kind, self._context, "export")
            self._last_ns, self._same, self.done = state.get("t"), int(state.get("n", 0)), bool(state.get("e"))
        self.yielded = 0
        self.reconnects = 0
        self._stream: Optional[Iterator[Any]] = None
        self._skip_same = 0  # rows at _last_ns the open stream repeats (yielded before it)
        self._failures = 0  # consecutive broken streams without a new row

    @property
    def cursor(self) -> str:
        """Resume token for the rows not yet yielded (pass as ``start_after=``)."""
        state: Dict[str, Any] = {"k": self.kind, "c": self._context, "t": self._last_ns, "n": self._same}
        if self.done:
            state["e"] = 1
        return encode_cursor(state)

    def _next_row(self) -> TabularDataPoint:
        while not self.done:
            if self.max_results is not None and self.yielded >= self.max_results:
                self._release()
                break
            if self._stream is None:
                self._skip_same = self._same if self._last_ns is not None else 0
                self._stream = self._source.open(self._last_ns)
            try:
                message = next(self._stream)
            except StopIteration:
                self.done = True
                self._release()
                break
            except Exception as exc:
                self._release()
                self._failures += 1
                if not self._source.resumable(exc) or self._failures >= self._max_attempts:
                    raise
                self.reconnects += 1
                LOGGER.warning("export stream broke (%s); resuming after %s rows", exc, self.yielded)
                self._source.pause(self._failures)
                continue
            t = self._source.time_of(message)
            if self._skip_same and t == self._last_ns:
                self._skip_same -= 1
                continue
            self._skip_same = 0
            value: TabularDataPoint = self._source.convert(message)
            if t == self._last_ns:
                self._same += 1
            else:
                self._last_ns, self._same = t, 1
            self._failures = 0
            self.yielded += 1
            return value
        raise StopIteration

    def _release(self) -> None:
        """Cancel the open stream, if any."""
        stream, self._stream = self._stream, None
        close = getattr(stream, "close", None)
        if close is not None:
            close()
