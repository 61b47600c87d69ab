"""``main()``: parse the command line, set up logging, run the command, and turn
every failure into one line on stderr and an exit code."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import warnings
from typing import Iterator, Optional, Sequence, TextIO

from viam_data_sync.cli import datasets, delete, demo, export, query, serve, sync, upload
from viam_data_sync._defaults import ENV_API_KEY
from viam_data_sync.cli._errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, explain
from viam_data_sync.cli._parser import PROG, Parser, add_subcommands, common_flags, epilog, parse_command_line
from viam_data_sync.cli._secrets import RedactingFilter, forget_secrets, redact, remember_secret

#: The SDK's logger; the CLI's own messages come from its child ``viam_data_sync.cli``.
_SDK_LOGGER = "viam_data_sync"
_CLI_LOGGER = "viam_data_sync.cli"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``viam-data-sync``: the common flags, then each command's
    own sub-parser (``add_parser`` in its module)."""
    from viam_data_sync._version import __version__

    parser = Parser(
        prog=PROG,
        parents=[common_flags(True)],
        allow_abbrev=False,
        description="Export, query, upload and delete Viam data, manage datasets; run a local Data API server or the demo.",
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = add_subcommands(parser, "command", "COMMAND")
    serve.add_parser(commands)
    demo.add_parser(commands)
    export.add_parser(commands)
    sync.add_parser(commands)
    upload.add_parser(commands)
    query.add_parsers(commands)
    delete.add_parser(commands)
    datasets.add_parser(commands)
    return parser


@contextlib.contextmanager
def _logging_to_stderr(args: argparse.Namespace) -> Iterator[None]:
    """Log records on stderr, secrets redacted, while the command runs.

    By default the CLI's own warnings show, and the SDK's only from ERROR up: its
    retry warnings are noise before an error that already says what went wrong.
    ``--verbose`` shows everything; ``--quiet`` only errors.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{PROG}: %(levelname)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    sdk, cli = logging.getLogger(_SDK_LOGGER), logging.getLogger(_CLI_LOGGER)
    previous = sdk.level, cli.level
    sdk.addHandler(handler)
    if args.verbose:
        sdk.setLevel(logging.DEBUG)
        cli.setLevel(logging.NOTSET)
    else:
        sdk.setLevel(logging.ERROR)
        cli.setLevel(logging.ERROR if args.quiet else logging.WARNING)
    def one_line(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: Optional[TextIO] = None, line: Optional[str] = None) -> None:
        # The SDK's warnings (e.g. an SQL query on readings without a time bound) speak
        # to the user of the command, not to a line of its source.
        if not args.quiet:
            print(f"{PROG}: warning: {redact(str(message))}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.showwarning = one_line
            yield
    finally:
        sdk.removeHandler(handler)
        sdk.setLevel(previous[0])
        cli.setLevel(previous[1])


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``viam-data-sync``; returns the exit code. ``argv`` excludes the program name.

    Example::

        sys.exit(main(["sql", "--org-id", org_id, "SELECT COUNT(*) AS n FROM readings "
                       "WHERE time_received >= CAST('2025-01-01T00:00:00Z' AS TIMESTAMP)"]))
    """
    if argv is None:
        _without_grpc_log_lines()
    parser = build_parser()
    forget_secrets()
    remember_secret(os.environ.get(ENV_API_KEY, "").strip())
    try:
        args = parse_command_line(parser, list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USAGE
    if getattr(args, "api_key", None):
        remember_secret(args.api_key)
    with _logging_to_stderr(args):
        return _run(args)


#: grpc's C-core logs straight to stderr (a TLS handshake failure, a port in use), in
#: lines of its own format around the CLI's one-line error. It reads this variable once,
#: when grpc is imported.
_GRPC_VERBOSITY = "GRPC_VERBOSITY"


def _without_grpc_log_lines() -> None:
    """Run the command with grpc's C-core log off (``GRPC_VERBOSITY=NONE``), unless the
    user chose a verbosity.

    grpc reads the variable when it is imported, and importing ``viam_data_sync`` (the
    parent of this package) has imported it already: so the process replaces itself
    with the same command line, the variable set (POSIX ``exec``: same pid, same
    terminal, same signals). Where ``exec`` is not POSIX, the log stays on.
    """
    if _GRPC_VERBOSITY in os.environ or os.name != "posix" or not _is_the_command():
        return
    os.environ[_GRPC_VERBOSITY] = "NONE"
    if "grpc" not in sys.modules:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, list(sys.orig_argv))


def _is_the_command() -> bool:
    """Whether this process is ``viam-data-sync`` or ``python -m viam_data_sync.cli``
    (not a program that calls ``main()``: that one is never replaced)."""
    launched = os.path.normpath(sys.argv[0] if sys.argv else "")
    return os.path.basename(launched) == PROG or launched.endswith(os.path.join("viam_data_sync", "cli", "__main__.py"))


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        hint = "; run the same command again to resume" if args.command == "export" else ""
        print(f"{PROG}: interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. piped into head: not an error
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line and an exit code
        code, message = explain(exc, args)
        if args.verbose:
            import traceback

            sys.stderr.write(redact("".join(traceback.format_exception(exc))))
        print(f"{PROG}: error: {redact(message)}", file=sys.stderr)
        return code
