"""Asking before a command destroys data: ``--yes`` skips the question; without a
terminal to ask on, the command refuses rather than guess."""

from __future__ import annotations

import sys

from viam_data_sync.cli._errors import EXIT_USAGE, CliError


def confirm(question: str, yes: bool) -> bool:
    """Whether to go on: ``yes`` (``--yes``), or the user's ``y`` to ``question``.

    Raises:
        CliError: stdin is not a terminal and ``yes`` was not given (exit 2).

    Example::

        if not confirm(f"delete {count} files?", args.yes):
            return EXIT_OK
    """
    if yes:
        return True
    try:
        interactive = sys.stdin.isatty()
    except (AttributeError, ValueError):
        interactive = False
    if not interactive:
        raise CliError(f"{question} Refusing to ask: stdin is not a terminal; pass --yes to go ahead", EXIT_USAGE)
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")
