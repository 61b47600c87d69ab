"""The SQL engine's relational path: joins, WITH, set operations and subqueries on SQLite.

:mod:`.sql` compiles Atlas SQL to an aggregation pipeline; what its compiler leaves to
SQLite (joins, ``WITH``, ``UNION``, subqueries, non-SELECT statements it refuses here,
SELECT without FROM) comes here, with SQLite's semantics. The query is parsed
with sqlglot (in a small dialect: backtick or double-quote identifiers, ``''`` escapes),
checked, rewritten and run on SQLite:

* only one read-only query (SELECT, WITH, UNION ...) is accepted, and the only table is
  ``readings`` (or ``sensorData.readings``);
* every ``readings`` is replaced by a TEMP view created for the call on the query's
  connection: the stored rows of the caller's organizations only, exposing exactly
  :data:`~viam_data_sync.server.store.schema.QUERY_COLUMNS` (times as integer ns);
* dotted names into JSON columns (``data.readings.temperature``,
  ``additional_parameters.pin_name``, ``data.readings."temp-1"``) become
  ``json_extract``; ``CAST('...' AS TIMESTAMP)`` and ``TIMESTAMP '...'`` become integer
  ns, so time comparisons stay index-friendly;
* the outermost projections are shaped for BSON: JSON values come back as dicts, lists
  and bools, times as UTC ``datetime`` (millisecond precision), also through MIN/MAX.

Output keys: an explicit alias wins; a column or dotted path without alias is named by
its last segment (``data.readings.temperature`` -> ``temperature``), as Atlas SQL does;
any other unaliased expression is named ``_<position>`` (``COUNT(*)`` first -> ``_1``),
following the MongoSQL rule for generated aliases.

Differences from the cloud (kept deliberately): known issue APP-10891 (no rows without a
``time_received`` lower bound) is not reproduced; ``LIKE`` is ASCII case-insensitive
(SQLite semantics); functions are SQLite's.

Scoping does not rest on the parser: the statement runs under a SQLite authorizer that
lets it read stored rows only through that view (and the columns of its own CTEs and
subqueries), so a table reference the rewrite missed reaches nothing; and under a time
limit. Self-joins, CTEs and subqueries over ``readings`` all read the view.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import sqlite3
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, TypeGuard

import sqlglot
from sqlglot import exp, tokens
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.optimizer.scope import Scope, traverse_scope

from viam_data_sync._convert import ns_to_datetime
from viam_data_sync.server._query_errors import QueryError
from viam_data_sync.server.store.schema import QUERY_COLUMNS
from viam_data_sync.server.store.sql_reader import JSON_MARK as _JSON_MARK
from viam_data_sync.server.store.sql_reader import JSON_OUT as _JSON_OUT
from viam_data_sync.server.store.sql_reader import TIME_COLUMNS as _TIME_COLUMNS
from viam_data_sync.server.store.sql_reader import VIEW_NAME as _VIEW_NAME
from viam_data_sync.server.store.sql_reader import execute_scoped as _execute

__all__ = ["run_relational_sql", "TIME_LIMIT_S"]

_LOG = logging.getLogger("viam_data_sync.server")

#: Wall-clock budget of one SQL query, in seconds; longer queries are interrupted.
TIME_LIMIT_S = 30.0

_UTC = _dt.timezone.utc
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_UTC)

_DOC_COLUMNS = frozenset({"data", "additional_parameters", "tags"})
_TIME_TYPES = {
    exp.DataType.Type.TIMESTAMP,
    exp.DataType.Type.TIMESTAMPTZ,
    exp.DataType.Type.TIMESTAMPLTZ,
    exp.DataType.Type.DATETIME,
}
_FORBIDDEN_NODES = (
    exp.DML, exp.DDL, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop,
    exp.Alter, exp.Pragma, exp.Command, exp.Transaction, exp.Commit, exp.Rollback, exp.Into,
    exp.Copy, exp.Use, exp.Set, exp.Analyze, exp.Describe, exp.Show, exp.LoadData, exp.Kill,
    exp.Grant,
)
_WRITE_WORDS = frozenset({
    "INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT", "MERGE", "CREATE", "DROP", "ALTER",
    "TRUNCATE", "ATTACH", "DETACH", "PRAGMA", "VACUUM", "REINDEX", "ANALYZE", "BEGIN",
    "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "GRANT", "REVOKE", "SET", "USE", "COPY",
})


class _AtlasSQL(Dialect):
    """Atlas SQL's lexical rules: `x` and "x" are identifiers, 'x' (with '') is a string."""

    class Tokenizer(tokens.Tokenizer):
        IDENTIFIERS = ['"', "`"]
        QUOTES = ["'"]


