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
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from . import (dates as _dates, ops_arrays as _arrays, ops_convert as _convert, ops_math as _math,
               ops_strings as _strings)
from .errors import AggregationError, UnsupportedError
from .stages import REFUSED_STAGES, STAGES, sort_top

__all__ = ["run_pipeline", "run_stage", "fused_limit", "stage_steps", "pipeline_now", "AggregationError",
           "UnsupportedError", "STAGE_NAMES"]

_ = (_dates, _arrays, _convert, _math, _strings)  # importing them registers their operators

#: The stages this evaluator runs.
STAGE_NAMES = frozenset(STAGES)


def run_stage(documents: List[Dict[str, Any]], stage: Any,
              variables: Optional[Dict[str, Any]] = None, limit: Optional[int] = None) -> List[Dict[str, Any]]:
    """Evaluates one stage document ``{"$name": spec}`` over ``documents``; a ``$sort``
    with ``limit`` (a positive int: the ``$limit`` stage after it) keeps only the first
    ``limit`` documents, found without sorting the others (see :func:`fused_limit`)."""
    if not isinstance(stage, dict) or len(stage) != 1:
        raise AggregationError("a pipeline stage must be a document with exactly one field")
    (name, spec), = stage.items()
    if name in REFUSED_STAGES:
        raise UnsupportedError(name) from None
    fn = STAGES.get(name)
    if fn is None:
        raise UnsupportedError(name)
    scope = dict(variables or {})
    scope.setdefault("NOW", pipeline_now())
    try:
        if limit is not None and name == "$sort":
            return sort_top(documents, spec, limit)
        return fn(documents, spec, scope)
    except UnsupportedError as err:
        if not err.where:
            raise UnsupportedError(err.name, name) from None
        raise
    except AggregationError:
        raise
    except (TypeError, ValueError, ArithmeticError, KeyError, IndexError, AttributeError) as err:
        raise AggregationError(f"invalid MQL in {name}: {type(err).__name__}: {err}") from None


def fused_limit(stages: List[Any], index: int) -> Optional[int]:
    """The ``$limit`` that follows a ``$sort`` at ``index`` when the two can run as one
    top-k (a positive int, not a bool: any other value keeps ``$limit``'s own checks).

    Example:
        >>> fused_limit([{"$sort": {"t": -1}}, {"$limit": 10}], 0)
        10
    """
    if index + 1 >= len(stages) or not isinstance(stages[index], dict) or "$sort" not in stages[index]:
        return None
    after = stages[index + 1]
    if not isinstance(after, dict) or len(after) != 1 or "$limit" not in after:
        return None
    value = after["$limit"]
    return value if type(value) is int and value > 0 else None


def stage_steps(stages: List[Any]) -> Iterator[Tuple[Any, Optional[int]]]:
    """Each stage to run with the ``limit`` to pass :func:`run_stage`: a ``$sort`` with the
    ``$limit`` after it (:func:`fused_limit`) as one step, that ``$limit`` not again.

    Example:
        >>> list(stage_steps([{"$sort": {"t": -1}}, {"$limit": 10}, {"$count": "n"}]))
        [({'$sort': {'t': -1}}, 10), ({'$count': 'n'}, None)]
    """
    index = 0
    while index < len(stages):
        limit = fused_limit(stages, index)
        yield stages[index], limit
        index += 1 if limit is None else 2


def pipeline_now() -> _dt.datetime:
    """``$$NOW`` for one pipeline: one instant for all its stages, as in MongoDB (naive
    UTC, whole seconds)."""
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def run_pipeline(documents: Iterable[Dict[str, Any]], pipeline: List[Any]) -> List[Dict[str, Any]]:
    """Evaluates ``pipeline`` over ``documents`` and returns the resulting documents."""
    docs = list(documents)
    scope = {"NOW": pipeline_now()}
    for stage, limit in stage_steps(pipeline):
        docs = run_stage(docs, stage, scope, limit)
    return docs
