"""The argparse frame every command shares: the parser class, the common flags,
the help epilog, and the small argument readers several commands use."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, Callable, List, NoReturn, Optional

from viam_data_sync._defaults import DEFAULT_ADDRESS, ENV_ADDRESS, ENV_API_KEY, ENV_API_KEY_ID, ENV_INSECURE
from viam_data_sync.cli._connection import add_connection_flags
from viam_data_sync.cli._errors import EXIT_CODES, EXIT_USAGE
from viam_data_sync.cli._secrets import redact

PROG = "viam-data-sync"

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction["Parser"]

#: What a command runs: the parsed arguments in, the exit code out.
Handler = Callable[[argparse.Namespace], int]


class Parser(argparse.ArgumentParser):
    """argparse, with the usage error on one line (plus the usage) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {redact(message)}\n")


def epilog() -> str:
    """The end of every ``--help``: where credentials come from, and the exit codes."""
    return (
        "credentials:\n"
        f"  key id: --api-key-id or {ENV_API_KEY_ID}; key: {ENV_API_KEY} or --api-key-file PATH\n"
        f"  address: --address or {ENV_ADDRESS} (default {DEFAULT_ADDRESS});"
        f" {ENV_INSECURE}=1 for --insecure\n\n" + exit_codes()
    )


def exit_codes() -> str:
    """The exit codes, as ``--help`` lists them."""
    return "exit codes:\n" + "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES.items())


def common_flags(top: bool, connection: bool = True) -> Parser:
    """A parent parser with the connection (unless not ``connection``) and output flags.

    The flags are accepted before and after the command. The command's copy
    (``top=False``) has no defaults: argparse would otherwise let them overwrite a
    value given before the command.
    """

    def default(value: Any) -> Any:
        return value if top else argparse.SUPPRESS

    common = Parser(add_help=False, allow_abbrev=False)
    group = common.add_argument_group("connection and output" if connection else "output")
    if connection:
        add_connection_flags(group, default)
    verbosity = group.add_mutually_exclusive_group()
    verbosity.add_argument(
        "-q", "--quiet", action="store_true", default=default(False), help="only errors on stderr, no progress bars"
    )
    verbosity.add_argument(
        "-v", "--verbose", action="store_true", default=default(False), help="log details; tracebacks on errors"
    )
    if not connection:
        return common
    group.add_argument(
        "--progress",
        action="store_true",
        default=default(False),
        help="progress bars even when stderr is not a terminal (shown on a terminal by default)",
    )
    return common


def add_command(
    sub: SubParsers, name: str, help_text: str, handler: Optional[Handler] = None, *, connection: bool = True
) -> Parser:
    """Add the command ``name`` (with the common flags; the connection flags only if it
    connects, ``connection``) to ``sub``; ``handler`` runs it."""
    parser = sub.add_parser(
        name,
        help=help_text,
        description=help_text,
        parents=[common_flags(False, connection)],
        allow_abbrev=False,
        epilog=epilog() if connection else exit_codes(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(command_parser=parser)  # the deepest command's parser wins: see parse_command_line
    if handler is not None:
        parser.set_defaults(handler=handler)
    return parser


def parse_command_line(parser: argparse.ArgumentParser, argv: List[str]) -> argparse.Namespace:
    """``parser.parse_args(argv)``, except that an unknown flag is reported by the
    command it was given to, with that command's usage (argparse leaves the unknown
    flags of a sub-command to the top-level parser, which shows the top-level usage)."""
    args, extras = parser.parse_known_args(argv)
    if extras:
        owner = getattr(args, "command_parser", None) or parser
        owner.error("unrecognized arguments: " + " ".join(extras))
    return args


def add_subcommands(parser: argparse.ArgumentParser, dest: str, metavar: str) -> SubParsers:
    """A required group of sub-commands under ``parser``."""
    commands = parser.add_subparsers(dest=dest, metavar=metavar, parser_class=Parser)
    commands.required = True
    return commands


def read_argument(value: str) -> str:
    """``-`` reads stdin, ``@PATH`` reads a file, anything else is the text itself."""
    if value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        with open(value[1:], encoding="utf-8") as handle:
            return handle.read()
    return value


def csv_list(value: Optional[str]) -> List[str]:
    """A comma-separated flag value as a list (blanks dropped)."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]
