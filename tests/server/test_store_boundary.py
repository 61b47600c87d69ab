"""The store is the local server's only door to its database: no module of
``viam_data_sync`` outside ``viam_data_sync/server/store/`` calls ``execute``,
``executemany`` or ``executescript`` (read by AST, so a call through any name or
wrapping counts). And the store knows nothing of RPCs: none of its modules imports
grpc or the server's RPC plumbing (it raises its own errors, which ``_rpc.py`` maps)."""

from __future__ import annotations

import ast
import pathlib
from typing import List

import viam_data_sync

PACKAGE = pathlib.Path(viam_data_sync.__file__).parent
STORE = PACKAGE / "server" / "store"
SQL_CALLS = frozenset({"execute", "executemany", "executescript"})


#: Modules the store must not import: the RPC layer's.
RPC_MODULES = ("grpc", "viam_data_sync.server._rpc", "viam_data_sync.server.services", "viam_data_sync.server.web")


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


def rpc_imports(path: pathlib.Path) -> List[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    names += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module]
    return [f"{path.relative_to(PACKAGE.parent)}: {name}" for name in names
            if any(name == rpc or name.startswith(rpc + ".") for rpc in RPC_MODULES)]


def test_the_store_imports_nothing_of_the_rpc_layer() -> None:
    assert [found for path in sorted(STORE.rglob("*.py")) for found in rpc_imports(path)] == []


def test_the_import_check_sees_rpc_imports() -> None:
    # The walk would pass vacuously if it recognised no import at all.
    assert any("viam_data_sync.server._rpc" in found for found in rpc_imports(PACKAGE / "server" / "services" / "data.py"))
