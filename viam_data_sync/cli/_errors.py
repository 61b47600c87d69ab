"""Exit codes, and the one line and code the CLI reports for each kind of failure."""

from __future__ import annotations

import argparse
from typing import Dict, Optional, Tuple

EXIT_OK = 0
EXIT_FAILURE = 1  # anything else: a server-side error, a failed demo check
EXIT_USAGE = 2  # bad flags (argparse's own code)
EXIT_CREDENTIALS = 3  # no API key / key id, unreadable key file
EXIT_UNREACHABLE = 4  # the address cannot be reached, or the call timed out
EXIT_AUTH = 5  # the key was rejected, or may not do this
EXIT_INVALID = 6  # the server (or the SDK) rejected an argument; not found
EXIT_LOCAL_FILE = 7  # a local file or directory could not be read or written
EXIT_INTERRUPTED = 130  # Ctrl-C (an export can be resumed by running it again)

#: Exit code -> meaning, as printed in ``--help``.
EXIT_CODES: Dict[int, str] = {
    EXIT_OK: "success",
    EXIT_FAILURE: "other failure (server error, failed demo check, upload outcome unknown)",
    EXIT_USAGE: "bad command line",
    EXIT_CREDENTIALS: "missing or unreadable credentials",
    EXIT_UNREACHABLE: "service unreachable or timed out",
    EXIT_AUTH: "authentication failed or permission denied",
    EXIT_INVALID: "invalid argument or not found",
    EXIT_LOCAL_FILE: "local file error",
    EXIT_INTERRUPTED: "interrupted (rerun the same export to resume)",
}


class CliError(Exception):
    """A failure with a message for the user and an exit code.

    Example::

        raise CliError("--start is after --end", EXIT_USAGE)
    """

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


def explain(exc: BaseException, args: Optional[argparse.Namespace] = None) -> Tuple[int, str]:
    """The exit code and the one-line message for a failure.

    Example::

        code, message = explain(error, args)  # (4, "cannot reach host:443 (UNAVAILABLE): ...")
    """
    from viam_data_sync import _errors as errors
    from viam_data_sync._extras import MissingExtraError

    address = getattr(args, "address", None) or "the service"
    if isinstance(exc, CliError):
        return exc.code, str(exc)
    if isinstance(exc, MissingExtraError):
        return EXIT_FAILURE, str(exc)
    if isinstance(exc, (errors.Unauthenticated, errors.PermissionDenied)):
        what = "authentication failed" if isinstance(exc, errors.Unauthenticated) else "permission denied"
        return EXIT_AUTH, f"{what} ({exc.code.name}): {exc.details or 'check the API key and key id'}"
    if isinstance(exc, errors.Unavailable):
        if errors.is_tls_mismatch(exc.details) and not getattr(args, "insecure", False):
            return EXIT_UNREACHABLE, f"cannot reach {address}: the server does not speak TLS: try --insecure"
        return EXIT_UNREACHABLE, f"cannot reach {address} (UNAVAILABLE): {exc.details or 'no answer'}"
    if isinstance(exc, errors.DeadlineExceeded):
        return EXIT_UNREACHABLE, f"{address} did not answer in time (DEADLINE_EXCEEDED)"
    if isinstance(
        exc, (errors.InvalidArgument, errors.NotFound, errors.FailedPrecondition, errors.AlreadyExists)
    ):
        return EXIT_INVALID, f"{exc.code.name}: {exc.details}"
    if isinstance(exc, errors.ApiError):
        return EXIT_FAILURE, f"server error {exc.code.name}: {exc.details}"
    if isinstance(exc, errors.UploadOutcomeUnknown):
        return EXIT_FAILURE, f"{exc} (check before uploading again)"
    if isinstance(exc, errors.ExportIncomplete):
        return EXIT_FAILURE, f"{exc} (run the same command again to resume)"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return EXIT_LOCAL_FILE, f"{where}{exc.strerror or exc}"
    if isinstance(exc, ValueError):
        return EXIT_INVALID, f"invalid argument: {exc}"
    return EXIT_FAILURE, f"unexpected error: {type(exc).__name__}: {exc}"
