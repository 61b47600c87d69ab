"""Checks of request values shared by several services (tags, bounding boxes, MQL stages)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from viam_data_sync.server._rpc import invalid
from viam_data_sync.server.store.values import distinct

MAX_TAG_LENGTH = 256


def check_tags(tags: Sequence[str]) -> List[str]:
    if not tags:
        raise invalid("no tags given")
    for tag in tags:
        if not tag or not tag.strip():
            raise invalid("tags must not be empty")
        if len(tag) > MAX_TAG_LENGTH:
            raise invalid(f"tag longer than {MAX_TAG_LENGTH} characters")
    return distinct(tags, "tags")


def check_box(x_min: float, y_min: float, x_max: float, y_max: float, confidence: Optional[float]) -> None:
    for name, value in (
        ("x_min_normalized", x_min),
        ("y_min_normalized", y_min),
        ("x_max_normalized", x_max),
        ("y_max_normalized", y_max),
    ):
        if not 0.0 <= value <= 1.0:
            raise invalid(f"{name} must be within [0, 1], got {value}")
    if not x_min < x_max:
        raise invalid("x_min_normalized must be less than x_max_normalized")
    if not y_min < y_max:
        raise invalid("y_min_normalized must be less than y_max_normalized")
    if confidence is not None and not 0.0 <= confidence <= 1.0:
        raise invalid(f"confidence must be within [0, 1], got {confidence}")


def decode_stages(raw: Sequence[bytes], field: str = "mql_binary", *, required: bool = True,
                  shape: bool = True) -> List[Dict[str, Any]]:
    """BSON stage documents, decoded; with ``shape``, each must be one ``{"$stage": spec}``
    (without, the MQL engine says what is wrong with a stage)."""
    import bson

    if required and not raw:
        raise invalid(f"{field} must hold at least one stage")
    stages = []
    for index, item in enumerate(raw):
        try:
            stage = bson.decode(item)
        except Exception:  # noqa: BLE001 - any decode failure is the caller's
            raise invalid(f"{field}[{index}] is not a valid BSON document") from None
        if shape and (len(stage) != 1 or not next(iter(stage)).startswith("$")):
            raise invalid(f"{field}[{index}] must be one stage: a document with a single $-key")
        stages.append(stage)
    return stages
