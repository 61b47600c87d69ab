"""Errors of the aggregation evaluator.

::

    AggregationError        the pipeline is wrong for its input (MongoDB would fail it too)
    └── UnsupportedError    a stage or operator this evaluator does not run
"""

from __future__ import annotations

__all__ = ["AggregationError", "UnsupportedError"]


class AggregationError(ValueError):
    """A pipeline MongoDB would reject, or an operator applied to a value it refuses."""


class UnsupportedError(AggregationError):
    """A stage or operator the evaluator does not implement; ``name`` is what was not run."""

    def __init__(self, name: str, where: str = "") -> None:
        self.name = name
        self.where = where
        super().__init__(f"unsupported MQL operator: {name}" + (f" in {where}" if where else ""))
