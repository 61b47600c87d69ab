"""``viam-data-sync datasets list|create|rename|delete|add|remove``: datasets and the
binary files in them, as ``viam dataset`` manages them.

``list`` prints one dataset a line (``--format``: JSON Lines, CSV or a table);
``create`` prints the new dataset's id; ``delete`` asks first unless ``--yes``;
``add`` and ``remove`` take binary data ids.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, Dict

from viam_data_sync.cli._confirm import confirm
from viam_data_sync.cli._connection import connect
from viam_data_sync.cli._errors import EXIT_OK, EXIT_USAGE, CliError
from viam_data_sync.cli._output import DEFAULT_FORMAT, FORMATS, print_records
from viam_data_sync.cli._parser import add_command, add_subcommands, csv_list

if TYPE_CHECKING:
    from viam_data_sync.cli._parser import SubParsers


def add_parser(commands: SubParsers) -> None:
    """``datasets`` and its actions."""
    datasets = add_command(commands, "datasets", "list, create, rename and delete datasets; add or remove files")
    actions = add_subcommands(datasets, "action", "ACTION")
    listing = add_command(actions, "list", "list the datasets of an organization, or by id", _run_list)
    listing.add_argument("--org-id", metavar="ID", help="organization id")
    listing.add_argument("--ids", metavar="IDS", help="dataset ids (comma-separated) instead of --org-id")
    listing.add_argument("--format", choices=tuple(FORMATS), default=DEFAULT_FORMAT, help="output (default jsonl)")
    create = add_command(actions, "create", "create a dataset; prints its id", _run_create)
    create.add_argument("--org-id", required=True, metavar="ID", help="organization id")
    create.add_argument("--name", required=True, help="dataset name")
    rename = add_command(actions, "rename", "rename a dataset", _run_rename)
    rename.add_argument("--id", required=True, metavar="ID", help="dataset id")
    rename.add_argument("--name", required=True, help="the new name")
    delete = add_command(actions, "delete", "delete a dataset (its files stay)", _run_delete)
    delete.add_argument("--id", required=True, metavar="ID", help="dataset id")
    delete.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    for name, verb, handler in (("add", "add binary files to", _run_add), ("remove", "remove binary files from", _run_remove)):
        action = add_command(actions, name, f"{verb} a dataset", handler)
        action.add_argument("--id", required=True, metavar="ID", help="dataset id")
        action.add_argument("--binary-ids", required=True, metavar="IDS", help="binary data ids (comma-separated)")


def dataset_record(dataset: Any) -> Dict[str, Any]:
    """A ``Dataset`` as a flat record: id, name, organization id, creation time."""
    from viam_data_sync._convert import timestamp_to_datetime

    created = timestamp_to_datetime(dataset.time_created) if dataset.HasField("time_created") else None
    return {
        "id": dataset.id,
        "name": dataset.name,
        "organization_id": dataset.organization_id,
        "time_created": created,
    }


def _run_list(args: argparse.Namespace) -> int:
    ids = csv_list(args.ids)
    if bool(ids) == bool(args.org_id):
        raise CliError("give --org-id or --ids (one of them)", EXIT_USAGE)
    with connect(args) as client:
        found = client.list_dataset_by_ids(ids) if ids else client.list_datasets_by_organization_id(args.org_id)
    print_records([dataset_record(dataset) for dataset in found], args.format)
    return EXIT_OK


def _run_create(args: argparse.Namespace) -> int:
    with connect(args) as client:
        print(client.create_dataset(args.name, args.org_id), flush=True)
    return EXIT_OK


def _run_rename(args: argparse.Namespace) -> int:
    with connect(args) as client:
        client.rename_dataset(args.id, args.name)
    print(f"renamed dataset {args.id} to {args.name!r}", file=sys.stderr)
    return EXIT_OK


def _run_delete(args: argparse.Namespace) -> int:
    if not confirm(f"Delete dataset {args.id}?", args.yes):
        print("nothing deleted", file=sys.stderr)
        return EXIT_OK
    with connect(args) as client:
        client.delete_dataset(args.id)
    print(f"deleted dataset {args.id}", file=sys.stderr)
    return EXIT_OK


def _run_add(args: argparse.Namespace) -> int:
    return _change_files(args, "add_binary_data_to_dataset_by_ids", "added {n} files to")


def _run_remove(args: argparse.Namespace) -> int:
    return _change_files(args, "remove_binary_data_from_dataset_by_ids", "removed {n} files from")


def _change_files(args: argparse.Namespace, method: str, done: str) -> int:
    ids = _binary_ids(args)
    with connect(args) as client:
        getattr(client, method)(ids, args.id)
    print(f"{done.format(n=len(ids))} dataset {args.id}", file=sys.stderr)
    return EXIT_OK


def _binary_ids(args: argparse.Namespace) -> list[str]:
    ids = csv_list(args.binary_ids)
    if not ids:
        raise CliError("--binary-ids is empty", EXIT_USAGE)
    return ids
