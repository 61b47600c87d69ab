"""MongoDB's own documented aggregation examples, transcribed from its manual.

Each case holds the manual's input documents, pipeline and printed output, and the page
it came from (``source``); nothing here was produced by running an engine. ``order`` is
``"exact"`` unless the manual says the order is unspecified (``"any"``: ``$group``,
``$bucketAuto`` facets, ``$densify``), or ``("sorted", field, direction)`` when only a
sort on that field is promised (ties in any order). A case with ``error`` expects the
pipeline to fail with a message containing that text. Rules the manual states in words
(empty input, null vs missing, comparison order) are cases whose ``source`` quotes it.
"""

from __future__ import annotations

from typing import Any, Dict, List

from . import (edge_rules, operators_arrays, operators_dates, operators_misc, stages_a,
               stages_b, stages_windows)

__all__ = ["CASES", "ERRATA", "MANUAL"]

#: The manual's root; each ``source`` is a page below it.
MANUAL = "https://www.mongodb.com/docs/manual/reference/"

CASES: List[Dict[str, Any]] = [
    *stages_a.CASES, *stages_b.CASES, *stages_windows.CASES, *operators_dates.CASES,
    *operators_arrays.CASES, *operators_misc.CASES, *edge_rules.CASES,
]


#: Cases whose printed output the manual itself contradicts; each says why. Not run.
ERRATA: List[Dict[str, Any]] = [*operators_dates.ERRATA, *operators_misc.ERRATA]
