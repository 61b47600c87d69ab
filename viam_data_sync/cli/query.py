"""``viam-data-sync sql`` and ``viam-data-sync mql``: queries over the readings,
printed as JSON Lines, CSV or a table."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, Dict, List

from viam_data_sync.cli._connection import connect
from viam_data_sync.cli._errors import EXIT_OK, EXIT_USAGE, CliError
from viam_data_sync.cli._output import DEFAULT_FORMAT, FORMATS, print_records
from viam_data_sync.cli._parser import add_command, read_argument

if TYPE_CHECKING:
    from viam_data_sync.cli._parser import SubParsers


def parse_pipeline(text: str) -> List[Dict[str, Any]]:
    """An MQL pipeline from JSON (MongoDB extended JSON: ``{"$date": ...}`` works).

    A single stage object is accepted as a one-stage pipeline.

    Example::

        parse_pipeline('{"$limit": 1}')  # [{'$limit': 1}]
    """
    from bson import json_util

    try:
        pipeline = json_util.loads(text)
    except ValueError as exc:
        raise CliError(f"PIPELINE_JSON is not valid JSON: {exc}", EXIT_USAGE) from None
    if isinstance(pipeline, dict):
        pipeline = [pipeline]
    if not isinstance(pipeline, list) or not all(isinstance(stage, dict) for stage in pipeline):
        raise CliError("PIPELINE_JSON must be a JSON array of stage objects", EXIT_USAGE)
    return pipeline


def add_parsers(commands: SubParsers) -> None:
    """``sql`` and ``mql`` and their flags."""
    sql = add_command(commands, "sql", "run an SQL query over the readings table", _run_sql)
    sql.add_argument("query", metavar="QUERY", help="the query; - reads stdin, @FILE reads a file")
    _add_output_flags(sql)
    mql = add_command(commands, "mql", "run an MQL aggregation pipeline over the readings", _run_mql)
    mql.add_argument(
        "pipeline",
        metavar="PIPELINE_JSON",
        help="a JSON array of stages (extended JSON); - reads stdin, @FILE reads a file",
    )
    _add_output_flags(mql)


def _add_output_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--org-id", required=True, metavar="ID", help="organization id")
    parser.add_argument(
        "--format", choices=tuple(FORMATS), default=DEFAULT_FORMAT, help="output (default jsonl)"
    )


def _run_sql(args: argparse.Namespace) -> int:
    query = read_argument(args.query)
    with connect(args) as client:
        records = client.tabular_data_by_sql(args.org_id, query)
    print_records(records, args.format)
    return EXIT_OK


def _run_mql(args: argparse.Namespace) -> int:
    pipeline = parse_pipeline(read_argument(args.pipeline))
    with connect(args) as client:
        records = client.tabular_data_by_mql(args.org_id, pipeline)
    print_records(records, args.format)
    return EXIT_OK
