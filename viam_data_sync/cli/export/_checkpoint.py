"""The checkpoint of a resumable ``export tabular``: ``FILE.checkpoint``.

After each page the export records the iterator's resume cursor, the byte offset of
``FILE.partial`` after that page and the rows so far, replacing the checkpoint
atomically (:mod:`viam_data_sync._atomic`). A checkpoint belongs to one export: a
hash of the format, the filter and the data source.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from typing import Any, Dict, Optional

from viam_data_sync._atomic import write_text_atomic
from viam_data_sync.cli._errors import EXIT_INVALID, CliError

LOG = logging.getLogger(__name__)


def query_key(fmt: str, filter_: Any, source: Optional[Dict[str, Any]] = None) -> str:
    """What identifies an export: its format, its filter and its data source."""
    extra = json.dumps(source, sort_keys=True, default=str) if source else ""
    digest = hashlib.sha256()
    digest.update(fmt.encode())
    digest.update(b"\x00")
    digest.update(filter_.SerializeToString(deterministic=True))
    digest.update(b"\x00" + extra.encode())
    return digest.hexdigest()


@dataclass
class Position:
    """Where a resumed export picks up: the partial file's offset, rows, cursor."""

    offset: int
    rows: int
    cursor: Optional[str]


class Checkpoint:
    """``path`` (``FILE.checkpoint``) for the export identified by ``key``."""

    def __init__(self, path: str, key: str) -> None:
        self.path = path
        self.key = key

    def resume_position(self, partial: str) -> Optional[Position]:
        """Where to resume ``partial``, or ``None`` to start over.

        Raises:
            CliError: the checkpoint belongs to an export with other arguments.
        """
        state = self._read()
        if state is None:
            return None
        if state.get("query") != self.key:
            raise CliError(
                f"{self.path} belongs to an export with other arguments; rerun that export, "
                "or pass --restart to discard it",
                EXIT_INVALID,
            )
        offset = int(state.get("offset", -1))
        if not os.path.isfile(partial) or os.path.getsize(partial) < offset or offset < 0:
            LOG.warning("%s does not match its checkpoint; starting the export over", partial)
            return None
        return Position(offset, int(state.get("rows", 0)), state.get("cursor") or None)

    def save(self, cursor: Optional[str], offset: int, rows: int) -> None:
        """Record a position; the partial file must already hold ``offset`` bytes, flushed."""
        state = {"version": 1, "query": self.key, "cursor": cursor, "offset": offset, "rows": rows}
        write_text_atomic(self.path, json.dumps(state))

    def remove(self) -> None:
        """Forget the checkpoint (the export is complete)."""
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path)

    def _read(self) -> Optional[Dict[str, Any]]:
        try:
            with open(self.path, encoding="utf-8") as handle:
                state = json.load(handle)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            LOG.warning("ignoring unreadable checkpoint %s (%s)", self.path, exc)
            return None
        return state if isinstance(state, dict) and state.get("version") == 1 else None
