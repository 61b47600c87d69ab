"""What every chapter of :class:`~viam_data_sync.DataClient` stands on.

Each chapter (``tabular.py``, ``binary.py``, ...) is a class typed against
:class:`ClientBase`: all a chapter may use of the client is its :class:`Caller`,
the one call path. Chapters never call each other's public methods; what two
chapters share (a request builder, a page source) lives in the lower module, handed
the caller.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from viam_data_sync._call import Caller


class ClientBase:
    """The state every chapter shares: the caller that sends its RPCs."""

    _caller: Caller


F = TypeVar("F", bound=Callable[..., Any])


def keyword_aliases(**aliases: str) -> Callable[[F], F]:
    """Accept old keyword names (``old=value``) for a parameter, as the official SDK does."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in aliases.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"pass {new}= or {old}=, not both")
                    kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        # functools.wraps keeps the signature for readers; mypy cannot see that wrapper is an F.
        return wrapper  # type: ignore[return-value]

    return decorate

