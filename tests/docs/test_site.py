"""The documentation site builds with zero warnings (broken cross-references included),
its internal links resolve, its reference shows every public member under its public
name, and the README stays a front door whose links all land."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from ._pages import ROOT, blocks
from .conftest import sphinx

from viam_data_sync import DataClient


def test_the_site_builds_without_a_warning(site: Path) -> None:
    assert (site / "index.html").is_file() and (site / "reference" / "client.html").is_file()


def test_the_internal_links_resolve(tmp_path: Path) -> None:
    """Sphinx's link checker, internal links only: CI has no network (conf.py ignores http(s))."""
    pytest.importorskip("sphinx")
    checked = sphinx("linkcheck", tmp_path)
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-4000:]
    report = (tmp_path / "output.txt").read_text() if (tmp_path / "output.txt").exists() else ""
    assert "broken" not in report, report


def public_members() -> set:
    return {name for name in dir(DataClient) if not name.startswith("_") and callable(getattr(DataClient, name))
            and not isinstance(getattr(DataClient, name), type)}


def test_the_reference_has_every_method_of_dataclient_under_its_public_name(site: Path) -> None:
    page = (site / "reference" / "client.html").read_text()
    documented = set(re.findall(r'id="viam_data_sync\.DataClient\.([a-z_]+)"', page))
    assert public_members() <= documented, sorted(public_members() - documented)
    assert len(public_members()) >= 70  # the methods alone (the 82 counts the result types too)


def test_no_page_shows_a_private_module(site: Path) -> None:
    for page in (site / "reference").glob("*.html"):
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        assert not re.search(r"viam_data_sync\.(\w+\.)*_[a-z]\w*\.", text), page.name


def test_every_quoted_excerpt_is_still_in_its_file() -> None:
    for page, marker, _, code in blocks():
        if not marker.startswith("excerpt: "):
            continue
        source = [line.strip() for line in (ROOT / marker.split(": ", 1)[1]).read_text().splitlines()]
        position = 0
        for line in filter(None, (line.strip() for line in code.splitlines())):
            assert line in source[position:], f"{page.name}: {line!r} is no longer in {marker}"
            position = source.index(line, position) + 1


def test_the_readme_is_a_front_door() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    setup = readme.split("## Set up", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in setup.splitlines()] == ["bash scripts/demo.sh",
                                                                           "bash scripts/test.sh"]
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme):
        if not target.startswith(("http://", "https://")):
            assert (ROOT / target).exists(), target

