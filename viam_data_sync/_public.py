"""Public names for public objects: ``__module__`` rewritten to the package users import.

Tracebacks, reprs, ``help()`` and the API reference then say ``viam_data_sync.DataClient``
rather than the private module a class is defined in (as httpx does). Pickle finds a
class or function by ``__module__`` + ``__qualname__``, so only objects that the public
module really exports under that qualified name are renamed.
"""
from __future__ import annotations

import inspect
from typing import Any, Iterable, Mapping


def _private(module: str) -> bool:
    return any(part.startswith("_") for part in module.split("."))


def publish(namespace: Mapping[str, Any], names: Iterable[str], module: str) -> None:
    """Set ``__module__`` of each object ``namespace[name]`` defined in a private module
    (one whose dotted name has a part starting with ``_``) to ``module``.

    Example::

        publish(globals(), __all__, __name__)   # in a package's __init__.py
    """
    for name in names:
        obj = namespace[name]
        defined_in = getattr(obj, "__module__", None)
        if not isinstance(defined_in, str) or not _private(defined_in):
            continue
        if getattr(obj, "__qualname__", name) != name:
            continue  # pickle would look for it under another name
        try:
            obj.__module__ = module
        except (AttributeError, TypeError):  # builtins and some extension types refuse
            continue
        if isinstance(obj, type):  # its own methods: module.Cls.method, where pickle finds them
            for member in vars(obj).values():
                function = getattr(member, "__func__", getattr(member, "fget", member))
                if inspect.isfunction(function) and function.__module__ == defined_in:
                    function.__module__ = module


def publish_members(cls: type, module: str) -> None:
    """Show the methods ``cls`` inherits from private base classes (the chapters of
    ``DataClient``) as ``module.Cls.method``, which is also where pickle finds them.
    """
    for base in cls.__mro__[1:]:
        if not _private(base.__module__):
            continue
        for attr, member in vars(base).items():
            function = getattr(member, "__func__", member)  # classmethods, staticmethods
            if attr.startswith("_") or not hasattr(function, "__qualname__") or not callable(function):
                continue
            if next(owner for owner in cls.__mro__ if attr in vars(owner)) is not base:
                continue  # overridden further down the MRO
            function.__module__ = module
            function.__qualname__ = f"{cls.__qualname__}.{attr}"


def publish_nested(cls: type, names: Iterable[str], module: str) -> None:
    """Show the types ``cls`` offers as attributes (``DataClient.TabularData``) as
    ``module.Cls.Name``, which is also where pickle finds them."""
    for name in names:
        nested = getattr(cls, name)
        nested.__module__, nested.__qualname__ = module, f"{cls.__qualname__}.{name}"
