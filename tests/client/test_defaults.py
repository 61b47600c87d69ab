"""Each default once: the SDK, the CLI, the Airflow provider and Dask read one module
(:mod:`viam_data_sync._defaults`), and a yes/no setting is read one way everywhere."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import viam_data_sync
from viam_data_sync import DataClient, RetryPolicy
from viam_data_sync import _defaults as defaults
from viam_data_sync.cli._main import build_parser
from viam_data_sync.server import LocalDataServer

PACKAGE = Path(viam_data_sync.__file__).parent
#: Facts that must be spelled only in the defaults module (docstrings aside).
FACTS = {defaults.DEFAULT_ADDRESS, defaults.DEFAULT_APP_HOST, defaults.ENV_API_KEY, defaults.ENV_API_KEY_ID,
         defaults.ENV_ADDRESS, defaults.ENV_INSECURE}


def _client_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if parts[0] in ("server", "_proto", "testing") or path.name == "_defaults.py":
            continue
        yield path


def _docstrings(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                yield body[0].value


def test_addresses_and_environment_names_are_spelled_once():
    found = []
    for path in _client_modules():
        tree = ast.parse(path.read_text())
        docs = {id(node) for node in _docstrings(tree)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and id(node) not in docs and node.value in FACTS:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value!r}")
    assert found == []


def test_every_caller_takes_the_same_defaults():
    args = build_parser().parse_args(["sql", "--org-id", "o", "SELECT 1"])
    assert args.timeout == defaults.DEFAULT_TIMEOUT and args.retries == defaults.DEFAULT_MAX_ATTEMPTS
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.deadline) == (defaults.DEFAULT_MAX_ATTEMPTS, defaults.DEFAULT_DEADLINE)
    assert inspect.signature(DataClient.from_api_key).parameters["timeout"].default == defaults.DEFAULT_TIMEOUT
    assert inspect.signature(DataClient.from_api_key).parameters["address"].default == defaults.DEFAULT_ADDRESS
    assert inspect.signature(DataClient.iter_tabular).parameters["page_size"].default == defaults.TABULAR_PAGE_SIZE
    assert inspect.signature(DataClient.iter_binary).parameters["page_size"].default == defaults.BINARY_PAGE_SIZE
    assert inspect.signature(DataClient.iter_mql).parameters["page_size"].default == defaults.MQL_PAGE_SIZE
    from viam_data_sync.airflow import get_provider_info

    fields = get_provider_info()["connection-types"][0]["conn-fields"]
    assert fields["timeout"]["schema"]["default"] == defaults.DEFAULT_TIMEOUT
    assert fields["max_attempts"]["schema"]["default"] == defaults.DEFAULT_MAX_ATTEMPTS
    assert fields["deadline"]["schema"]["default"] == defaults.DEFAULT_DEADLINE


@pytest.mark.parametrize("value, expected", [
    ("1", True), ("true", True), ("YES", True), (" on ", True), (True, True),
    ("0", False), ("", False), (None, False), ("off", False), (False, False),
])
def test_yes_is_read_one_way(value, expected):
    assert defaults.is_yes(value) is expected


def test_from_env_reads_insecure_on_as_the_cli_does(monkeypatch):
    """``VIAM_INSECURE=on`` worked for the CLI only; the SDK took it as TLS."""
    with LocalDataServer(auth=True) as server:
        monkeypatch.setenv(defaults.ENV_API_KEY, server.api_key)
        monkeypatch.setenv(defaults.ENV_API_KEY_ID, server.api_key_id)
        monkeypatch.setenv(defaults.ENV_ADDRESS, server.address)
        monkeypatch.setenv(defaults.ENV_INSECURE, "on")
        with DataClient.from_env() as client:
            assert client.tags_by_filter() == []
