"""A user's SQL, run read-only by the store over an organization-scoped view.

The SQL engine's relational path (``engines/sql_relational.py``) parses and checks the query and rewrites it against the
TEMP view; this module creates that view (the caller's organizations' ``readings``
rows, with the query columns), installs the authorizer that lets the statement read
stored rows only through it, bounds its time, and runs it.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from typing import Any, List, Optional, Sequence, Tuple

from viam_data_sync.server._query_errors import QueryError, QueryLimitHit
from viam_data_sync.server.store.schema import QUERY_COLUMNS

#: The TEMP view each query reads instead of ``readings``: the caller's rows only.
VIEW_NAME = "__vds_readings"
JSON_OUT = "vds_json_out"
JSON_MARK = b"\x00vds-json\x00"
_FETCH_BATCH = 500
TIME_COLUMNS = {"time_requested": "time_requested_ns", "time_received": "time_received_ns"}
#: Stored column behind each queryable column.
STORED = {c: TIME_COLUMNS.get(c, "method_parameters" if c == "additional_parameters" else c)
           for c in QUERY_COLUMNS}


def _view_sql(organization_ids: Sequence[str]) -> str:
    """The TEMP view of the caller's ``readings`` rows, exposing the query columns.

    Organization ids are inlined as SQL string literals (a view takes no parameters).
    """
    columns = ", ".join(
        f'"{STORED[c]}" AS "{c}"' if STORED[c] != c else f'"{c}"' for c in QUERY_COLUMNS)
    literals = ["'" + o.replace("'", "''") + "'" for o in organization_ids if "\x00" not in o]
    # No organization: IN (NULL) matches nothing (a constant-false WHERE would be folded
    # away and the authorizer would then see the read without the view around it).
    condition = f"organization_id IN ({', '.join(literals or ['NULL'])})"
    return f"CREATE TEMP VIEW {VIEW_NAME} AS SELECT {columns} FROM main.readings WHERE {condition}"


# ------------------------------------------------------------------ execution
def _json_out(*args: Any) -> Any:
    """SQLite function: the JSON value at a path, marked when SQL has no type for it."""
    text = args[0]
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return text
    for segment in args[1:]:
        if not isinstance(value, dict) or segment not in value:
            return None
        value = value[segment]
    if isinstance(value, (dict, list, bool)):
        return JSON_MARK + json.dumps(value, separators=(",", ":")).encode()
    return value


_ALLOWED_READS = frozenset(STORED.values())

#: The SQL functions a query may call: SQLite's core scalar, aggregate, window, date,
#: math and JSON functions, and our own. Anything else is refused, whatever the SQLite
#: build offers: ``load_extension``, ``fts3_tokenizer`` (which reads and writes a pointer
#: in the worker's process), ``sqlite_*`` introspection, and what a future build adds.
ALLOWED_FUNCTIONS = frozenset({
    # scalar
    "abs", "char", "coalesce", "concat", "concat_ws", "format", "glob", "hex", "ifnull", "iif", "if",
    "instr", "length", "like", "likelihood", "likely", "lower", "ltrim", "max", "min", "nullif",
    "octet_length", "printf", "quote", "replace", "round", "rtrim", "sign", "substr", "substring",
    "trim", "typeof", "unhex", "unicode", "unlikely", "upper",
    # aggregate
    "avg", "count", "group_concat", "string_agg", "sum", "total",
    # window
    "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
    "first_value", "last_value", "nth_value",
    # date and time
    "date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff",
    # math
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "ceiling", "cos", "cosh",
    "degrees", "exp", "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow", "power", "radians",
    "sin", "sinh", "sqrt", "tan", "tanh", "trunc",
    # JSON (reading and building values; json_each/json_tree are tables, not functions)
    "json", "json_array", "json_array_length", "json_extract", "json_object", "json_quote",
    "json_type", "json_valid", "json_group_array", "json_group_object", "json_patch", "json_insert",
    "json_replace", "json_set", "json_remove", "jsonb", "json_error_position", "json_pretty",
    # ours
    JSON_OUT,
})


def _authorize(action: int, arg1: Optional[str], arg2: Optional[str], db: Optional[str],
               view: Optional[str]) -> int:
    """The database layer's half of the scoping: whatever the parser let through, the
    statement may read stored rows only through the caller's TEMP view."""
    if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_RECURSIVE):
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_READ:
        if db is None:  # a column of a CTE or subquery: computed by this statement
            return sqlite3.SQLITE_OK
        if db == "temp" and arg1 == VIEW_NAME:
            return sqlite3.SQLITE_OK
        if (db == "main" and arg1 == "readings" and view == VIEW_NAME
                and (not arg2 or arg2 in _ALLOWED_READS)):
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_OK if (arg2 or "").lower() in ALLOWED_FUNCTIONS else sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_DENY


