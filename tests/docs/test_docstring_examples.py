"""The examples in the public docstrings (what ``help()`` and the API reference show):
each is Python that parses, written for the blocking SDK (no ``await``, no
``asyncio.run``), and an interactive one (``>>>``) gives the output it shows.

test_docstring_examples_run.py runs them against a seeded local server (all but
the ones its ``NOT_RUN`` names, with why: 128 of 134, the interactive one here); the
pages' examples run in test_examples.py."""
from __future__ import annotations

import ast
import doctest
import inspect
import re
import textwrap
from typing import Iterator, List, Tuple

from ..test_public_names import public_objects

_EXAMPLE = re.compile(r"Examples?::\n\n((?:[ \t]+.*\n?|\n)+)")


def docstring_examples() -> Iterator[Tuple[str, str]]:
    """``(public name, example code)`` of every docstring example, each object once."""
    seen, held = set(), []  # held: a bound method's id is reused once it is freed
    for name, obj in public_objects():
        if id(obj) in seen or isinstance(obj, (str, int, float, dict)):
            continue
        seen.add(id(obj))
        held.append(obj)
        for match in _EXAMPLE.finditer(inspect.getdoc(obj) or ""):
            yield name, textwrap.dedent(match.group(1)).strip("\n") + "\n"


def test_there_are_examples_to_check() -> None:
    assert len(list(docstring_examples())) >= 100


def test_every_example_is_blocking_python() -> None:
    problems: List[str] = []
    for name, code in docstring_examples():
        if code.lstrip().startswith(">>>"):
            continue
        try:
            tree = ast.parse(code)
        except SyntaxError as exc:
            problems.append(f"{name}: {exc}")
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Await, ast.AsyncFunctionDef, ast.AsyncWith, ast.AsyncFor)):
                problems.append(f"{name}: line {node.lineno} is async")
            if isinstance(node, ast.Attribute) and node.attr == "run" and getattr(node.value, "id", "") == "asyncio":
                problems.append(f"{name}: line {node.lineno} starts an event loop")
    assert not problems, problems


def test_interactive_examples_give_the_output_they_show() -> None:
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    ran = 0
    for name, code in docstring_examples():
        if not code.lstrip().startswith(">>>"):
            continue
        module = name.rsplit(".", 1)[0] if name.count(".") > 0 else name
        namespace = {}
        exec(f"from {module.split('.')[0]} import *", namespace)  # the public names, as a reader has them
        test = parser.get_doctest(code, namespace, name, None, 0)
        ran += len(test.examples)
        runner.run(test)
    assert ran >= 1 and runner.failures == 0, f"{runner.failures} of {ran} interactive examples differ"
