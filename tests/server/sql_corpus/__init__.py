"""The SQL corpus: documented MongoSQL / Atlas SQL answers recast over ``readings``.

Each case: ``name``, ``source`` (where the answer is documented), ``docs`` (the
readings' ``data``), optional ``times`` ((time_received, time_requested) per document),
``query``, then ``expected`` (rows; compared as a multiset unless ``ordered``) or
``error`` (a fragment of the INVALID_ARGUMENT message)."""

from __future__ import annotations

from typing import Any, Dict, List

from . import clauses, functions, operators, scalar_functions, semantics, strings_and_case, syntax

CASES: List[Dict[str, Any]] = [*semantics.CASES, *syntax.CASES, *functions.CASES,
                              *strings_and_case.CASES, *operators.CASES,
                              *clauses.CASES, *scalar_functions.CASES]
