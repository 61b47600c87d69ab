"""The client-side check for Viam's known issue APP-10891: an SQL ``SELECT`` over
``readings`` whose ``WHERE`` clause does not bound ``time_received`` from below returns
no rows in the cloud. ``tabular_data_by_sql`` warns with
:class:`~viam_data_sync.UnboundedReadingsWarning` before it sends such a query.

The client has no SQL parser (and depends on none, so the check is the same on every
install): this module tokenizes the query, which is enough to see its structure:

* **Tokens:** ``'strings'`` (``''`` escapes a quote), ``"quoted"`` and `` `quoted` ``
  identifiers, ``--`` and ``/* */`` comments, numbers, words and operators. An
  unterminated string, identifier or comment, or a character SQL has no use for,
  means the query does not parse.
* **Parses:** balanced parentheses, one statement (a ``;`` only at the end), it starts
  with ``SELECT`` or ``WITH``, and no operator, comma or clause keyword lacks its
  operand (``SELECT FROM``, ``WHERE`` at the end, ``x = 2 *``, ``a,, b``).
* **Warns** for each ``SELECT`` (subqueries, CTEs and ``UNION`` parts included) whose
  ``FROM`` clause names the table ``readings`` (or ``"readings"``, ``sensorData.readings``)
  and whose own ``WHERE`` clause (parentheses included, subqueries not) has no lower
  bound on ``time_received`` (any qualifier): ``time_received >=``/``>``/``=``/``BETWEEN``,
  or ``<=``/``<``/``= time_received``. A bound anywhere in that clause counts, even
  under an ``OR``: the check stays quiet rather than guess.

Nothing is checked for a query that is not a ``SELECT`` (``DELETE``, ``SHOW``) or that
does not parse: the service answers those itself.

Example::

    >>> unbounded_readings_select("SELECT COUNT(*) FROM readings")
    True
    >>> unbounded_readings_select(
    ...     "SELECT COUNT(*) FROM readings WHERE time_received >= CAST('2025-01-01' AS TIMESTAMP)")
    False
"""
from __future__ import annotations

import os
import re
import sys
import warnings
from types import FrameType
from typing import Any, Dict, List, Optional, Sequence, Union

from viam_data_sync._errors import UnboundedReadingsWarning

