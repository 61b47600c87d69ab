"""The install instructions (the README's install section and the documentation's
install page) are what CI runs (scripts/check_install.py): they must hold every step a
new user needs, with names that match this version."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import viam_data_sync

ROOT = Path(__file__).resolve().parent.parent


def _check_install():
    spec = importlib.util.spec_from_file_location("check_install", ROOT / "scripts" / "check_install.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_installs_the_local_server_too() -> None:
    """The first thing a new user runs gives them ``serve`` and ``LocalDataServer``."""
    [(language, readme)] = _check_install().install_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert language == "bash" and any(re.search(r"pip install '\.\[(\w+,)*server(,\w+)*\]'", c) for c in readme)


def test_the_install_page_shows_the_readme_commands_it_does_not_repeat() -> None:
    page = (ROOT / "docs" / "getting-started" / "install.md").read_text(encoding="utf-8")
    assert "```{include} ../../README.md\n:start-after: <!-- install:start -->\n:end-before: <!-- install:end -->" in page
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    included = readme.split("<!-- install:start -->", 1)[1].split("<!-- install:end -->", 1)[0]
    assert "<!-- install-check" in included and "```bash" in included


def test_the_install_instructions_have_every_step() -> None:
    blocks = _check_install().page_blocks()
    commands = [line for _, body in blocks for line in body]
    shell = [line for language, body in blocks if language == "bash" for line in body]
    notebook = [line for language, body in blocks if language == "python" for line in body]
    assert any(re.search(r"-m build\b", c) for c in shell), commands                     # sdist and wheel
    assert sum(bool(re.search(r"-m venv\b", c)) for c in shell) >= 2, commands            # fresh venvs
    assert any(re.search(r"pip install '\.\[[a-z,]+\]'", c) for c in shell), commands    # from the clone, extras
    assert any(re.search(r'pip install "\$wheel\[server,pandas\]"', c) for c in shell), commands  # wheel, extras
    assert sum(c.endswith("viam-data-sync --help") for c in shell) >= 2, commands
    assert sum("import viam_data_sync" in c for c in shell) >= 2, commands
    assert notebook and all(c.startswith("%pip install ") for c in notebook), notebook
    for line in notebook:  # the wheel's name in the notebook line is this version's
        for version in re.findall(r"viam_data_sync-([^-]+)-py3", line):
            assert version == viam_data_sync.__version__


def test_ci_runs_the_install_check() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/check_install.py" in ci
