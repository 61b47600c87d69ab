"""Time as the client sees it: one object that can be passed in (a test seam, as
httpx takes a ``transport=``), instead of tests patching private attributes."""
from __future__ import annotations

import time


class Clock:
    """Wall time (token expiry), monotonic time (deadlines) and sleeping (backoff).

    Subclass it to control time in your tests::

        class NoWait(Clock):
            def __init__(self) -> None:
                self.waits: list[float] = []

            def sleep(self, seconds: float) -> None:
                self.waits.append(seconds)

        client = DataClient.from_api_key(key, key_id, address, insecure=True, clock=NoWait())
    """

    def time(self) -> float:
        """Seconds since the epoch (compared with a token's ``exp`` claim)."""
        return time.time()

    def monotonic(self) -> float:
        """A clock that never goes back (deadlines)."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Wait between attempts."""
        time.sleep(seconds)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


#: The real clock, shared by every client that is not given one.
SYSTEM_CLOCK = Clock()

__all__ = ["Clock", "SYSTEM_CLOCK"]
