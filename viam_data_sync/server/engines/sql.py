"""The local server's SQL engine: Atlas SQL (MongoSQL) queries over ``readings``.

The cloud compiles ``TabularDataBySQL`` queries with MongoDB's MongoSQL compiler into an
aggregation pipeline and runs it on MongoDB. Here too: :mod:`.sqlc` parses the query and
compiles it to a pipeline with MongoSQL's semantics (MISSING kept apart from NULL,
booleans, three-valued logic, integer division, ``CAST`` through ``$convert``), and
:func:`~.mql.run_mql` runs that pipeline over the caller's organizations' documents, so
SQL and MQL answer from one evaluator. Scoping is the MQL engine's: the documents are
loaded by ``store.readings.scan`` for the caller's organizations only.

What the compiler leaves out is refused with INVALID_ARGUMENT naming the construct. So
are the relational forms (joins, ``WITH``, set operations, subqueries, ``SELECT``
without ``FROM``): their MongoSQL semantics are not implemented, and the local server
answers as the cloud does or not at all.

``FLATTEN`` is applied to the loaded documents before the pipeline (MQL has no operator
that flattens a document of unknown shape).
"""
from __future__ import annotations

import logging
import re
import sqlite3
from typing import Any, Dict, List, Optional, Sequence

from viam_data_sync.server._query_errors import QueryError, QueryLimitHit
from viam_data_sync.server.engines.mql import MAX_SCANNED_DOCS, naive_utc, run_mql
from viam_data_sync.server.engines.sqlc import Plan, Relational, Unsupported, compile_sql

__all__ = ["run_sql", "relational_refusal"]

_LOG = logging.getLogger("viam_data_sync.server")
#: The MQL engine's prefixes, which would name stages the user never wrote.
_SQL_WORDS = re.compile(r"^(?:(?:invalid MQL in|unsupported MQL operator:?) [^:]*: ?)+")


def run_sql(
    conn: sqlite3.Connection,
    organization_ids: Sequence[str],
    query: str,
    *,
    max_rows: int = 100_000,
) -> List[Dict[str, Any]]:
    """Run one read-only Atlas SQL query over the caller's ``readings``.

    Args:
        conn: Connection to the store (schema from ``store.schema.create_schema``).
        organization_ids: The organizations whose rows are visible; no other row is.
        query: The SQL text, e.g. ``SELECT data.readings.temperature FROM readings``.
        max_rows: Largest number of result rows; more raises :class:`QueryError`.

    Returns:
        One dict per row, ready for ``bson.encode``; a MISSING value leaves its key out.

    Raises:
        QueryError: The query is not Atlas SQL the local server runs (the message names
            the construct), or the result has more than ``max_rows`` rows.

    Example:
        >>> run_sql(conn, ["org-1"], "SELECT component_name, COUNT(*) AS n FROM readings "
        ...         "GROUP BY component_name")
        [{'component_name': 'temp', 'n': 3}]
    """
    try:
        plan = compile_sql(query)
    except Relational as construct:
        _LOG.debug("run_sql: refused relational form %s", construct)
        raise QueryError(relational_refusal(str(construct))) from None
    except Unsupported as err:
        raise QueryError(str(err)) from None
    try:
        docs = _run(conn, organization_ids, plan)
    except QueryLimitHit:
        raise
    except QueryError as err:  # the evaluator's words, about the query the user wrote
        raise QueryError(_SQL_WORDS.sub("SQL error: ", str(err))) from None
    if len(docs) > max_rows:
        raise QueryError(f"result too large: more than {max_rows} rows; add LIMIT")
    return docs


#: What the parser's :class:`Relational` names -> the construct, as the refusal says it.
_RELATIONAL = {
    "WITH": "WITH (common table expressions) is",
    "JOIN": "joins are",
    "UNION": "UNION is",
    "EXCEPT": "EXCEPT is",
    "INTERSECT": "INTERSECT is",
    "SELECT without FROM": "SELECT without FROM is",
    "subquery": "subqueries are",
    "subquery comparison": "subqueries are",
    "EXISTS": "EXISTS subqueries are",
}


def relational_refusal(construct: str) -> str:
    """The INVALID_ARGUMENT message for a relational form the local server does not run.

    Example:
        >>> relational_refusal("JOIN")[:48]
        'unsupported SQL: joins are not offered by the lo'
    """
    named = _RELATIONAL.get(construct) or _RELATIONAL.get(construct.upper())
    if named is None:
        return (f"unsupported SQL: {construct} statements are read-only: send one "
                "SELECT ... FROM readings")
    return (f"unsupported SQL: {named} not offered by the local server (their MongoSQL "
            "semantics are not implemented); write one SELECT ... FROM readings, or run "
            "the query against the cloud")


def _run(conn: sqlite3.Connection, organization_ids: Sequence[str],
         plan: Plan) -> List[Dict[str, Any]]:
    if plan.flatten is None:
        docs = run_mql(conn, organization_ids, plan.before, max_docs=MAX_SCANNED_DOCS)
    else:
        loaded = run_mql(conn, organization_ids, [], max_docs=MAX_SCANNED_DOCS)
        separator, depth = plan.flatten
        docs = run_mql(conn, organization_ids, plan.before, max_docs=MAX_SCANNED_DOCS,
                       documents=[naive_utc(_flatten(d, separator, depth)) for d in loaded])
    if plan.after:
        if not docs and plan.empty_group is not None:
            docs = [dict(plan.empty_group)]
        docs = run_mql(conn, organization_ids, plan.after, max_docs=MAX_SCANNED_DOCS,
                       documents=[naive_utc(d) for d in docs])
    return docs


def _flatten(doc: Dict[str, Any], separator: str, depth: Optional[int],
             prefix: str = "", level: int = 0) -> Dict[str, Any]:
    """MongoSQL's FLATTEN: nested documents' fields lifted to ``a<sep>b`` up to ``depth``."""
    out: Dict[str, Any] = {}
    for key, value in doc.items():
        name = prefix + key
        if isinstance(value, dict) and value and (depth is None or level < depth):
            out.update(_flatten(value, separator, depth, name + separator, level + 1))
        else:
            out[name] = value
    return out
