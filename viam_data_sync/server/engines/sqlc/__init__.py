"""Atlas SQL (MongoSQL) compiled to aggregation pipelines: parser, expressions, planner."""
from __future__ import annotations

from .parser import Relational, Unsupported, parse
from .planner import Plan, plan

__all__ = ["compile_sql", "Plan", "Relational", "Unsupported"]


def compile_sql(query: str) -> Plan:
    """The pipelines that answer ``query`` with MongoSQL's semantics.

    Raises:
        Unsupported: The query is not MongoSQL the local server compiles.
        Relational: The query uses a join, ``WITH``, a set operation or a subquery.

    Example:
        >>> compile_sql("SELECT data.b FROM readings").before[-1]
        {'$replaceWith': '$__row'}
    """
    return plan(parse(query))
