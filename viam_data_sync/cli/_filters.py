"""The filter flags of the export commands, and the ``Filter`` they describe."""

from __future__ import annotations

import argparse
import datetime as _dt
from typing import TYPE_CHECKING

from viam_data_sync.cli._errors import EXIT_USAGE, CliError
from viam_data_sync.cli._parser import csv_list

if TYPE_CHECKING:
    from viam_data_sync.proto import Filter


def parse_time(value: str) -> _dt.datetime:
    """Parse an RFC 3339 time (``2026-01-02T03:04:05Z``); a time without an offset
    is taken as UTC."""
    try:
        parsed = _dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an RFC 3339 time: {value!r} (e.g. 2026-01-02T03:04:05Z)"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=_dt.timezone.utc)


def add_filter_flags(parser: argparse.ArgumentParser) -> None:
    """The flags :func:`build_filter` reads, as one help group."""
    group = parser.add_argument_group("filter (as create_filter; lists are comma-separated)")
    group.add_argument("--org-ids", metavar="IDS", help="organization ids")
    group.add_argument("--location-ids", metavar="IDS", help="location ids")
    group.add_argument("--robot-id", "--machine-id", dest="robot_id", metavar="ID", help="machine (robot) id")
    group.add_argument(
        "--robot-name", "--machine-name", dest="robot_name", metavar="NAME", help="machine name"
    )
    group.add_argument("--part-id", metavar="ID", help="part id")
    group.add_argument("--part-name", metavar="NAME", help="part name")
    group.add_argument("--component-name", metavar="NAME", help="component name")
    group.add_argument("--component-type", metavar="TYPE", help="component type, e.g. rdk:component:sensor")
    group.add_argument("--method", metavar="NAME", help="capture method, e.g. Readings")
    group.add_argument("--mime-types", metavar="TYPES", help="MIME types, e.g. image/png,image/jpeg")
    group.add_argument(
        "--start",
        type=parse_time,
        metavar="TIME",
        help="interval start (RFC 3339, e.g. 2026-01-02T03:04:05Z)",
    )
    group.add_argument("--end", type=parse_time, metavar="TIME", help="interval end (RFC 3339)")
    group.add_argument("--tags", metavar="TAGS", help="tags to match (any of), or 'tagged' / 'untagged'")
    group.add_argument("--bbox-labels", metavar="LABELS", help="bounding-box labels")
    group.add_argument("--dataset-id", metavar="ID", help="dataset id")


def build_filter(args: argparse.Namespace) -> Filter:
    """The ``Filter`` the filter flags describe, built by ``create_filter``.

    ``--tags tagged`` / ``--tags untagged`` select items with any / no tags, as in the
    Viam CLI (``create_filter``'s filter with its ``TagsFilter`` type set); any other
    value is a comma-separated list, any of which matches, as ``create_filter(tags=)``.

    Example::

        build_filter(parser.parse_args(["export", "binary", "--dest", "out", "--tags", "untagged"]))
    """
    from viam_data_sync import create_filter
    from viam_data_sync.proto import TagsFilterType

    if args.start is not None and args.end is not None and args.start > args.end:
        raise CliError("--start is after --end", EXIT_USAGE)
    word = (args.tags or "").strip().lower()
    by_presence = {"tagged": TagsFilterType.TAGS_FILTER_TYPE_TAGGED,
                   "untagged": TagsFilterType.TAGS_FILTER_TYPE_UNTAGGED}.get(word)
    f = create_filter(
        component_name=args.component_name or None,
        component_type=args.component_type or None,
        method=args.method or None,
        robot_name=args.robot_name or None,
        robot_id=args.robot_id or None,
        part_name=args.part_name or None,
        part_id=args.part_id or None,
        location_ids=csv_list(args.location_ids),
        organization_ids=csv_list(args.org_ids),
        mime_type=csv_list(args.mime_types),
        start_time=args.start,
        end_time=args.end,
        tags=None if by_presence is not None else csv_list(args.tags),
        bbox_labels=csv_list(args.bbox_labels),
        dataset_id=args.dataset_id or None,
    )
    if by_presence is not None:
        f.tags_filter.type = by_presence
    return f