#: The warning's text (constant, so Python's default filter shows it once per call site).
MESSAGE = (
    "SQL on readings without a time_received lower bound: the Viam cloud returns no rows for such "
    "queries (known issue APP-10891); add e.g. "
    "\"WHERE time_received >= CAST('2000-01-01T00:00:00Z' AS TIMESTAMP)\""
)

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)
  | (?P<string>'(?:[^']|'')*')
  | (?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<op><=|>=|<>|!=|==|\|\||::|[=<>+\-*/%,.();:])
  | (?P<bad>.)
    """,
    re.VERBOSE | re.DOTALL,
)

#: Clause keywords that end a FROM or WHERE clause.
_CLAUSES = frozenset({"where", "group", "order", "having", "limit", "offset", "qualify", "window", "fetch",
                      "union", "intersect", "except", "from"})
#: Tokens after which an operand must follow.
_NEED_OPERAND = frozenset({"select", "from", "where", "by", "having", "on", "join", "limit", "offset", "as",
                           "and", "or", "not", "in", "like", "between", "is", "union", "intersect", "except",
                           "=", "==", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "||", ",",
                           "::", "."})
#: Tokens that cannot start an operand (so cannot follow one of ``_NEED_OPERAND``).
_BINARY_ONLY = frozenset({"and", "or", "in", "like", "between", "is", "=", "==", "<>", "!=", "<", ">", "<=",
                          ">=", "/", "%", "||", ",", "::", ")", ";"}) | _CLAUSES
_LOWER_AFTER = frozenset({">=", ">", "=", "==", "between"})  # time_received >= x
_LOWER_BEFORE = frozenset({"<=", "<", "=", "=="})  # x <= time_received


class _Token(str):
    """A token: its text, lowercased for words and unquoted for quoted identifiers."""

    kind: str


#: A parsed level: tokens and nested parenthesized groups.
_Node = Union[_Token, "List[_Node]"]


def _tokens(sql: str) -> Optional[List[_Token]]:
    out: List[_Token] = []
    pos = 0
    while pos < len(sql):
        match = _TOKEN.match(sql, pos)
        assert match is not None  # the last alternative matches any character
        pos = match.end()
        kind = match.lastgroup or "bad"
        if kind == "space":
            continue
        if kind == "bad" or (kind == "op" and sql.startswith("/*", match.start())):
            return None  # an unterminated quote or comment, or a stray character
        text = match.group()
        if kind == "word":
            text = text.lower()
        elif kind == "quoted":
            text = text[1:-1].lower()
        token = _Token(text)
        token.kind = kind
        out.append(token)
    return out


def _operand_missing(tokens: Sequence[_Token]) -> bool:
    for index, token in enumerate(tokens):
        if token.kind not in ("word", "op") or token not in _NEED_OPERAND:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token == "*" and index > 0 and tokens[index - 1] in ("select", "(", ",", ".", "distinct"):
            continue  # a wildcard, not a product
        if token == "not" and following in ("in", "like", "between"):
            continue
        if token == "." and following == "*":
            continue
        if following is None or (following.kind in ("word", "op") and following in _BINARY_ONLY):
            return True
        if following == ")" and token != "(":
            return True
    return False


def _tree(tokens: Sequence[_Token]) -> Optional[List[_Node]]:
    root: List[_Node] = []
    stack: List[List[_Node]] = [root]
    for token in tokens:
        if token.kind == "op" and token == "(":
            group: List[_Node] = []
            stack[-1].append(group)
            stack.append(group)
        elif token.kind == "op" and token == ")":
            if len(stack) == 1:
                return None
            stack.pop()
        else:
            stack[-1].append(token)
    return root if len(stack) == 1 else None


def _is(node: _Node, *words: str) -> bool:
    return isinstance(node, _Token) and node.kind == "word" and node in words


def _is_subquery(node: _Node) -> bool:
    return isinstance(node, list) and bool(node) and _is(node[0], "select", "with")


def _clause(level: Sequence[_Node], keyword: str) -> List[_Node]:
    """The nodes after ``keyword`` up to the next clause keyword (same level)."""
    for index, node in enumerate(level):
        if _is(node, keyword):
            out: List[_Node] = []
            for following in level[index + 1:]:
                if isinstance(following, _Token) and following.kind == "word" and following in _CLAUSES:
                    break
                out.append(following)
            return out
    return []


def _names_readings(from_clause: Sequence[_Node]) -> bool:
    for index, node in enumerate(from_clause):
        if isinstance(node, _Token) and node.kind in ("word", "quoted") and node == "readings":
            following = from_clause[index + 1] if index + 1 < len(from_clause) else None
            if following != ".":
                return True
    return False


def _flat(nodes: Sequence[_Node]) -> List[_Token]:
    """The tokens of ``nodes``, parentheses opened, subqueries left out."""
    out: List[_Token] = []
    for node in nodes:
        if isinstance(node, list):
            if not _is_subquery(node):
                out.extend(_flat(node))
        else:
            out.append(node)
    return out


def _bounds_time_received(where: Sequence[_Node]) -> bool:
    tokens = _flat(where)
    for index, token in enumerate(tokens):
        if token.kind not in ("word", "quoted") or token != "time_received":
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if following in _LOWER_AFTER:
            return True
        start = index
        while start >= 2 and tokens[start - 1] == ".":  # readings.time_received, r.time_received
            start -= 2
        if start > 0 and tokens[start - 1] in _LOWER_BEFORE:
            return True
    return False


def _selects(level: List[_Node]) -> List[List[_Node]]:
    """Each SELECT of ``level`` (split at UNION/INTERSECT/EXCEPT), then those nested in it."""
    found: List[List[_Node]] = []
    current: Optional[List[_Node]] = None
    for node in level:
        if _is(node, "select"):
            current = [node]
            found.append(current)
        elif _is(node, "union", "intersect", "except"):
            current = None
        elif current is not None:
            current.append(node)
        if isinstance(node, list):
            found.extend(_selects(node))
    return found


def _parse(sql: str) -> Optional[List[_Node]]:
    tokens = _tokens(sql)
    if not tokens:
        return None
    while tokens and tokens[-1] == ";":
        tokens.pop()
    if not tokens or any(t.kind == "op" and t == ";" for t in tokens):
        return None
    if not _is(tokens[0], "select", "with") or _operand_missing(tokens):
        return None
    return _tree(tokens)


def unbounded_readings_select(sql: str) -> bool:
    """True for a ``SELECT`` that parses and reads ``readings`` without a
    ``time_received`` lower bound in the ``WHERE`` clause of that ``SELECT`` (see the
    module docstring for what counts).

    Example::

        >>> unbounded_readings_select("DELETE FROM readings")
        False
    """
    tree = _parse(sql)
    if tree is None:
        return False
    for select in _selects(tree):
        if _names_readings(_clause(select, "from")) and not _bounds_time_received(_clause(select, "where")):
            return True
    return False


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
#: "Already shown" registries, one per file of the caller's code. ``warnings.warn``
#: keeps one per module instead, and every cell of a notebook runs in one module
#: (``__main__``), so line 1 of a second cell would pass for line 1 of the first.
_REGISTRIES: Dict[str, Dict[Any, Any]] = {}


def _caller_frame() -> Optional[FrameType]:
    """The first frame outside this package (the user's call)."""
    frame: Optional[FrameType] = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
    return frame


def warn_if_unbounded(sql: str) -> None:
    """Warn with :class:`~viam_data_sync.UnboundedReadingsWarning`, attributed to the
    caller's line outside viam-data-sync, if ``sql`` is an unbounded ``readings`` SELECT.

    Python's filters apply as to any warning; by default it is shown once per line of
    the caller's code (each notebook cell counts as its own file).

    Example::

        warn_if_unbounded("SELECT * FROM readings LIMIT 5")   # UnboundedReadingsWarning
    """
    if not unbounded_readings_select(sql):
        return
    frame = _caller_frame()
    if frame is None:
        warnings.warn(MESSAGE, UnboundedReadingsWarning, stacklevel=2)
        return
    filename = frame.f_code.co_filename
    module = frame.f_globals.get("__name__", "<string>")
    warnings.warn_explicit(MESSAGE, UnboundedReadingsWarning, filename, frame.f_lineno, module,
                           _REGISTRIES.setdefault(filename, {}), frame.f_globals)


__all__ = ["MESSAGE", "unbounded_readings_select", "warn_if_unbounded"]
