"""Tokens and syntax tree of the MongoSQL (Atlas SQL) subset the local server compiles.

The grammar follows the MongoSQL specification
(https://github.com/mongodb/mongosql/blob/main/docs/spec/spec.md): ``'...'`` strings with
``''`` escapes, backtick or double-quoted identifiers, array ``[...]`` and document
``{'k': v}`` literals, ``FLATTEN``/``UNWIND`` data sources, ``GROUP BY e AS alias``,
``CAST(e AS T, v ON NULL, v ON ERROR)``, ``IS [NOT] MISSING|NULL|NUMBER|...``.
Reserved words (``VALUE`` among them) cannot be used unescaped as names.

A query outside the subset raises :class:`Unsupported` naming the construct; a query
that uses a relational construct (joins, ``WITH``, ``UNION``, subqueries) raises
:class:`Relational`, which the engine refuses naming the construct.

The tree is plain tuples, tagged by their first item, e.g. ``("field", ("data", "b"))``.
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Dict, List, Optional, Tuple

from .lexer import Unsupported, tokenize

__all__ = ["parse", "Unsupported", "Relational", "Node", "Query"]

Node = Tuple[Any, ...]
Query = Dict[str, Any]


class Relational(Exception):
    """A join, ``WITH``, set operation or subquery: refused by the engine, named."""


_COMPARE = {"=": "eq", "==": "eq", "<>": "ne", "!=": "ne", "<": "lt", "<=": "lte", ">": "gt",
            ">=": "gte"}
_IS_TYPES = frozenset({"MISSING", "NULL", "NUMBER", "STRING", "DOCUMENT", "ARRAY", "BOOLEAN",
                       "BOOL", "INT", "INTEGER", "LONG", "BIGINT", "DOUBLE", "REAL", "DECIMAL",
                       "TIMESTAMP", "BSON_DATE", "OBJECTID"})


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.at = 0
        # One instant for every CURRENT_TIMESTAMP of the query (MongoSQL: they are equal),
        # at BSON's millisecond precision.
        now = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
        self.now = now.replace(microsecond=now.microsecond // 1000 * 1000)

    # -------------------------------------------------------------- token helpers
    def peek(self, offset: int = 0) -> Tuple[str, Any, int]:
        return self.tokens[min(self.at + offset, len(self.tokens) - 1)]

    def next(self) -> Tuple[str, Any, int]:
        token = self.tokens[self.at]
        self.at = min(self.at + 1, len(self.tokens) - 1)
        return token

    def is_kw(self, *words: str) -> bool:
        kind, value, _ = self.peek()
        return (kind == "kw" and value in words) or (kind == "id" and value.upper() in words
                                                   and self._soft(value))

    @staticmethod
    def _soft(value: str) -> bool:  # unreserved words used as keywords in one place
        return value.upper() in ("PATH", "INDEX", "SEPARATOR", "DEPTH", "DATE", "TIMESTAMP", "PRECISION",
                                 "BOTH", "LEADING", "TRAILING")

    def take_kw(self, *words: str) -> bool:
        if self.is_kw(*words):
            self.next()
            return True
        return False

    def expect_kw(self, word: str) -> None:
        if not self.take_kw(word):
            self.fail(f"expected {word}")

    def is_op(self, *ops: str) -> bool:
        kind, value, _ = self.peek()
        return kind == "op" and value in ops

    def take_op(self, op: str) -> bool:
        if self.is_op(op):
            self.next()
            return True
        return False

    def expect_op(self, op: str) -> None:
        if not self.take_op(op):
            self.fail(f"expected {op!r}")

    def fail(self, what: str) -> None:
        kind, value, position = self.peek()
        near = "the end of the query" if kind == "end" else repr(str(value))
        line = self.text.count("\n", 0, position) + 1
        column = position - (self.text.rfind("\n", 0, position) + 1) + 1
        raise Unsupported(f"invalid SQL: syntax error at line {line}, column {column} near "
                          f"{near}: {what}")

    def name(self) -> str:
        kind, value, _ = self.peek()
        if kind == "id":
            self.next()
            return str(value)
        if kind == "kw":
            raise Unsupported(f"invalid SQL: {value} is a reserved word; escape it as a name "
                              f"with backticks, e.g. `{value.lower()}`")
        self.fail("expected a name")
        return ""

    # -------------------------------------------------------------- query
    def query(self) -> Query:
        if not self.is_kw("SELECT"):  # WITH, or a statement refused as relational
            raise Relational(str(self.peek()[1]))
        self.expect_kw("SELECT")
        query: Query = {"distinct": False, "value": None, "items": [], "source": None,
                        "where": None, "group": [], "having": None, "order": [],
                        "limit": None, "offset": None}
        if self.take_kw("DISTINCT"):
            query["distinct"] = True
        else:
            self.take_kw("ALL")
        if self.take_kw("VALUE"):
            query["value"] = self.expr()
        elif self.take_kw("VALUES"):
            raise Unsupported("unsupported SQL: SELECT VALUES with several documents; use "
                              "SELECT VALUE")
        else:
            query["items"] = self.select_items()
        if not self.take_kw("FROM"):
            raise Relational("SELECT without FROM")
        if True:
            query["source"] = self.source()
            if self.is_op(",") or self.is_kw("JOIN", "CROSS", "INNER", "LEFT", "RIGHT",
                                             "NATURAL", "FULL"):
                raise Relational("JOIN")
        if self.take_kw("WHERE"):
            query["where"] = self.expr()
        if self.is_kw("GROUP"):
            self.next()
            self.expect_kw("BY")
            query["group"] = self.group_keys()
            if self.take_kw("AGGREGATE"):
                raise Unsupported("unsupported SQL: GROUP BY ... AGGREGATE; write the "
                                  "aggregates in the SELECT list")
        if self.take_kw("HAVING"):
            query["having"] = self.expr()
        if self.is_kw("UNION", "EXCEPT", "INTERSECT"):
            raise Relational(self.peek()[1])
        if self.is_kw("ORDER"):
            self.next()
            self.expect_kw("BY")
            query["order"] = self.order_keys()
        if self.take_kw("LIMIT"):
            first = self.count("LIMIT")
            if self.take_op(","):  # Atlas SQL: LIMIT a, b is LIMIT a OFFSET b
                query["limit"], query["offset"] = first, self.count("LIMIT")
            else:
                query["limit"] = first
        if self.take_kw("OFFSET"):
            query["offset"] = self.count("OFFSET")
        self.take_op(";")
        if self.peek()[0] != "end":
            if self.is_kw("UNION", "EXCEPT", "INTERSECT"):
                raise Relational(self.peek()[1])
            if self.is_kw("SELECT"):
                raise Unsupported("unsupported SQL: multiple statements; send exactly one "
                                  "SELECT")
            self.fail("unexpected text")
        return query

    def count(self, clause: str) -> int:
        kind, value, _ = self.peek()
        if kind != "num" or not value.isdigit():
            self.fail(f"{clause} takes a non-negative integer literal")
        self.next()
        return int(value)

    def select_items(self) -> List[Tuple[Node, Optional[str]]]:
        items: List[Tuple[Node, Optional[str]]] = []
        while True:
            if self.take_op("*"):
                items.append((("star", None), None))
            elif self.peek()[0] == "id" and self.peek(1) == ("op", ".", self.peek(1)[2]) and \
                    self.peek(2)[:2] == ("op", "*"):
                qualifier = self.name()
                self.next()
                self.next()
                items.append((("star", qualifier), None))
            else:
                value = self.expr()
                alias = None
                if self.take_kw("AS"):
                    alias = self.name()
                elif self.peek()[0] == "id":
                    alias = self.name()
                items.append((value, alias))
            if not self.take_op(","):
                return items

    def source(self) -> Node:
        if self.is_kw("FLATTEN", "UNWIND"):
            kind = self.next()[1]
            self.expect_op("(")
            inner = self.source()
            options: List[Tuple[str, Any]] = []
            if self.take_kw("WITH"):
                while True:
                    key = str(self.next()[1]).upper()
                    self.expect_op("=>")
                    options.append((key, self.option_value(kind, key)))
                    if not self.take_op(","):
                        break
            self.expect_op(")")
            alias = self.alias()
            return (kind.lower(), inner, options, alias)
        if self.is_op("("):
            raise Relational("subquery")
        if self.is_op("["):
            raise Unsupported("unsupported SQL: an array literal as a data source; query readings")
        parts = [self.name()]
        while self.take_op("."):
            parts.append(self.name())
        return ("table", parts, self.alias())

    def option_value(self, kind: str, key: str) -> Any:
        if kind == "FLATTEN" and key == "SEPARATOR":
            token = self.next()
            if token[0] != "str":
                raise Unsupported("invalid SQL: FLATTEN's SEPARATOR takes a string literal")
            return token[1]
        if kind == "FLATTEN" and key == "DEPTH":
            token = self.next()
            if token[0] != "num" or not token[1].isdigit():
                raise Unsupported("invalid SQL: FLATTEN's DEPTH takes an integer literal")
            return int(token[1])
        if kind == "UNWIND" and key in ("PATH", "INDEX"):
            parts = [self.name()]
            while self.take_op("."):
                parts.append(self.name())
            return parts
        if kind == "UNWIND" and key == "OUTER":
            if self.take_kw("TRUE"):
                return True
            if self.take_kw("FALSE"):
                return False
            raise Unsupported("invalid SQL: UNWIND's OUTER takes true or false")
        raise Unsupported(f"invalid SQL: {key} is not an option of {kind}")

    def alias(self) -> Optional[str]:
        if self.take_kw("AS"):
            return self.name()
        if self.peek()[0] == "id":
            return self.name()
        return None

    def group_keys(self) -> List[Tuple[Node, Optional[str]]]:
        keys: List[Tuple[Node, Optional[str]]] = []
        while True:
            value = self.expr()
            alias = self.name() if self.take_kw("AS") else None
            keys.append((value, alias))
            if not self.take_op(","):
                return keys

    def order_keys(self) -> List[Tuple[Node, int]]:
        keys: List[Tuple[Node, int]] = []
        while True:
            kind, value, _ = self.peek()
            if kind == "num":
                if not value.isdigit():
                    self.fail("ORDER BY takes a column, an alias or a position")
                self.next()
                key: Node = ("position", int(value))
            elif kind == "id":
                parts = [self.name()]
                while self.take_op("."):
                    parts.append(self.name())
                key = ("field", tuple(parts))
            else:
                self.fail("ORDER BY takes a column, an alias or a position")
            if self.is_op("+", "-", "*", "/", "||", "(", "["):
                self.fail("ORDER BY takes a column, an alias or a position, not an "
                          "expression")
            direction = -1 if self.take_kw("DESC") else (self.take_kw("ASC") and 1) or 1
            keys.append((key, direction))
            if not self.take_op(","):
                return keys

    # -------------------------------------------------------------- expressions
    def expr(self) -> Node:
        return self.or_()

    def or_(self) -> Node:
        left = self.and_()
        while self.take_kw("OR"):
            left = ("or", left, self.and_())
        return left

    def and_(self) -> Node:
        left = self.not_()
        while self.take_kw("AND"):
            left = ("and", left, self.not_())
        return left

    def not_(self) -> Node:
        if self.take_kw("NOT"):
            return ("not", self.not_())
        return self.predicate()

    def predicate(self) -> Node:
        left = self.concat()
        while True:
            if self.is_op(*_COMPARE):
                op = _COMPARE[self.next()[1]]
                if self.is_kw("ANY", "ALL", "SOME"):
                    raise Relational("subquery comparison")
                left = ("cmp", op, left, self.concat())
                continue
            negated = False
            if self.is_kw("NOT") and self.peek(1)[0] == "kw" and self.peek(1)[1] in (
                    "IN", "BETWEEN", "LIKE"):
                self.next()
                negated = True
            if self.take_kw("IS"):
                is_not = self.take_kw("NOT")
                kind, word, _ = self.next()
                word = str(word).upper()
                if word not in _IS_TYPES:
                    raise Unsupported(f"unsupported SQL: IS {word}")
                left = ("is", left, word, is_not)
            elif self.take_kw("IN"):
                self.expect_op("(")
                if self.is_kw("SELECT"):
                    raise Relational("subquery")
                items = [self.expr()]
                while self.take_op(","):
                    items.append(self.expr())
                self.expect_op(")")
                left = ("in", left, items, negated)
            elif self.take_kw("BETWEEN"):
                low = self.concat()
                self.expect_kw("AND")
                left = ("between", left, low, self.concat(), negated)
            elif self.take_kw("LIKE"):
                pattern = self.concat()
                escape = None
                if self.take_kw("ESCAPE"):
                    token = self.next()
                    if token[0] != "str" or len(token[1]) != 1:
                        raise Unsupported("invalid SQL: ESCAPE takes a one-character string")
                    escape = token[1]
                left = ("like", left, pattern, negated, escape)
            else:
                return left

    def concat(self) -> Node:
        left = self.additive()
        while self.take_op("||"):
            left = ("concat", left, self.additive())
        return left

    def additive(self) -> Node:
        left = self.multiplicative()
        while self.is_op("+", "-"):
            op = self.next()[1]
            left = ("arith", op, left, self.multiplicative())
        return left

    def multiplicative(self) -> Node:
        left = self.unary()
        while self.is_op("*", "/", "%"):
            op = self.next()[1]
            left = ("arith", op, left, self.unary())
        return left

    def unary(self) -> Node:
        if self.take_op("-"):
            return ("neg", self.unary())
        if self.take_op("+"):
            return ("pos", self.unary())
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            if self.take_op("["):
                index = self.expr()
                self.expect_op("]")
                if index[0] == "lit" and isinstance(index[1], str):
                    node = _extend(node, index[1])
                else:
                    node = ("index", node, index)
            elif self.is_op(".") and self.peek(1)[0] in ("id", "kw"):
                self.next()
                node = _extend(node, self.name())
            elif self.is_op("::", "::!"):
                self.next()
                node = ("cast", node, self.type_name(), None, None)
            else:
                return node

    def type_name(self) -> str:
        kind, value, _ = self.next()
        word = str(value).upper()
        if word == "DOUBLE" and self.is_kw("PRECISION"):
            self.next()
        return word

    def primary(self) -> Node:
        kind, value, _ = self.peek()
        if kind == "num":
            self.next()
            if re.fullmatch(r"\d+", value) and int(value) < 2**63:
                return ("lit", int(value))
            return ("lit", float(value))
        if kind == "str":
            self.next()
            return ("lit", value)
        if kind == "op" and value == "(":
            self.next()
            if self.is_kw("SELECT"):
                raise Relational("subquery")
            inner = self.expr()
            self.expect_op(")")
            return inner
        if kind == "op" and value == "[":
            self.next()
            items: List[Node] = []
            if not self.take_op("]"):
                items.append(self.expr())
                while self.take_op(","):
                    items.append(self.expr())
                self.expect_op("]")
            return ("array", items)
        if kind == "op" and value == "{":
            self.next()
            pairs: List[Tuple[str, Node]] = []
            if not self.take_op("}"):
                while True:
                    token = self.next()
                    if token[0] not in ("str", "id"):
                        raise Unsupported("invalid SQL: a document literal's keys are "
                                          "strings, e.g. {'a': 1}")
                    self.expect_op(":")
                    pairs.append((str(token[1]), self.expr()))
                    if not self.take_op(","):
                        break
                self.expect_op("}")
            return ("doc", pairs)
        if kind == "op" and value == "?":
            raise Unsupported("unsupported SQL: query parameters (?) are not supported; "
                              "inline the values")
        if kind == "kw":
            return self.keyword_primary(value)
        if kind == "id":
            if value.upper() in ("TIMESTAMP", "DATE") and self.peek(1)[0] == "str":
                self.next()
                return ("cast", ("lit", self.next()[1]), "TIMESTAMP", None, None)
            if self.peek(1)[:2] == ("op", "("):
                return self.call(self.name())
            return ("field", (self.name(),))
        self.fail("expected an expression")
        return ("lit", None)

    def keyword_primary(self, word: str) -> Node:
        self.next()
        if word in ("TRUE", "FALSE"):
            return ("lit", word == "TRUE")
        if word == "NULL":
            return ("lit", None)
        if word == "MISSING":
            return ("missing",)
        if word == "CURRENT_TIMESTAMP":
            if self.take_op("("):  # an optional precision, e.g. CURRENT_TIMESTAMP(3)
                if self.peek()[0] == "num":
                    self.next()
                self.expect_op(")")
            return ("now", self.now)
        if word == "TRIM":
            return self.trim()
        if word == "CASE":
            operand = None if self.is_kw("WHEN") else self.expr()
            branches: List[Tuple[Node, Node]] = []
            while self.take_kw("WHEN"):
                condition = self.expr()
                self.expect_kw("THEN")
                branches.append((condition, self.expr()))
            otherwise = self.expr() if self.take_kw("ELSE") else None
            self.expect_kw("END")
            return ("case", operand, branches, otherwise)
        if word == "CAST":
            self.expect_op("(")
            value = self.expr()
            self.expect_kw("AS")
            target = self.type_name()
            on_null = on_error = None
            while self.take_op(","):
                fallback = self.expr()
                self.expect_kw("ON")
                if self.take_kw("NULL"):
                    on_null = fallback
                elif self.take_kw("ERROR"):
                    on_error = fallback
                else:
                    self.fail("expected ON NULL or ON ERROR")
            self.expect_op(")")
            return ("cast", value, target, on_null, on_error)
        if word == "EXTRACT":
            self.expect_op("(")
            unit = str(self.next()[1]).upper()
            self.expect_kw("FROM")
            value = self.expr()
            self.expect_op(")")
            return ("extract", unit, value)
        if word == "POSITION":
            self.expect_op("(")
            needle = self.concat()
            self.expect_kw("IN")
            haystack = self.expr()
            self.expect_op(")")
            return ("call", "POSITION", [needle, haystack])
        if word == "SUBSTRING":
            self.expect_op("(")
            text = self.expr()
            args = [text]
            if self.take_kw("FROM"):
                args.append(self.expr())
                if self.take_kw("FOR"):
                    args.append(self.expr())
            else:
                while self.take_op(","):
                    args.append(self.expr())
            self.expect_op(")")
            return ("call", "SUBSTRING", args)
        if word == "EXISTS":
            raise Relational("EXISTS")
        if word in ("LEFT", "RIGHT") and self.is_op("("):
            raise Unsupported(f"unsupported SQL: the function {word}")
        raise Unsupported(f"invalid SQL: {word} is a reserved word; escape it as a name with "
                          f"backticks, e.g. `{word.lower()}`")

    def trim(self) -> Node:
        """``TRIM([BOTH|LEADING|TRAILING] [chars] FROM text)`` or ``TRIM(text)``."""
        self.expect_op("(")
        side = str(self.next()[1]).upper() if self.is_kw("BOTH", "LEADING", "TRAILING") \
            else "BOTH"
        chars: Node = ("lit", " ")
        if self.take_kw("FROM"):
            text = self.expr()
        else:
            text = self.expr()
            if self.take_kw("FROM"):
                chars, text = text, self.expr()
        self.expect_op(")")
        return ("call", f"TRIM {side}", [text, chars])

    def call(self, name: str) -> Node:
        upper = name.upper()
        self.expect_op("(")
        distinct = self.take_kw("DISTINCT")
        args: List[Node] = []
        if self.take_op("*"):
            args.append(("star", None))
        elif not self.is_op(")"):
            args.append(self.date_unit_or_expr(upper))
            while self.take_op(","):
                args.append(self.expr())
        self.expect_op(")")
        if distinct:
            return ("call", upper, args, "DISTINCT")
        return ("call", upper, args)

    def date_unit_or_expr(self, function: str) -> Node:
        if function in ("DATEADD", "DATEDIFF", "DATETRUNC", "TIMESTAMPADD", "TIMESTAMPDIFF",
                        "TIMESTAMPTRUNC"):
            return ("unit", str(self.next()[1]).upper())
        return self.expr()


def _extend(node: Node, segment: str) -> Node:
    if node[0] == "field":
        return ("field", node[1] + (segment,))
    return ("get", node, segment)


def parse(text: str) -> Query:
    """The query's tree; :class:`Unsupported` or :class:`Relational` otherwise.

    Example:
        >>> parse("SELECT data.b FROM readings")["items"]
        [(('field', ('data', 'b')), None)]
    """
    try:
        return _Parser(text).query()
    except RecursionError:
        raise Unsupported("unsupported SQL: the query is nested too deeply") from None
