"""A MongoSQL query over ``readings`` as an aggregation pipeline, as MongoSQL compiles it.

The plan has two halves so an aggregate without ``GROUP BY`` over no rows still answers
one row (``COUNT(*)`` = 0): ``before`` (data source, ``WHERE``, ``GROUP BY``) and
``after`` (``HAVING``, the SELECT list, ``DISTINCT``, ``ORDER BY``, ``OFFSET``,
``LIMIT``). Each output row is built as ``__row`` then replaces the document, so a
MISSING value leaves its key out of the row, as MongoSQL does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from viam_data_sync.server.store.schema import QUERY_COLUMNS

from .expressions import AGGREGATES, Compiler, timestamp
from .parser import Node, Query, Unsupported

__all__ = ["Plan", "plan"]

_HIDDEN = ("robot_name", "part_name")
_DOCUMENTS = ("data", "additional_parameters", "tags")
_STRING_COLUMNS = ("organization_id", "location_id", "robot_id", "part_id", "component_type",
                   "component_name", "method_name")
_TIME_COLUMNS = ("time_received", "time_requested")


@dataclass
class Plan:
    """The compiled query: pipelines to run and what the engine must do around them."""

    before: List[Dict[str, Any]] = field(default_factory=list)
    after: List[Dict[str, Any]] = field(default_factory=list)
    flatten: Optional[Tuple[str, Optional[int]]] = None  # (separator, depth) of FLATTEN
    empty_group: Optional[Dict[str, Any]] = None  # the one group when no row is left


def plan(query: Query) -> Plan:
    """The pipelines of a parsed query (see :func:`.parser.parse`).

    Example:
        >>> plan(parse("SELECT data.b FROM readings")).before
        [{'$set': {'__row': {'b': '$data.b'}}}, {'$replaceWith': '$__row'}]
    """
    return _Planner(query).build()


class _Planner:
    def __init__(self, query: Query) -> None:
        self.q = query
        self.result = Plan()
        self.names: set = set(QUERY_COLUMNS) | {"_id"}  # type: ignore[type-arg]
        self.qualifiers: set = {"readings"}  # type: ignore[type-arg]
        self.unwind: List[Dict[str, Any]] = []
        self.groups: List[Tuple[Node, Optional[str]]] = []
        self.accumulators: Dict[str, Any] = {}

    # -------------------------------------------------------------- source
    def source(self, node: Optional[Node]) -> None:
        if node is None:
            raise Unsupported("unsupported SQL: a SELECT without FROM; query FROM readings")
        kind = node[0]
        if kind == "table":
            _, parts, alias = node
            if [p.lower() for p in parts] not in (["readings"], ["sensordata", "readings"]):
                raise Unsupported(f"unsupported SQL: unknown table {'.'.join(parts)}; only "
                                  "readings (sensorData.readings) can be queried")
            if alias:
                self.qualifiers = {alias}
            return
        _, inner, options, alias = node
        keys = [key for key, _ in options]
        if len(keys) != len(set(keys)):
            raise Unsupported(f"invalid SQL: a {kind.upper()} option is given twice")
        if kind == "flatten":
            if inner[0] != "table":
                raise Unsupported("unsupported SQL: FLATTEN of something other than readings")
            self.source(inner)
            opts = dict(options)
            self.result.flatten = (opts.get("SEPARATOR", "_"), opts.get("DEPTH"))
            self.names = set()  # any flattened name may exist
        else:
            self.source(inner)
            opts = dict(options)
            if "PATH" not in opts:
                raise Unsupported("invalid SQL: UNWIND needs WITH PATH => field")
            path = self.strip(tuple(opts["PATH"]))
            spec: Dict[str, Any] = {"path": "$" + ".".join(path),
                                    "preserveNullAndEmptyArrays": bool(opts.get("OUTER"))}
            if "INDEX" in opts:
                index = opts["INDEX"]
                if len(index) != 1:
                    raise Unsupported("invalid SQL: UNWIND's INDEX takes a simple name")
                spec["includeArrayIndex"] = index[0]
                self.names = self.names | {index[0]} if self.names else self.names
            self.unwind.append({"$unwind": spec})
        if alias:
            self.qualifiers = {alias}

    def strip(self, parts: Tuple[str, ...]) -> Tuple[str, ...]:
        if len(parts) > 1 and parts[0] in self.qualifiers and parts[0] not in self.names:
            parts = parts[1:]
        for segment in parts:
            if not segment or segment.startswith("$") or "." in segment or "\x00" in segment:
                raise Unsupported(f"unsupported SQL: the field name {segment!r}")
        return parts

    def field(self, parts: Tuple[str, ...]) -> Optional[str]:
        parts = self.strip(parts)
        if self.names and parts[0] not in self.names:
            if parts[0] in _HIDDEN:
                raise Unsupported(f"unsupported SQL: {parts[0]} is not a column of readings "
                                  "(as in the cloud, it is not queryable)")
            return None
        if len(parts) > 1 and parts[0] in QUERY_COLUMNS and parts[0] not in _DOCUMENTS:
            raise Unsupported(f"unsupported SQL: {parts[0]} is not a document; cannot read "
                              f"{'.'.join(parts)}")
        return "$" + ".".join(parts)

    # -------------------------------------------------------------- grouping
    def has_aggregate(self, node: Any) -> bool:
        if isinstance(node, tuple):
            if node and node[0] == "call" and node[1] in AGGREGATES:
                return True
            return any(self.has_aggregate(child) for child in node[1:])
        if isinstance(node, list):
            return any(self.has_aggregate(child) for child in node)
        return False

    def group_field(self, parts: Tuple[str, ...]) -> Optional[str]:
        stripped = self.strip(parts)
        for index, (key, alias) in enumerate(self.groups):
            if alias is not None and len(parts) == 1 and parts[0] == alias:
                return f"$_id.k{index}"
            if key[0] == "field" and self.strip(key[1]) == stripped:
                return f"$_id.k{index}"
        raise Unsupported(f"invalid SQL: {'.'.join(parts)} is neither grouped nor "
                          "aggregated; add it to GROUP BY or use it in an aggregate")

    def accumulate(self, node: Node) -> str:
        name, args = node[1], node[2]
        if len(node) > 3:
            raise Unsupported(f"unsupported SQL: {name}(DISTINCT ...)")
        if len(args) != 1:
            raise Unsupported(f"invalid SQL: {name} takes one argument")
        plain = Compiler(self.field)
        if args[0][0] == "star":
            if name != "COUNT":
                raise Unsupported(f"invalid SQL: {name}(*); only COUNT(*) takes *")
            spec: Any = {"$sum": 1}
        elif name == "COUNT":
            value = plain.expr(args[0])
            spec = {"$sum": {"$cond": [{"$in": [{"$type": value}, ["null", "missing"]]}, 0, 1]}}
        else:
            spec = {_ACCUMULATORS[name]: plain.expr(args[0])}
        key = f"__a{len(self.accumulators)}"
        self.accumulators[key] = spec
        return "$" + key

    # -------------------------------------------------------------- build
    def build(self) -> Plan:
        q = self.q
        self.source(q["source"])
        pre: List[Dict[str, Any]] = list(self.unwind)
        plain = Compiler(self.field)
        if q["where"] is not None:
            if self.has_aggregate(q["where"]):
                raise Unsupported("invalid SQL: an aggregate in WHERE; use HAVING")
            pushed = self.pushdown(q["where"])
            if pushed:  # the store filters these rows in SQLite (see engines/mql.py)
                pre.append({"$match": {"$and": pushed}})
            if len(pushed) != _conjuncts(q["where"]):  # what the pushed part does not say
                pre.append({"$match": {"$expr": {"$eq": [plain.expr(q["where"]), True]}}})
        grouped = bool(q["group"]) or any(self.has_aggregate(v) for v, _ in q["items"]) or \
            self.has_aggregate(q["value"]) or q["having"] is not None
        context = plain
        if grouped:
            self.groups = q["group"]
            for key, _ in self.groups:
                if self.has_aggregate(key):
                    raise Unsupported("invalid SQL: an aggregate in GROUP BY")
            context = Compiler(self.group_field, self.accumulate)
        post: List[Dict[str, Any]] = []
        if q["having"] is not None:
            post.append({"$match": {"$expr": {"$eq": [context.expr(q["having"]), True]}}})
        row, names = self.row(context, grouped)
        post.append({"$set": {"__row": row}})
        if q["distinct"]:
            post += [{"$group": {"_id": "$__row"}}, {"$replaceWith": {"__row": "$_id"}}]
        sort: Dict[str, int] = {}
        keys: Dict[str, Any] = {}
        for index, (key, direction) in enumerate(q["order"]):
            keys[f"__k{index}"] = self.sort_key(key, names, context, bool(q["distinct"]))
            sort[f"__k{index}"] = direction
        if sort:
            post += [{"$set": keys}, {"$sort": sort}]
        if q["offset"]:
            post.append({"$skip": q["offset"]})
        if q["limit"] is not None:
            post.append({"$limit": q["limit"]} if q["limit"] else {"$match": {"$expr": False}})
        post.append({"$replaceWith": {"$mergeObjects": [{}, "$__row"]}})
        if grouped:
            group_id: Any = {f"k{i}": plain.expr(key) for i, (key, _) in enumerate(self.groups)}
            pre.append({"$group": {"_id": group_id or None, **self.accumulators}})
            if not self.groups:
                self.result.empty_group = {"_id": None, **{
                    k: (0 if "$sum" in spec else ([] if "$push" in spec else None))
                    for k, spec in self.accumulators.items()}}
            self.result.before, self.result.after = pre, post
        else:
            self.result.before = pre + post
        return self.result

    def pushdown(self, where: Node) -> List[Dict[str, Any]]:
        """Plain ``$match`` conditions, one per top-level AND of the WHERE that is a
        comparison of an always-present column (strings, times) with a literal, which the
        store runs in SQLite. Each is exactly its SQL condition (the column is never NULL
        or MISSING); unless every conjunct is one, the full WHERE runs after them."""
        if where[0] == "and":
            return self.pushdown(where[1]) + self.pushdown(where[2])
        if where[0] == "in" and not where[3] and where[1][0] == "field":
            column = self.strip(where[1][1])
            if len(column) == 1 and column[0] in _STRING_COLUMNS and all(
                    i[0] == "lit" and isinstance(i[1], str) for i in where[2]):
                return [{column[0]: {"$in": [i[1] for i in where[2]]}}]
            return []
        if where[0] != "cmp" or where[2][0] != "field" or where[1] == "ne":
            return []
        column, value = self.strip(where[2][1]), where[3]
        if len(column) != 1:
            return []
        if column[0] in _STRING_COLUMNS and value[0] == "lit" and isinstance(value[1], str):
            literal: Any = value[1]
        elif column[0] in _TIME_COLUMNS and value[0] == "lit" and isinstance(value[1], str):
            literal = timestamp(value[1])
        elif column[0] in _TIME_COLUMNS and value[0] == "cast" and value[1][0] == "lit" and \
                isinstance(value[1][1], str) and value[2] in ("TIMESTAMP", "BSON_DATE") and \
                value[3] is None and value[4] is None:
            literal = timestamp(value[1][1])
        else:
            return []
        return [{column[0]: {"$" + where[1]: literal}}]

    def row(self, context: Compiler, grouped: bool) -> Tuple[Any, List[str]]:
        q = self.q
        if q["value"] is not None:
            if q["value"][0] != "doc":
                raise Unsupported("unsupported SQL: SELECT VALUE takes a document literal, "
                                  "e.g. SELECT VALUE {'b': data.b}")
            return context.expr(q["value"]), [key for key, _ in q["value"][1]]
        row: Dict[str, Any] = {}
        for position, (value, alias) in enumerate(q["items"], start=1):
            if value[0] == "star":
                if grouped:
                    raise Unsupported("unsupported SQL: SELECT * with GROUP BY or aggregates; "
                                      "name the grouped columns and aggregates")
                if value[1] is not None and value[1] not in self.qualifiers:
                    raise Unsupported(f"invalid SQL: unknown data source {value[1]}")
                if self.result.flatten is not None or not self.names:
                    raise Unsupported("unsupported SQL: SELECT * over FLATTEN; use "
                                      "SELECT VALUE or name the columns")
                for name in (*QUERY_COLUMNS, *sorted(self.names - set(QUERY_COLUMNS) - {"_id"})):
                    row[name] = "$" + name
                continue
            name = alias or (self.strip(value[1])[-1] if value[0] == "field" else
                             value[2] if value[0] == "get" else f"_{position}")
            if name in row:
                raise Unsupported(f"invalid SQL: the result has two columns named {name}; "
                                  "give one an alias with AS")
            if name.startswith("$") or "." in name:
                raise Unsupported(f"unsupported SQL: the column name {name!r}")
            row[name] = context.expr(value)
        return row, list(row)

    def sort_key(self, key: Node, names: List[str], context: Compiler, distinct: bool) -> Any:
        if key[0] == "position":
            if not 1 <= key[1] <= len(names):
                raise Unsupported(f"invalid SQL: ORDER BY {key[1]} is not a column position "
                                  f"(1 to {len(names)})")
            return "$__row." + names[key[1] - 1]
        parts = key[1]
        if len(parts) == 1 and parts[0] in names:
            return "$__row." + parts[0]
        if distinct:
            raise Unsupported("invalid SQL: with SELECT DISTINCT, ORDER BY takes result columns")
        return context.expr(key)


def _conjuncts(where: Node) -> int:
    """How many conditions the WHERE's top-level ANDs join."""
    return _conjuncts(where[1]) + _conjuncts(where[2]) if where[0] == "and" else 1


_ACCUMULATORS = {"SUM": "$sum", "AVG": "$avg", "MIN": "$min", "MAX": "$max",
                 "STDDEV_POP": "$stdDevPop", "STDDEV_SAMP": "$stdDevSamp",
                 "ADD_TO_ARRAY": "$push", "FIRST": "$first", "LAST": "$last"}
