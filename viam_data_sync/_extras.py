"""Optional extras: what the ``server`` extra brings, and what to say when an extra is missing.

The client needs only grpcio, protobuf, pymongo and tenacity. The local server (and so
``viam-data-sync serve``/``demo`` and the pytest fixtures) also needs the ``server``
extra's SQL and MQL engines. Everything that needs them asks :func:`require_server_extra`,
so a client-only install gets one clear sentence naming the command instead of a
traceback. This module imports neither engine.

viam-data-sync is not on PyPI, so ``pip install 'viam-data-sync[server]'`` would fail:
:func:`install_command` names the command that installs an extra from where this copy
was installed from, as pip recorded it (``direct_url.json``, PEP 610): the clone's
folder (``pip install -e '/src/viam-data-sync[server]'`` for an editable install) or
the wheel file (``pip install '/dl/viam_data_sync-0.1.0-py3-none-any.whl[server]'``).

Example::

    from viam_data_sync._extras import MissingExtraError, require_server_extra

    try:
        require_server_extra()
    except MissingExtraError as exc:
        print(exc)    # the local server needs the 'server' extra: pip install '<source>[server]'
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any, Dict, Optional

# The top-level modules of setup.cfg's `server` extra (keep the two in step).
SERVER_MODULES = ("croniter",)

_DISTRIBUTION = "viam-data-sync"
#: The project folder of this copy, if it runs from a source tree (a clone).
_SOURCE_TREE = Path(__file__).resolve().parent.parent


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _installed_from() -> Optional[Dict[str, Any]]:
    """pip's record of where this copy was installed from (PEP 610), if any."""
    import importlib.metadata
    import json
    here = Path(__file__).resolve().parent
    for dist in importlib.metadata.distributions(name=_DISTRIBUTION):
        text = dist.read_text("direct_url.json")
        if not text:
            continue
        try:
            record = json.loads(text)
        except ValueError:
            continue
        url = record.get("url", "")
        if record.get("dir_info", {}).get("editable") and url.startswith("file:"):
            # An editable install is this copy only if it points at this source tree.
            if Path(_file_url_path(url)).resolve() != here.parent:
                continue
        return dict(record)
    return None


def _file_url_path(url: str) -> str:
    import urllib.parse
    import urllib.request

    return urllib.request.url2pathname(urllib.parse.urlparse(url).path)


def install_command(extra: str) -> str:
    """The ``pip install`` command that adds ``extra`` to this installation.

    From pip's record of the source: ``pip install -e '<clone>[extra]'`` (editable),
    ``pip install '<clone or wheel or sdist>[extra]'`` (a local path),
    ``pip install 'viam-data-sync[extra] @ <url>'`` (a URL or VCS). Without a record,
    a source tree (a clone on ``sys.path``) is named by its folder; otherwise the
    command names the clone or wheel to install from as a placeholder.

    Example::

        >>> install_command("pandas")  # doctest: +SKIP
        "pip install '/home/me/dist/viam_data_sync-0.1.0-py3-none-any.whl[pandas]'"
    """
    try:
        record = _installed_from()
    except Exception:  # a hint must never fail
        record = None
    tree = _SOURCE_TREE if (_SOURCE_TREE / "setup.cfg").is_file() and (_SOURCE_TREE / "viam_data_sync").is_dir() \
        else None
    return command_for(record, extra, tree)


def command_for(record: Optional[Dict[str, Any]], extra: str, source_tree: Optional[Path] = None) -> str:
    """The ``pip install`` command for ``extra``, given pip's ``direct_url.json`` record
    (``None``: none) and the source tree this copy runs from, if any.

    Example::

        >>> command_for({"url": "file:///dl/viam_data_sync-0.1.0-py3-none-any.whl", "archive_info": {}}, "server")
        "pip install '/dl/viam_data_sync-0.1.0-py3-none-any.whl[server]'"
    """
    if record is not None:
        url = str(record.get("url", ""))
        vcs_info = record.get("vcs_info")
        if url.startswith("file:") and vcs_info is None:
            path = _file_url_path(url)
            editable = "-e " if record.get("dir_info", {}).get("editable") else ""
            return f"pip install {editable}{_quote(f'{path}[{extra}]')}"
        if url:
            reference = url
            if isinstance(vcs_info, dict) and vcs_info.get("vcs"):
                vcs = vcs_info["vcs"]
                reference = url if url.startswith(f"{vcs}+") else f"{vcs}+{url}"
                if vcs_info.get("commit_id"):
                    reference += f"@{vcs_info['commit_id']}"
            return f"pip install {_quote(f'{_DISTRIBUTION}[{extra}] @ {reference}')}"
    if source_tree is not None:
        return f"pip install -e {_quote(f'{os.fspath(source_tree)}[{extra}]')}"
    return f"pip install '<your viam-data-sync clone or wheel>[{extra}]'"


def missing_extra_hint(what: str, extra: str) -> str:
    """``"<what> needs the '<extra>' extra: pip install ..."``, the command last.

    Example::

        >>> missing_extra_hint("DataFrame helpers", "pandas")  # doctest: +SKIP
        "DataFrame helpers need the 'pandas' extra: pip install -e '/src/viam-data-sync[pandas]'"
    """
    return f"{what} the {extra!r} extra: {install_command(extra)}"


class MissingExtraError(ImportError):
    """An optional extra is not installed; the message names the command that installs it."""


def missing_extra_message() -> str:
    """The one-line hint for a missing ``server`` extra (what ``serve``/``demo`` print).

    Example::

        print(missing_extra_message())
    """
    return missing_extra_hint("the local server needs", "server")


def require_server_extra() -> None:
    """Import the ``server`` extra's modules, or raise :class:`MissingExtraError`.

    Only a module of the extra that is not installed becomes the hint (chained from the
    original error); any other import failure propagates unchanged.

    Raises:
        MissingExtraError: ``croniter`` is not installed. Its ``name``
            is ``"viam_data_sync.server"``, the package that cannot be imported.
    """
    for module in SERVER_MODULES:
        require_module(module, "the local server needs", "server", name="viam_data_sync.server")


def require_module(module: str, what: str, extra: str, *, name: Optional[str] = None) -> Any:
    """Import and return ``module``, or raise :class:`MissingExtraError` with
    :func:`missing_extra_hint` of ``what`` and ``extra``.

    Only ``module`` itself missing becomes the hint (chained from the original error);
    any other import failure propagates unchanged.

    Raises:
        MissingExtraError: ``module`` is not installed (its ``name``: ``name``, else ``module``).

    Example::

        pq = require_module("pyarrow.parquet", "Parquet output needs", "arrow")
    """
    top = module.partition(".")[0]
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.partition(".")[0] != top:
            raise
        raise MissingExtraError(missing_extra_hint(what, extra), name=name or module) from exc
