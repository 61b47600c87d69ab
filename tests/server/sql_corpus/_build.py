"""Builds a corpus case whose query is ``SELECT VALUE {...} FROM readings``."""

from __future__ import annotations

from typing import Any, Dict, List


def select_value_case(name: str, source: str, docs: List[Dict[str, Any]], select: str,
                      expected: List[Dict[str, Any]]) -> Dict[str, Any]:
    """A case asking ``SELECT VALUE {<select>} FROM readings`` of ``docs``."""
    return {"name": name, "source": source, "docs": docs,
            "query": f"SELECT VALUE {{{select}}} FROM readings", "expected": expected}
