"""The one batch-halving rule of the client, for fetches by id whose answer may exceed a
message-size limit (``BinaryDataByIDs`` with file bodies): used by ``iter_binary`` and
the binary exporter alike.

A ``RESOURCE_EXHAUSTED`` that reports a size limit (:func:`viam_data_sync._errors.is_size_limit`)
splits the batch in two, each half fetched again the same way; a single item over the
limit goes to ``single`` (the exporter streams it through its signed URL) or, without
one, raises. Any other ``RESOURCE_EXHAUSTED`` (the service asking to slow down) was
already retried by the call layer and is raised as it is.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, TypeVar

from viam_data_sync._errors import ResourceExhausted, is_size_limit

T = TypeVar("T")
R = TypeVar("R")


def fetch_in_halves(fetch: Callable[[List[T]], Dict[str, R]], batch: List[T],
                    single: Optional[Callable[[T], Dict[str, R]]] = None) -> Dict[str, R]:
    """``fetch(batch)``, halving ``batch`` while its answer is over a size limit.

    Example::

        bodies = fetch_in_halves(lambda ids: by_id(client.binary_data_by_ids(ids)), ids)
    """
    try:
        return fetch(batch)
    except ResourceExhausted as exc:
        if not is_size_limit(exc.code, exc.details) or (len(batch) == 1 and single is None):
            raise
        if len(batch) == 1:
            assert single is not None
            return single(batch[0])
        half = len(batch) // 2
        return {**fetch_in_halves(fetch, batch[:half], single), **fetch_in_halves(fetch, batch[half:], single)}


__all__ = ["fetch_in_halves"]
