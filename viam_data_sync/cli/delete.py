"""``viam-data-sync delete tabular`` and ``delete binary``: delete data, after a
confirmation (``--yes`` skips it; without a terminal the command refuses to ask).

* ``delete tabular --org-id O --older-than-days N``: the organization's readings
  captured more than N days ago (0: all), as ``viam data delete tabular``.
* ``delete binary [filter flags]`` or ``delete binary --ids ID,...``: binary files by
  filter (counted first, so the question says how many, and the bar its total) or by
  id (in batches of 100, with a progress bar). An empty filter, which would delete everything, needs ``--all``.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, List

from viam_data_sync._filters import create_filter
from viam_data_sync.cli._confirm import confirm
from viam_data_sync.cli._connection import connect
from viam_data_sync.cli._errors import EXIT_OK, EXIT_USAGE, CliError
from viam_data_sync.cli._filters import add_filter_flags, build_filter
from viam_data_sync.cli._parser import add_command, add_subcommands, csv_list
from viam_data_sync.cli._progress import Progress, progress_mode

if TYPE_CHECKING:
    from viam_data_sync.cli._parser import SubParsers

#: Ids per ``DeleteBinaryDataByIDs`` request.
ID_BATCH = 100


def add_parser(commands: SubParsers) -> None:
    """``delete`` and its two kinds."""
    delete = add_command(commands, "delete", "delete tabular or binary data (asks first unless --yes)")
    kinds = add_subcommands(delete, "kind", "KIND")
    tabular = add_command(
        kinds, "tabular", "delete an organization's readings older than N days", _run_tabular
    )
    tabular.add_argument("--org-id", required=True, metavar="ID", help="organization id")
    tabular.add_argument(
        "--older-than-days", required=True, type=int, metavar="N", help="captured more than N days ago (0: all)"
    )
    _add_yes(tabular)
    binary = add_command(kinds, "binary", "delete binary files by filter or by id", _run_binary)
    binary.add_argument("--ids", metavar="IDS", help="binary data ids (comma-separated) instead of a filter")
    binary.add_argument("--all", action="store_true", help="allow an empty filter (deletes every file)")
    _add_yes(binary)
    add_filter_flags(binary)


def _add_yes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def _run_tabular(args: argparse.Namespace) -> int:
    if args.older_than_days < 0:
        raise CliError("--older-than-days must be 0 or more", EXIT_USAGE)
    which = "all readings" if args.older_than_days == 0 else f"readings older than {args.older_than_days} days"
    if not confirm(f"Delete {which} of organization {args.org_id}?", args.yes):
        print("nothing deleted", file=sys.stderr)
        return EXIT_OK
    with connect(args) as client:
        deleted = client.delete_tabular_data(args.org_id, args.older_than_days)
    print(f"deleted {deleted} readings", file=sys.stderr)
    return EXIT_OK


def _run_binary(args: argparse.Namespace) -> int:
    filter_ = build_filter(args)
    narrowed = filter_ != create_filter()  # create_filter's "everything" carries an empty TagsFilter
    ids = csv_list(args.ids)
    if ids and narrowed:
        raise CliError("--ids and filter flags do not go together", EXIT_USAGE)
    if not ids and not narrowed and not args.all:
        raise CliError("no filter: give filter flags or --ids (or --all to delete every file)", EXIT_USAGE)
    with connect(args) as client:
        if ids:
            if not confirm(f"Delete {len(ids)} binary files by id?", args.yes):
                print("nothing deleted", file=sys.stderr)
                return EXIT_OK
            deleted = _delete_ids(client, ids, args)
        else:
            _, count, _ = client.binary_data_by_filter(filter_, count_only=True)
            if not count:
                print("no binary files match; nothing deleted", file=sys.stderr)
                return EXIT_OK
            if not confirm(f"Delete {count} binary files matching the filter?", args.yes):
                print("nothing deleted", file=sys.stderr)
                return EXIT_OK
            with Progress(progress_mode(args), total=count, desc="delete", unit="file") as bar:
                deleted = client.delete_binary_data_by_filter(filter_)  # one request: the bar shows 0/N, then N
                bar.update(deleted)
    print(f"deleted {deleted} binary files", file=sys.stderr)
    return EXIT_OK


def _delete_ids(client: Any, ids: List[str], args: argparse.Namespace) -> int:
    deleted = 0
    with Progress(progress_mode(args), total=len(ids), desc="delete", unit="file") as bar:
        for start in range(0, len(ids), ID_BATCH):
            batch = ids[start : start + ID_BATCH]
            deleted += int(client.delete_binary_data_by_ids(batch))
            bar.update(len(batch))
    return deleted
