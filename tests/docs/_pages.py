"""The documentation's Markdown: the README and every page under docs/, and the fenced
blocks the tests run (after ``<!-- checked: NAME -->`` or ``<!-- checked-shell: NAME -->``)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

#: A fenced block with the comment line before it (or none) and its language.
_FENCE = re.compile(r"(?:^<!-- (?P<marker>[^\n]*?) -->\n)?^```(?P<lang>[\w-]*)\n(?P<code>.*?)^```", re.S | re.M)


def pages() -> List[Path]:
    """The README and the site's Markdown pages (not the build's output)."""
    return [ROOT / "README.md"] + sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)


def blocks() -> Iterator[Tuple[Path, str, str, str]]:
    """``(page, marker, language, code)`` of every fenced block; ``marker`` is the text
    of the comment line right before it (``""`` for none)."""
    for page in pages():
        for match in _FENCE.finditer(page.read_text(encoding="utf-8")):
            yield page, match["marker"] or "", match["lang"], match["code"]


def checked(kind: str = "checked") -> Dict[str, str]:
    """``{name: code}`` of the blocks marked ``<!-- KIND: NAME -->``; a name is used once."""
    found: Dict[str, str] = {}
    for page, marker, _, code in blocks():
        if marker.startswith(kind + ": "):
            name = marker[len(kind) + 2:].strip()
            assert name not in found, f"{page}: the example name {name!r} is used twice"
            found[name] = code
    return found
