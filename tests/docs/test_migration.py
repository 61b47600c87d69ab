"""The migration page's steps, applied literally to the official SDK's connection
example, give the page's blocking script (which test_examples.py runs); the official
example the page quotes is the one ``viam-sdk`` ships."""
from __future__ import annotations

import inspect
import re
import textwrap

from pathlib import Path

import pytest

from ._pages import DOCS, blocks, checked
from .conftest import Docs
from .test_examples import run_migrated

PAGE = DOCS / "migrating.md"


def official_example() -> str:
    """The "Establish a connection" example of viam-sdk's ``DataClient`` docstring."""
    data_client = pytest.importorskip("viam.app.data_client")
    doc = inspect.getdoc(data_client.DataClient) or ""
    body = doc.split("Establish a connection::\n", 1)[1].split("\n\n\nFor more information", 1)[0]
    return textwrap.dedent(body).strip("\n") + "\n"


def steps() -> list:
    """``(old, new)`` of each row of the table after ``<!-- migration-steps -->``."""
    table = PAGE.read_text().split("<!-- migration-steps -->\n", 1)[1].split("\n\n", 1)[0]
    rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
    pairs = []
    for row in rows:
        old, new = row.split("|")[1:3]
        old_code = re.fullmatch(r"\s*`([^`]+)`\s*", old)
        new_code = re.fullmatch(r"\s*`([^`]+)`\s*", new)
        assert old_code, row
        pairs.append((old_code.group(1), new_code.group(1) if new_code else ""))  # "(delete)"
    return pairs


def test_the_page_quotes_the_official_example_as_viam_sdk_ships_it() -> None:
    [quoted] = [code for page, marker, _, code in blocks() if page == PAGE and marker.startswith("official:")]
    assert quoted == official_example()


def test_the_steps_turn_the_official_example_into_ours() -> None:
    code = official_example()
    assert steps(), "no steps found"
    for old, new in steps():
        assert old in code, f"the step {old!r} -> {new!r} changes nothing"
        code = code.replace(old, new)
    assert code == checked()["migrated-connection"]
    assert "await" not in code and "async " not in code


def test_deleting_only_await_and_asyncio_run_gives_a_script_that_does_nothing(docs: Docs, tmp_path: Path) -> None:
    """Why the page has more steps than that: the old instruction, followed literally,
    gave a script that warns, exits 0 and never runs main()'s body."""
    code = official_example()
    for old, new in steps():
        if old.startswith("from "):
            code = code.replace(old, new)
    code = code.replace("await ", "").replace("asyncio.run(main())", "main()")
    done = run_migrated(docs, code, tmp_path, warnings_as_errors=False)
    assert done.returncode == 0 and done.stdout == "closed 0\n"
    assert "RuntimeWarning: coroutine 'main' was never awaited" in done.stderr