def run_relational_sql(
    conn: sqlite3.Connection,
    organization_ids: Sequence[str],
    query: str,
    *,
    max_rows: int = 100_000,
) -> List[Dict[str, Any]]:
    """The relational forms (joins, ``WITH``, set operations, subqueries) on SQLite.

    Called by :func:`.sql.run_sql` for what its compiler leaves to SQLite; same
    arguments, result and :class:`QueryError` (which also covers a query SQLite stops at
    :data:`TIME_LIMIT_S`). ``conn`` gets a TEMP view, an authorizer, a progress handler
    and ``vds_json_out`` for the call.

    Example:
        >>> run_relational_sql(conn, ["org-1"], "WITH t AS (SELECT component_name AS c "
        ...                    "FROM readings) SELECT COUNT(*) AS n FROM t")
        [{'n': 3}]
    """
    try:
        tree = _parse(query)
        cte_names = _check_read_only(tree)
        _mark_tables(tree, cte_names)
        _resolve_columns(tree)
        _convert_time_literals(tree)
        time_positions, by_name = _shape_output(tree)
        _point_tables_at_scoped_view(tree)
        sql = tree.sql(dialect="sqlite")
    except RecursionError:
        raise QueryError("unsupported SQL: the query is nested too deeply (parentheses, "
                         "subqueries or set operations) for the local server's parser") from None
    _LOG.debug("run_sql: %d characters of SQLite", len(sql))  # the text quotes the caller
    names, rows = _execute(conn, sql, [str(o) for o in organization_ids], max_rows, TIME_LIMIT_S)
    return [_decode_row(names, row, time_positions, by_name) for row in rows]


# ------------------------------------------------------------------ parsing and checks
def _parse(query: str) -> exp.Expr:
    first_word = (query.strip().split(None, 1) or [""])[0].upper().rstrip(";")
    try:
        statements = [s for s in sqlglot.parse(query, read=_AtlasSQL) if s is not None]
    except ParseError as err:
        if first_word in _WRITE_WORDS:
            raise QueryError(f"unsupported SQL: {first_word} statements are read-only; "
                             "only SELECT is allowed") from None
        raise QueryError(f"invalid SQL: {_describe_parse_error(err)}") from None
    except SqlglotError as err:
        raise QueryError(f"invalid SQL: {str(err).splitlines()[0][:200]}") from None
    if not statements:
        raise QueryError("invalid SQL: empty query")
    if len(statements) > 1:
        raise QueryError(f"unsupported SQL: multiple statements ({len(statements)}); "
                         "send exactly one SELECT")
    return statements[0]


def _describe_parse_error(err: ParseError) -> str:
    if not err.errors:
        return str(err).splitlines()[0][:200]
    first = err.errors[0]
    where = f" at line {first.get('line')}, column {first.get('col')}"
    near = first.get("highlight")
    description = str(first.get("description"))
    if "sqlglot" in description:  # the parser's own class names say nothing to the user
        description = "syntax error"
    return f"{description}{where}" + (f" near {near!r}" if near else "")


def _check_read_only(tree: exp.Expr) -> Set[str]:
    """Rejects anything but one query; returns the names of the query's own CTEs."""
    if not isinstance(tree, exp.Query):
        if isinstance(tree, _FORBIDDEN_NODES):
            word = tree.name.upper() if isinstance(tree, exp.Command) else tree.key.upper()
            raise QueryError(f"unsupported SQL: {word} statements are read-only; only "
                             "SELECT is allowed")
        raise QueryError(f"invalid SQL: expected a SELECT statement, got {tree.sql()[:60]!r}")
    for node in tree.walk():
        if isinstance(node, (exp.Placeholder, exp.Parameter)):
            raise QueryError(f"unsupported SQL: query parameters ({node.sql()}) are not "
                             "supported; inline the values")
        if isinstance(node, _FORBIDDEN_NODES):
            raise QueryError(f"unsupported SQL: {node.key.upper()} is not allowed in a "
                             "read-only query")
    cte_names = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    for name in cte_names:
        if name.lower() == "readings" or name.lower().startswith("__vds"):
            raise QueryError(f"unsupported SQL: a WITH query cannot be named {name}")
    for identifier in tree.find_all(exp.Identifier):
        if identifier.name.lower().startswith("__vds"):  # the names of our own view
            raise QueryError(f"unsupported SQL: names starting with __vds are reserved "
                             f"({identifier.name[:60]})")
    return cte_names


def _mark_tables(tree: exp.Expr, cte_names: Set[str]) -> None:
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            raise QueryError(f"unsupported SQL: table function {table.this.sql()} in FROM; "
                             "only readings can be queried")
        name, db, catalog = table.name, table.db, table.catalog
        if not db and not catalog and name in cte_names:
            continue
        if name.lower() == "readings" and not catalog and db.lower() in ("", "sensordata"):
            table.meta["vds_readings"] = True
            continue
        full = ".".join(p for p in (catalog, db, name) if p)
        raise QueryError(f"unsupported SQL: unknown table {full}; only readings "
                         "(sensorData.readings) can be queried")


