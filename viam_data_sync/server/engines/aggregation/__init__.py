"""An aggregation-pipeline evaluator that answers as MongoDB does.

``run_pipeline(documents, pipeline)`` evaluates the stages Viam's cloud accepts over
plain documents (dicts as pymongo decodes BSON: naive-UTC datetimes, ObjectId, ...) and
returns the resulting documents; a stage or operator it does not run raises
:class:`UnsupportedError` naming it, a pipeline MongoDB would reject raises
:class:`AggregationError`. Expected behaviour is MongoDB's manual, checked by the corpus
in ``tests/server/mql_corpus``.

Example:
    >>> run_pipeline([{"x": 1}, {"x": 2}], [{"$group": {"_id": None, "n": {"$sum": "$x"}}}])
    [{'_id': None, 'n': 3}]
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, Iterable, List, Optional

from . import (dates as _dates, ops_arrays as _arrays, ops_convert as _convert, ops_math as _math,
               ops_strings as _strings)
from .errors import AggregationError, UnsupportedError
from .stages import REFUSED_STAGES, STAGES

__all__ = ["run_pipeline", "run_stage", "AggregationError", "UnsupportedError", "STAGE_NAMES"]

_ = (_dates, _arrays, _convert, _math, _strings)  # importing them registers their operators

#: The stages this evaluator runs.
STAGE_NAMES = frozenset(STAGES)


def run_stage(documents: List[Dict[str, Any]], stage: Any,
              variables: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    """Evaluates one stage document ``{"$name": spec}`` over ``documents``."""
    if not isinstance(stage, dict) or len(stage) != 1:
        raise AggregationError("a pipeline stage must be a document with exactly one field")
    (name, spec), = stage.items()
    if name in REFUSED_STAGES:
        raise UnsupportedError(name) from None
    fn = STAGES.get(name)
    if fn is None:
        raise UnsupportedError(name)
    scope = dict(variables or {})
    scope.setdefault("NOW", _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None, microsecond=0))
    try:
        return fn(documents, spec, scope)
    except UnsupportedError as err:
        if not err.where:
            raise UnsupportedError(err.name, name) from None
        raise
    except AggregationError:
        raise
    except (TypeError, ValueError, ArithmeticError, KeyError, IndexError, AttributeError) as err:
        raise AggregationError(f"invalid MQL in {name}: {type(err).__name__}: {err}") from None


def run_pipeline(documents: Iterable[Dict[str, Any]], pipeline: List[Any]) -> List[Dict[str, Any]]:
    """Evaluates ``pipeline`` over ``documents`` and returns the resulting documents."""
    docs = list(documents)
    now = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    for stage in pipeline:
        docs = run_stage(docs, stage, {"NOW": now})
    return docs
