"""``viam-data-sync sync tabular``: export only the readings stored since the last run,
one new file per run, over :meth:`viam_data_sync.DataClient.sync_tabular` (the
position is kept in ``--state FILE``; see :mod:`viam_data_sync._api.sync`)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, Dict

from viam_data_sync._export import FORMATS
from viam_data_sync.cli._connection import connect
from viam_data_sync.cli._errors import EXIT_OK, EXIT_USAGE, CliError
from viam_data_sync.cli._parser import add_command, add_subcommands
from viam_data_sync.cli.export._formats import require_parquet
from viam_data_sync._defaults import MQL_PAGE_SIZE

if TYPE_CHECKING:
    from viam_data_sync.cli._parser import SubParsers


def add_parser(commands: SubParsers) -> None:
    """``sync`` and its one kind, ``sync tabular``."""
    sync = add_command(commands, "sync", "export only what was stored since the last run")
    kinds = add_subcommands(sync, "kind", "KIND")
    tabular = add_command(
        kinds,
        "tabular",
        "export the readings stored since the last run (per --state FILE) into one new file in --dest DIR; "
        "a run killed anywhere is redone by the next one, with no gap and no duplicate",
        _run,
    )
    tabular.add_argument("--org-id", required=True, metavar="ID", help="organization id")
    tabular.add_argument(
        "--state", required=True, metavar="FILE", help="the sync state (JSON; created by the first run)"
    )
    tabular.add_argument(
        "--dest", required=True, metavar="DIR", help="folder of the files (tabular-after-<id>.jsonl or .parquet)"
    )
    tabular.add_argument("--component-name", metavar="NAME", help="only this component's readings")
    tabular.add_argument(
        "--format", choices=FORMATS, default="jsonl", help="jsonl (default) or parquet (needs the arrow extra)"
    )
    tabular.add_argument(
        "--page-size", type=int, default=MQL_PAGE_SIZE, metavar="N",
        help=f"documents per request (default {MQL_PAGE_SIZE})"
    )


def _run(args: argparse.Namespace) -> int:
    if args.page_size < 1:
        raise CliError("--page-size must be at least 1", EXIT_USAGE)
    if args.format == "parquet":
        require_parquet()
    match: Dict[str, Any] = {"component_name": args.component_name} if args.component_name else {}
    with connect(args) as client:
        run = client.sync_tabular(
            args.org_id, args.dest, state=args.state, match=match, format=args.format, page_size=args.page_size
        )
    if run.path is None:
        print("nothing new")
    else:
        print(f"{run.path}: {run.rows} rows")
    return EXIT_OK