# ------------------------------------------------------------------ columns and paths
def _resolve_columns(tree: exp.Expr) -> None:
    """Turns dotted names into columns of ``readings`` or JSON paths into them."""
    for scope in traverse_scope(tree):
        aliases: Set[str] = set()
        outer: Optional[Scope] = scope
        while outer is not None:
            aliases.update(outer.sources)
            outer = outer.parent
        for column in list(scope.columns):
            if column.parent is not None or column is tree:
                _resolve_column(column, aliases)


def _resolve_column(column: exp.Column, aliases: Set[str]) -> None:
    if isinstance(column.this, exp.Star):
        return
    node: exp.Expr = column
    parts = [p.name for p in column.parts]
    while isinstance(node.parent, exp.Dot) and node.parent.this is node:
        node = node.parent
        parts.append(node.expression.name)
    qualifier: Optional[str] = None
    if len(parts) >= 2 and parts[0] in aliases and (
            parts[1] in QUERY_COLUMNS or parts[0] not in QUERY_COLUMNS):
        qualifier, parts = parts[0], parts[1:]
    name, path = parts[0], parts[1:]
    if qualifier is None and name not in QUERY_COLUMNS:
        return  # an output alias or a CTE's column: SQLite resolves it
    if path and name in QUERY_COLUMNS and name not in _DOC_COLUMNS:
        raise QueryError(f"unsupported SQL: {name} is not a document; cannot read "
                         f"{'.'.join(parts)}")
    base = exp.column(name, table=qualifier, quoted=True)
    if name in _TIME_COLUMNS:
        base.meta["vds_kind"] = "time"
    new: exp.Expr = base
    if path:
        for segment in path:
            if '"' in segment:
                raise QueryError(f"unsupported SQL: field name {segment!r} contains a "
                                 "double quote")
        json_path = "$" + "".join(f'."{segment}"' for segment in path)
        new = exp.Anonymous(this="json_extract",
                            expressions=[base, exp.Literal.string(json_path)])
        new.meta["vds_path"] = (name, qualifier, path)
    new.meta["vds_name"] = parts[-1]
    node.replace(new)


# ------------------------------------------------------------------ timestamps
def _convert_time_literals(tree: exp.Expr) -> None:
    """Casts and literals of timestamps become integer ns, like the time columns."""
    for cast in list(tree.find_all(exp.Cast)):
        to = cast.args.get("to")
        if not isinstance(to, exp.DataType):
            continue
        if to.this == exp.DataType.Type.DATE:
            raise QueryError("unsupported SQL: there is no DATE type; use TIMESTAMP")
        if to.this not in _TIME_TYPES:
            continue
        inner = cast.this
        if isinstance(inner, exp.Literal) and inner.is_string:
            cast.replace(_ns_literal(inner.this))
        elif inner.meta.get("vds_kind") == "time":
            cast.replace(inner)
        else:
            raise QueryError(f"unsupported SQL: CAST({inner.sql(dialect=_AtlasSQL)} AS "
                             f"{to.sql()}) needs a timestamp string literal")
    for node in list(tree.find_all(exp.CurrentTimestamp)):
        node.replace(_ns_literal(_dt.datetime.now(_UTC).isoformat()))
    # A bare string compared with a time column is read as a timestamp too.
    for cmp in list(tree.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)):
        left, right = cmp.this, cmp.expression
        if _is_time(left) and _is_string(right):
            right.replace(_ns_literal(right.this))
        elif _is_time(right) and _is_string(left):
            left.replace(_ns_literal(left.this))
    for between in list(tree.find_all(exp.Between)):
        if _is_time(between.this):
            for key in ("low", "high"):
                bound = between.args.get(key)
                if _is_string(bound):
                    bound.replace(_ns_literal(bound.this))
    for in_ in list(tree.find_all(exp.In)):
        if _is_time(in_.this):
            for item in list(in_.expressions):
                if _is_string(item):
                    item.replace(_ns_literal(item.this))


def _is_string(node: Optional[exp.Expr]) -> TypeGuard[exp.Literal]:
    return isinstance(node, exp.Literal) and node.is_string


def _is_time(node: Optional[exp.Expr]) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    if node is None:
        return False
    if node.meta.get("vds_kind") == "time":
        return True
    if isinstance(node, (exp.Min, exp.Max, exp.AnyValue)):
        return _is_time(node.this)
    if isinstance(node, exp.Coalesce):
        return _is_time(node.this)
    return False


