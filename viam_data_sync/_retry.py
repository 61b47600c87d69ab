"""When a call may be repeated, and how: the retry policy and the idempotency table.

A call is retried only when both hold:

* the failure is transient (``UNAVAILABLE``, ``RESOURCE_EXHAUSTED``, ``ABORTED``; and
  ``DEADLINE_EXCEEDED`` for reads only), and
* repeating the call cannot change the outcome: its method is a read or an
  idempotent write (its row in :mod:`viam_data_sync._rpcs`). Creates and uploads are
  never replayed.

Waits grow exponentially with full jitter, capped, and never run past the call's
overall deadline; a server ``retry-after`` trailer is honoured. A client-wide
:class:`RetryBudget` stops an outage from turning into a retry storm, and a
:class:`PageBudget` caps what one page of a paged read may cost, whoever repeats it.
"""
from __future__ import annotations

import dataclasses
import enum
import random
import threading
from typing import Optional

import grpc

from viam_data_sync._defaults import DEFAULT_DEADLINE, DEFAULT_MAX_ATTEMPTS, DEFAULT_PAGE_RPCS
from viam_data_sync._errors import is_size_limit, is_tls_mismatch


class Idempotency(enum.Enum):
    """What repeating a call does."""

    READ = "read"
    """No state changes: always safe to repeat, including after a deadline."""
    IDEMPOTENT = "idempotent"
    """Repeating leaves the same state (tags by id, deletes by id, renames)."""
    UNSAFE = "unsafe"
    """Repeating may create twice (creates, uploads): never replayed blindly."""


TRANSIENT = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.ABORTED}
)


def should_retry(code: grpc.StatusCode, idempotency: Idempotency, details: str = "") -> bool:
    """The retry predicate: transient failure *and* a call safe to repeat. A TLS
    handshake with a plaintext server fails the same way every time."""
    if idempotency is Idempotency.UNSAFE or is_size_limit(code, details) or is_tls_mismatch(details):
        return False
    if code in TRANSIENT:
        return True
    return code == grpc.StatusCode.DEADLINE_EXCEEDED and idempotency is Idempotency.READ


class RetryBudget:
    """A client-wide token bucket that caps retries during an outage.

    Each retry spends one token; each successful call refunds ``refill`` tokens, up to
    ``capacity``. With the bucket empty, failures are raised at once instead of
    retried. Thread-safe.
    """

    def __init__(self, capacity: float = 50.0, refill: float = 0.1) -> None:
        if capacity < 0 or refill < 0:
            raise ValueError("capacity and refill must be >= 0")
        self.capacity = capacity
        self.refill = refill
        self._tokens = capacity
        self._lock = threading.Lock()

    @property
    def tokens(self) -> float:
        return self._tokens

    def try_spend(self) -> bool:
        with self._lock:
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._tokens = min(self.capacity, self._tokens + self.refill)


class PageBudget:
    """The RPCs one page may still cost: every RPC sent for the page draws one.

    The call layer draws for each RPC it sends (``Authenticate`` included) and stops
    its attempts when the budget is spent; the page workers fetch a page answered
    RESOURCE_EXHAUSTED again only while some is left. So a page costs at most
    ``max_rpcs`` RPCs in all, however its failures are split between the call's
    attempts and the back-off of the fetches at once. Thread-safe.

    Example::

        budget = PageBudget(10)
        while budget.spend():
            ...  # send one RPC
    """

    def __init__(self, max_rpcs: int = DEFAULT_PAGE_RPCS) -> None:
        if not isinstance(max_rpcs, int) or isinstance(max_rpcs, bool) or max_rpcs < 1:
            raise ValueError("max_rpcs must be an int >= 1")
        self.max_rpcs = max_rpcs
        self._spent = 0
        self._lock = threading.Lock()

    @property
    def spent(self) -> int:
        """RPCs sent for the page so far."""
        return self._spent

    @property
    def left(self) -> int:
        """RPCs the page may still cost."""
        return self.max_rpcs - self._spent

    def spend(self) -> bool:
        """Draw one RPC; ``False`` (nothing drawn) when the budget is spent."""
        with self._lock:
            if self._spent >= self.max_rpcs:
                return False
            self._spent += 1
            return True


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How transient failures are retried. Immutable; derive variants with ``replace``.

    Args:
        max_attempts: attempts in all, the first included (1 turns retries off).
        initial_backoff: the first wait, in seconds, before jitter.
        max_backoff: the cap on any single wait.
        multiplier: growth of the wait per attempt.
        deadline: seconds from the first attempt after which no attempt starts;
            each attempt's timeout is also cut to what remains.

    Example::

        from viam_data_sync import DataClient, RetryPolicy
        client = DataClient.from_api_key(key, key_id, retry=RetryPolicy(max_attempts=8))
        no_retries = RetryPolicy.disabled()
    """

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    initial_backoff: float = 0.2
    max_backoff: float = 10.0
    multiplier: float = 2.0
    deadline: float = DEFAULT_DEADLINE

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if self.initial_backoff < 0 or self.max_backoff < 0 or self.multiplier < 1 or self.deadline <= 0:
            raise ValueError("backoffs must be >= 0, multiplier >= 1, deadline > 0")

    @classmethod
    def disabled(cls) -> "RetryPolicy":
        """A policy that never retries."""
        return cls(max_attempts=1)

    def replace(self, **changes: float) -> "RetryPolicy":
        """A copy with some fields changed."""
        # The fields are all numbers; mypy cannot match **changes to each field's own type.
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def backoff(self, retry_number: int, rng: Optional[random.Random] = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based): full jitter."""
        cap = min(self.max_backoff, self.initial_backoff * self.multiplier ** (retry_number - 1))
        return (rng or random).uniform(0, cap)
