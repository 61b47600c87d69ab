"""The store is the local server's only door to its database: no module of
``viam_data_sync`` outside ``viam_data_sync/server/store/`` calls ``execute``,
``executemany`` or ``executescript`` (read by AST, so a call through any name or
wrapping counts)."""

from __future__ import annotations

import ast
import pathlib
from typing import List

import viam_data_sync

PACKAGE = pathlib.Path(viam_data_sync.__file__).parent
STORE = PACKAGE / "server" / "store"
SQL_CALLS = frozenset({"execute", "executemany", "executescript"})


def sql_calls(path: pathlib.Path) -> List[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno} .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS
    ]


def test_only_the_store_calls_execute() -> None:
    outside = [
        call
        for path in sorted(PACKAGE.rglob("*.py"))
        if STORE not in path.parents and "_proto" not in path.parts
        for call in sql_calls(path)
    ]
    assert outside == []


def test_the_check_sees_calls_in_the_store() -> None:
    # The walk would pass vacuously if it found no calls at all.
    inside = [call for path in sorted(STORE.rglob("*.py")) for call in sql_calls(path)]
    assert len(inside) > 50
    assert any(".executescript()" in call for call in inside)