def _ns_literal(text: str) -> exp.Expr:
    try:
        value = _dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise QueryError(f"unsupported SQL: {text!r} is not a timestamp; use ISO 8601, "
                         "e.g. '2024-01-01T00:00:00Z'") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    ns = (value - _EPOCH) // _dt.timedelta(microseconds=1) * 1000
    literal = exp.Literal.number(ns)
    literal.meta["vds_kind"] = "time"
    return literal


# ------------------------------------------------------------------ output shape
def _outer_selects(query: exp.Expr) -> List[exp.Select]:
    if isinstance(query, exp.SetOperation):
        return _outer_selects(query.left) + _outer_selects(query.right)
    if isinstance(query, exp.Subquery):
        return _outer_selects(query.this)
    return [query] if isinstance(query, exp.Select) else []


def _shape_output(tree: exp.Expr) -> Tuple[Set[int], bool]:
    """Names and wraps the outermost projections.

    Returns the positions holding times and whether columns must be decoded by name
    (a ``*`` over something other than ``readings`` hides the positions).
    """
    time_positions: Set[int] = set()
    by_name = False
    for branch, select in enumerate(_outer_selects(tree)):
        projections: List[exp.Expr] = []
        for projection in select.expressions:
            if _is_star(projection):
                expanded = _expand_star(select, projection)
                if expanded is None:
                    by_name = True
                    projections.append(projection)
                    continue
                for item in expanded:
                    projections.append(_shape_projection(item, len(projections) + 1,
                                                         time_positions, branch))
                continue
            projections.append(_shape_projection(projection, len(projections) + 1,
                                                 time_positions, branch))
        select.set("expressions", projections)
    return time_positions, by_name


def _is_star(projection: exp.Expr) -> bool:
    return isinstance(projection, exp.Star) or (
        isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star))


def _expand_star(select: exp.Select, star: exp.Expr) -> Optional[List[exp.Expr]]:
    """``*`` over a single ``readings`` becomes its columns; otherwise None."""
    from_ = select.args.get("from_")
    if from_ is None or select.args.get("joins"):
        return None
    table = from_.this
    if not (isinstance(table, exp.Table) and table.meta.get("vds_readings")):
        return None
    qualifier = table.alias_or_name
    if isinstance(star, exp.Column) and star.table and star.table != qualifier:
        return None
    columns: List[exp.Expr] = []
    for name in QUERY_COLUMNS:
        column = exp.column(name, table=qualifier, quoted=True)
        column.meta["vds_name"] = name
        if name in _TIME_COLUMNS:
            column.meta["vds_kind"] = "time"
        columns.append(column)
    return columns


def _shape_projection(projection: exp.Expr, position: int, time_positions: Set[int],
                      branch: int) -> exp.Expr:
    if isinstance(projection, exp.Alias):
        value, name = projection.this, projection.alias
    else:
        value = projection
        name = value.meta.get("vds_name") or (
            value.name if isinstance(value, exp.Column) and value.name else f"_{position}")
    if branch == 0 and _is_time(value):
        time_positions.add(position - 1)
    path = value.meta.get("vds_path")
    if path is not None:
        column, qualifier, segments = path
        value = exp.Anonymous(this=_JSON_OUT, expressions=[
            exp.column(column, table=qualifier, quoted=True),
            *(exp.Literal.string(s) for s in segments)])
    elif isinstance(value, exp.Column) and value.name in _DOC_COLUMNS and value.meta.get(
            "vds_name"):
        value = exp.Anonymous(this=_JSON_OUT, expressions=[value])
    return exp.alias_(value, name, quoted=True)


# ------------------------------------------------------------------ scoping
def _point_tables_at_scoped_view(tree: exp.Expr) -> None:
    for table in list(tree.find_all(exp.Table)):
        if table.meta.get("vds_readings"):
            alias = table.alias or "readings"
            table.replace(exp.alias_(exp.to_table(f"temp.{_VIEW_NAME}"), alias, table=True))


def _decode_row(names: List[str], row: Tuple[Any, ...], time_positions: Set[int],
                by_name: bool) -> Dict[str, Any]:
    result: Dict[str, Any] = {}
    for position, (name, value) in enumerate(zip(names, row)):
        if isinstance(value, bytes) and value.startswith(_JSON_MARK):
            value = json.loads(value[len(_JSON_MARK):])
        elif isinstance(value, int) and not isinstance(value, bool) and (
                position in time_positions or (by_name and name in _TIME_COLUMNS)):
            value = _ns_to_utc(value)
        elif by_name and name in _DOC_COLUMNS and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        result[name] = value
    return result


def _ns_to_utc(ns: int) -> _dt.datetime:
    value = ns_to_datetime(ns)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)
