"""Every method of the official DataClient API page (the seed .rst) exists on our
DataClient, is blocking, and has the documented parameter names, order and defaults
(extra trailing parameters with defaults are allowed)."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from viam_data_sync import DataClient

_SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "data_client_api.rst"
_VENDORED = Path(__file__).resolve().parents[1] / "data" / "data_client_api.rst"
SEED = _SHARED if _SHARED.is_file() else _VENDORED

_NO_DEFAULT = object()


def _split_top_level(text: str) -> List[str]:
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def _param(text: str) -> Tuple[str, object]:
    name = re.match(r"\s*(\w+)", text).group(1)
    if "=" in text:
        default_text = text.rsplit("=", 1)[1].strip()
        return name, ast.literal_eval(default_text)
    return name, _NO_DEFAULT


def parse_seed() -> Tuple[Dict[str, dict], Dict[str, List[str]]]:
    methods: Dict[str, dict] = {}
    classes: Dict[str, List[str]] = {}
    current_class = None
    lines = SEED.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        cls = re.match(r"^   \.\. py:class:: (\w+)", line)
        if cls:
            current_class = cls.group(1)
            classes[current_class] = []
            continue
        attr = re.match(r"^      \.\. py:(attribute|property):: (\w+)", line)
        if attr and current_class:
            classes[current_class].append(attr.group(2))
            continue
        method = re.match(r"^   \.\. py:method:: (\w+)\((.*)\)", line)
        if method:
            current_class = None
            name, params = method.group(1), method.group(2)
            options = set()
            for following in lines[index + 1 : index + 4]:
                option = re.match(r"^\s+:(\w+):\s*$", following)
                if option:
                    options.add(option.group(1))
            methods[name] = {"params": [_param(p) for p in _split_top_level(params)], "options": options}
    return methods, classes


METHODS, CLASSES = parse_seed()


def test_the_seed_was_parsed():
    assert len(METHODS) >= 34
    assert {"tabular_data_by_filter", "file_upload_from_path", "create_filter"} <= set(METHODS)
    assert set(CLASSES) == {"TabularData", "TabularDataPoint"}


@pytest.mark.parametrize("name", sorted(METHODS))
def test_method_matches_the_seed(name):
    documented = METHODS[name]
    assert hasattr(DataClient, name), f"DataClient.{name} is missing"
    raw = inspect.getattr_static(DataClient, name)
    if "staticmethod" in documented["options"]:
        assert isinstance(raw, staticmethod)
    function = getattr(DataClient, name)
    assert not inspect.iscoroutinefunction(function)
    assert not inspect.iscoroutinefunction(inspect.unwrap(function))
    parameters = list(inspect.signature(function).parameters.values())
    if parameters and parameters[0].name == "self":
        parameters = parameters[1:]
    expected = documented["params"]
    assert [p.name for p in parameters[: len(expected)]] == [n for n, _ in expected], "names or order differ"
    for parameter, (param_name, default) in zip(parameters, expected):
        assert parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.POSITIONAL_ONLY), param_name
        if default is _NO_DEFAULT:
            assert parameter.default is inspect.Parameter.empty, f"{param_name} should be required"
        else:
            assert parameter.default == default and type(parameter.default) is type(default), param_name
    for extra in parameters[len(expected) :]:
        assert extra.default is not inspect.Parameter.empty, f"extra parameter {extra.name} needs a default"
        assert extra.kind is not extra.VAR_POSITIONAL


def test_rpc_methods_take_a_keyword_only_timeout():
    for name in METHODS:
        if name in ("create_filter", "delete_tabular_data_by_filter"):
            continue
        parameter = inspect.signature(getattr(DataClient, name)).parameters.get("timeout")
        assert parameter is not None and parameter.kind is parameter.KEYWORD_ONLY, name


@pytest.mark.parametrize("cls_name", ["TabularData", "TabularDataPoint"])
def test_result_classes_have_the_documented_attributes(cls_name):
    cls = getattr(DataClient, cls_name)
    fields = {f.name for f in dataclasses.fields(cls)}
    for attribute in CLASSES[cls_name]:
        assert attribute in fields or isinstance(inspect.getattr_static(cls, attribute), property), attribute
    assert "__str__" in vars(cls) and "__eq__" in vars(cls)


def test_public_methods_have_google_style_docstrings_with_an_example():
    for name, member in vars(DataClient).items():
        if name.startswith("_") or not callable(getattr(DataClient, name)) or isinstance(member, type):
            continue
        doc = inspect.getdoc(getattr(DataClient, name)) or ""
        assert "Example::" in doc, f"{name} has no example"
        assert "await" not in doc, f"{name}'s example still awaits"
        parameters = [
            p for p in inspect.signature(getattr(DataClient, name)).parameters if p not in ("self", "cls")
        ]
        if parameters and name not in ("close", "from_env", "delete_tabular_data_by_filter", "create_filter"):
            assert "Args:" in doc, f"{name} documents no arguments"