def execute_scoped(conn: sqlite3.Connection, sql: str, organization_ids: List[str], max_rows: int,
                   time_limit_s: float = 30.0) -> Tuple[List[str], List[Tuple[Any, ...]]]:
    """Run one SELECT (SQLite, written by the SQL engine against the TEMP view) with
    only the organizations' readings visible: the view is created for the call, an
    authorizer lets the statement read stored rows only through it, and a progress
    handler interrupts it after ``time_limit_s``. Returns (column names, rows);
    :class:`QueryError` (or :class:`QueryLimitHit`) when SQLite refuses or stops it."""
    deadline = time.monotonic() + time_limit_s
    conn.create_function(JSON_OUT, -1, _json_out, deterministic=True)
    conn.execute(f"DROP VIEW IF EXISTS temp.{VIEW_NAME}")
    conn.execute(_view_sql(organization_ids))
    conn.set_authorizer(_authorize)
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    cursor = conn.cursor()
    cursor.row_factory = None
    try:
        cursor.execute(sql)
        names = [d[0] for d in cursor.description or ()]
        rows: List[Tuple[Any, ...]] = []
        while True:
            batch = cursor.fetchmany(_FETCH_BATCH)
            if not batch:
                break
            rows.extend(batch)
            if len(rows) > max_rows:
                raise QueryError(f"result too large: more than {max_rows} rows; add LIMIT")
        return names, rows
    except sqlite3.Error as err:
        message = str(err)
        if "interrupted" in message:
            raise QueryLimitHit("time", f"query took longer than {time_limit_s:g} s (query_timeout); narrow it "
                                "with WHERE or LIMIT") from None
        if "out of memory" in message or "too big" in message:
            raise QueryLimitHit("memory", "the query needed more memory than the server allows it "
                                "(query_memory_bytes); narrow it with WHERE or LIMIT") from None
        refused = re.match(r"not authorized to use function: (\w+)$", message)
        if refused:
            raise QueryError(f"unsupported SQL: the function {refused.group(1).lower()} is not offered by the "
                             "local server") from None
        if "not authorized" in message or "prohibited" in message:
            raise QueryError("unsupported SQL: the query reads something other than the "
                             "readings columns or writes") from None
        hidden = re.match(r"no such column: (?:\w+\.)?(robot_name|part_name)$", message)
        if hidden:
            raise QueryError(f"unsupported SQL: {hidden.group(1)} is not a column of readings "
                             "(as in the cloud, it is not queryable)") from None
        raise QueryError(f"SQL error: {_public_message(message)}") from None
    finally:
        cursor.close()
        conn.set_progress_handler(None, 0)
        conn.set_authorizer(None)
        conn.execute(f"DROP VIEW IF EXISTS temp.{VIEW_NAME}")


def _public_message(message: str) -> str:
    """SQLite's message without our internal names."""
    return re.sub(rf"\b(?:temp\.)?{VIEW_NAME}\b", "readings", message)
