"""The errors viam-data-sync raises.

::

    ViamDataError                  root of everything we raise on purpose
    ├── ApiError                   the service answered with a gRPC status
    │   ├── InvalidArgument        INVALID_ARGUMENT, OUT_OF_RANGE
    │   ├── NotFound               NOT_FOUND
    │   ├── AlreadyExists          ALREADY_EXISTS
    │   ├── FailedPrecondition     FAILED_PRECONDITION
    │   ├── Unauthenticated        UNAUTHENTICATED
    │   ├── PermissionDenied       PERMISSION_DENIED
    │   ├── ResourceExhausted      RESOURCE_EXHAUSTED      (retryable)
    │   ├── Unavailable            UNAVAILABLE             (retryable)
    │   ├── DeadlineExceeded       DEADLINE_EXCEEDED       (retryable for reads)
    │   ├── Aborted                ABORTED                 (retryable)
    │   ├── Cancelled              CANCELLED
    │   ├── Unimplemented          UNIMPLEMENTED
    │   ├── Internal               INTERNAL, DATA_LOSS
    │   └── Unknown                UNKNOWN
    ├── UploadOutcomeUnknown       an upload failed after its bytes may have been committed
    └── ExportIncomplete           an export's answer did not match its metadata

    UserWarning
    └── UnboundedReadingsWarning   an SQL SELECT over readings with no time_received lower bound

Bad input found before anything is sent raises the built-in ``ValueError``,
``TypeError`` or ``FileNotFoundError`` instead.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import grpc

Metadata = Tuple[Tuple[str, Any], ...]

# Metadata keys whose values must never be shown (logs, reprs, messages).
SECRET_KEYS = frozenset({"authorization", "key", "key_id", "x-api-key", "cookie"})


def redact_metadata(metadata: Optional[Sequence[Tuple[str, Any]]]) -> Metadata:
    """Metadata safe to print: secret values replaced by ``<redacted>``."""
    return tuple((k, "<redacted>" if k.lower() in SECRET_KEYS else v) for k, v in (metadata or ()))


class ViamDataError(Exception):
    """Root of the errors viam-data-sync raises on purpose."""


class ApiError(ViamDataError):
    """The Data API answered with a non-OK gRPC status.

    Attributes:
        code: the ``grpc.StatusCode``.
        details: the status message the server sent.
        trailing_metadata: the call's trailing metadata (secrets redacted).
        method: the full gRPC method path, e.g. ``/viam.app.data.v1.DataService/TagsByFilter``.
        retryable: whether the failure is transient (the call may succeed if repeated).
    """

    codes: Tuple[grpc.StatusCode, ...] = ()
    retryable_code = False

    def __init__(
        self,
        code: grpc.StatusCode,
        details: str = "",
        *,
        method: str = "",
        trailing_metadata: Optional[Sequence[Tuple[str, Any]]] = None,
    ) -> None:
        self.code = code
        self.details = details or ""
        self.method = method
        self.trailing_metadata = redact_metadata(trailing_metadata)
        where = f" {method}" if method else ""
        super().__init__(f"{code.name}{where}: {self.details}" if self.details else f"{code.name}{where}")

    @property
    def retryable(self) -> bool:
        """True when the failure is transient; whether to *repeat* also depends on the call."""
        return self.retryable_code and not is_size_limit(self.code, self.details)

    @property
    def timeout(self) -> bool:
        """True when the call ran out of time."""
        return self.code == grpc.StatusCode.DEADLINE_EXCEEDED

    def retry_after(self) -> Optional[float]:
        """Seconds the server asked us to wait (``retry-after`` trailer), if any."""
        for key, value in self.trailing_metadata:
            if key.lower() == "retry-after":
                try:
                    return max(0.0, float(value))
                except (TypeError, ValueError):
                    return None
        return None


class InvalidArgument(ApiError):
    """The request was malformed (INVALID_ARGUMENT, OUT_OF_RANGE)."""

    codes = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE)


class NotFound(ApiError):
    """A named resource does not exist (NOT_FOUND)."""

    codes = (grpc.StatusCode.NOT_FOUND,)


class AlreadyExists(ApiError):
    """The resource already exists (ALREADY_EXISTS)."""

    codes = (grpc.StatusCode.ALREADY_EXISTS,)


class FailedPrecondition(ApiError):
    """The system is not in a state for this call (FAILED_PRECONDITION)."""

    codes = (grpc.StatusCode.FAILED_PRECONDITION,)


class Unauthenticated(ApiError):
    """Missing, invalid or expired credentials (UNAUTHENTICATED)."""

    codes = (grpc.StatusCode.UNAUTHENTICATED,)


class PermissionDenied(ApiError):
    """The credentials may not do this (PERMISSION_DENIED)."""

    codes = (grpc.StatusCode.PERMISSION_DENIED,)


class ResourceExhausted(ApiError):
    """A quota, rate or message-size limit was hit (RESOURCE_EXHAUSTED)."""

    codes = (grpc.StatusCode.RESOURCE_EXHAUSTED,)
    retryable_code = True


class Unavailable(ApiError):
    """The service could not be reached or is overloaded (UNAVAILABLE)."""

    codes = (grpc.StatusCode.UNAVAILABLE,)
    retryable_code = True


class DeadlineExceeded(ApiError):
    """The call ran out of time (DEADLINE_EXCEEDED)."""

    codes = (grpc.StatusCode.DEADLINE_EXCEEDED,)
    retryable_code = True


class Aborted(ApiError):
    """The call was aborted, typically by a concurrency conflict (ABORTED)."""

    codes = (grpc.StatusCode.ABORTED,)
    retryable_code = True


class Cancelled(ApiError):
    """The call was cancelled (CANCELLED)."""

    codes = (grpc.StatusCode.CANCELLED,)


class Unimplemented(ApiError):
    """The server does not implement this method (UNIMPLEMENTED)."""

    codes = (grpc.StatusCode.UNIMPLEMENTED,)


class Internal(ApiError):
    """The server failed (INTERNAL, DATA_LOSS)."""

    codes = (grpc.StatusCode.INTERNAL, grpc.StatusCode.DATA_LOSS)


class Unknown(ApiError):
    """An error with no better status (UNKNOWN)."""

    codes = (grpc.StatusCode.UNKNOWN,)


class UploadOutcomeUnknown(ViamDataError):
    """An upload failed at a point where the server may already have stored it.

    It is not replayed automatically, since that could store the data twice. Check
    for the data (e.g. by filter on its tags) before uploading again.
    """

    def __init__(self, message: str, cause: Optional[ApiError] = None) -> None:
        super().__init__(message)
        self.cause = cause


class ExportIncomplete(ViamDataError):
    """The service's answer did not match its metadata during an export (an item
    missing, or a size that differs); nothing partial was written under a final name.
    Run the export again (it resumes)."""


class UnboundedReadingsWarning(UserWarning):
    """``tabular_data_by_sql`` was given a ``SELECT`` over ``readings`` whose ``WHERE``
    clause does not bound ``time_received`` from below: the Viam cloud returns no rows
    for such queries (its known issue APP-10891). The local server does answer them.

    A Python warning, shown once per line of your code that sends such a query (Python's
    default filter). A ``time_received >=``, ``>``, ``=`` or ``BETWEEN`` anywhere in that
    ``SELECT``'s own ``WHERE`` counts as a bound; anything but a ``SELECT``, and SQL that
    does not parse, is left alone.

    Example::

        import warnings
        from viam_data_sync import UnboundedReadingsWarning

        warnings.filterwarnings("ignore", category=UnboundedReadingsWarning)   # silence it
        warnings.filterwarnings("error", category=UnboundedReadingsWarning)    # or make it fail
    """


_BY_CODE = {
    code: cls
    for cls in (
        InvalidArgument, NotFound, AlreadyExists, FailedPrecondition, Unauthenticated,
        PermissionDenied, ResourceExhausted, Unavailable, DeadlineExceeded, Aborted,
        Cancelled, Unimplemented, Internal, Unknown,
    )
    for code in cls.codes
}


def from_status(
    code: grpc.StatusCode,
    details: str = "",
    *,
    method: str = "",
    trailing_metadata: Optional[Sequence[Tuple[str, Any]]] = None,
) -> ApiError:
    """The most specific :class:`ApiError` for a status code."""
    cls = _BY_CODE.get(code, ApiError)
    return cls(code, details, method=method, trailing_metadata=trailing_metadata)


# RESOURCE_EXHAUSTED also reports a message over a size limit; repeating that can only
# fail again (users.md: the Viam CLI switches to another download path instead).
_SIZE_LIMIT_MARKERS = ("larger than max", "message too large", "too large", "exceeds the limit",
                       "max message size", "include_binary_too_large")


def is_size_limit(code: grpc.StatusCode, details: str) -> bool:
    """True for a RESOURCE_EXHAUSTED that means "message too large", not "slow down"."""
    text = (details or "").lower()
    return code == grpc.StatusCode.RESOURCE_EXHAUSTED and any(m in text for m in _SIZE_LIMIT_MARKERS)


#: What grpc reports when a TLS client meets a plaintext server (the first bytes of the
#: server's answer are no TLS record), and the hint the client puts in their place.
_TLS_MISMATCH = ("WRONG_VERSION_NUMBER", "Tls handshake failed", "TSI_PROTOCOL_FAILURE")
TLS_MISMATCH_HINT = "the server does not speak TLS"


def is_tls_mismatch(details: str) -> bool:
    """Whether an UNAVAILABLE's details say a TLS client met a plaintext server."""
    return any(marker in (details or "") for marker in (*_TLS_MISMATCH, TLS_MISMATCH_HINT))


def tls_mismatch_error(target: str, method: str = "") -> "Unavailable":
    """The one-line error for a TLS connection to a plaintext server (a local server
    started without TLS): what happened and the setting that fixes it."""
    return Unavailable(grpc.StatusCode.UNAVAILABLE,
                       f"cannot reach {target}: {TLS_MISMATCH_HINT}: pass insecure=True (local servers only)",
                       method=method)


def from_rpc_error(error: grpc.RpcError, method: str = "") -> ApiError:
    """Map a ``grpc.RpcError`` (which is also a ``grpc.Call``) to our hierarchy.

    The caller should ``raise from_rpc_error(e) from e`` to keep the chain.
    """
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    details = error.details() if hasattr(error, "details") else str(error)
    # (key, value) pairs at run time (a namedtuple in grpcio, plain tuples elsewhere).
    raw: Any = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    trailing = [(str(item[0]), item[1]) for item in raw] if raw else None
    return from_status(code or grpc.StatusCode.UNKNOWN, details or "", method=method, trailing_metadata=trailing)
