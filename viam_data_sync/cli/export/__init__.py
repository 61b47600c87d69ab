"""``viam-data-sync export``: the group of ``export tabular`` and ``export binary``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from viam_data_sync.cli._parser import add_command, add_subcommands
from viam_data_sync.cli.export import binary, tabular

if TYPE_CHECKING:
    from viam_data_sync.cli._parser import SubParsers


def add_parser(commands: SubParsers) -> None:
    """``export`` and its two kinds."""
    export = add_command(commands, "export", "export tabular rows or binary files")
    kinds = add_subcommands(export, "kind", "KIND")
    tabular.add_parser(kinds)
    binary.add_parser(kinds)
