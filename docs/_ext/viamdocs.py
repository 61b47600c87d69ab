"""Sphinx directives that render facts kept in code, so the pages cannot drift from it.

* ``viam-client-chapters``: ``DataClient``'s methods, one section per chapter (each base
  class of ``DataClient`` is one area of the Data API), then its result types.
* ``viam-proto-messages``: the message and enum classes of ``viam_data_sync.proto``,
  with their protobuf full names and fields.
* ``viam-exit-codes``: the CLI's exit codes, from the table the CLI itself prints;
  ``viam-cli-credentials``: where it reads credentials from, as its ``--help`` says.
* :func:`cli_parser`: the CLI's own parsers, for sphinx-argparse.

A reference to a private path that a public name stands for (a type hint naming
``viam_data_sync._proto...Filter``) resolves to the public name's entry.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import os
from typing import Any, Dict, List, Optional

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

#: Public modules, in the order a private path is tried against them.
PUBLIC_MODULES = ("viam_data_sync", "viam_data_sync.proto", "viam_data_sync.server", "viam_data_sync.testing")
RESULT_TYPES = ("TabularData", "TabularDataPoint", "DatabaseConnection", "DataPipeline", "DataPipelineRun",
                "DataPipelineRunsPage")


class _Generated(SphinxDirective):
    """A directive whose body is reStructuredText made from code."""

    def lines(self) -> List[str]:
        raise NotImplementedError

    def run(self) -> List[nodes.Node]:
        container = nodes.section() if self.name == "viam-client-chapters" else nodes.container()
        nested_parse_with_titles(self.state, StringList(self.lines(), source="<generated>"), container)
        return list(container.children)


def _first_line(obj: Any) -> str:
    return (inspect.getdoc(obj) or "").strip().splitlines()[0].rstrip(".")


def _defined_by(cls: type, name: str) -> type:
    """The class of ``cls``'s MRO whose body defines ``name``."""
    return next(base for base in cls.__mro__ if name in vars(base))


class ClientChapters(_Generated):
    """``DataClient``'s public methods, grouped by the chapter that defines them."""

    def lines(self) -> List[str]:
        from viam_data_sync import DataClient

        out: List[str] = []
        for chapter in DataClient.__mro__[1:]:
            if chapter is object:
                continue
            names = [name for name, member in vars(chapter).items()
                     if not name.startswith("_") and callable(getattr(member, "__func__", member))
                     and _defined_by(DataClient, name) is chapter]
            if not names:
                continue
            title = _first_line(chapter).split(":")[0]
            out += [title, "~" * len(title), ""]
            for name in names:
                out += [f".. automethod:: viam_data_sync.DataClient.{name}", ""]
        title = "Result types"
        out += [title, "~" * len(title), ""]
        for name in RESULT_TYPES:
            out += [f".. autoclass:: viam_data_sync.DataClient.{name}", "   :members:", ""]
        return out


class ProtoMessages(_Generated):
    """The classes of ``viam_data_sync.proto``: messages with their fields, enums with their values."""

    def lines(self) -> List[str]:
        proto = importlib.import_module("viam_data_sync.proto")
        out: List[str] = []
        for name in proto.__all__:
            obj = getattr(proto, name)
            descriptor = getattr(obj, "DESCRIPTOR", None)
            if descriptor is None:
                continue
            if isinstance(obj, type):
                out += [f".. py:class:: viam_data_sync.proto.{name}", ""]
                fields = ", ".join(f"``{field.name}``" for field in descriptor.fields) or "none"
                out += [f"   The message ``{descriptor.full_name}``. Fields: {fields}.", ""]
            else:
                out += [f".. py:data:: viam_data_sync.proto.{name}", ""]
                values = ", ".join(f"``{value.name}`` ({value.number})" for value in descriptor.values)
                out += [f"   The enum ``{descriptor.full_name}``: {values}.", ""]
        return out


class CliCredentials(_Generated):
    """Where the CLI reads its credentials from, as ``--help`` says it."""

    def lines(self) -> List[str]:
        from viam_data_sync.cli._parser import epilog

        credentials = epilog().split("\n\n")[0]
        return ["::", ""] + ["   " + line for line in credentials.splitlines()] + [""]


class ExitCodes(_Generated):
    """The CLI's exit codes as a table."""

    def lines(self) -> List[str]:
        from viam_data_sync.cli._errors import EXIT_CODES

        out = [".. list-table::", "   :header-rows: 1", "", "   * - exit code", "     - meaning"]
        for code, meaning in EXIT_CODES.items():
            out += [f"   * - ``{code}``", f"     - {meaning}"]
        return out + [""]


#: Types documented under another name than where they are defined: private types with a
#: public face, and FleetAdmin (server/admin.py), documented where users import it.
ALIASES = {"viam_data_sync._config.UseClientDefault": "viam_data_sync.USE_CLIENT_DEFAULT",
           "viam_data_sync.server.admin.FleetAdmin": "viam_data_sync.server.FleetAdmin"}


def cli_parser() -> argparse.ArgumentParser:
    """The CLI's parser, as ``viam-data-sync`` builds it, without the epilog each command
    repeats (credentials and exit codes: the CLI page has both once)."""
    from viam_data_sync.cli._main import build_parser

    def strip(parser: argparse.ArgumentParser) -> None:
        parser.epilog = None
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    strip(child)

    # Defaults read the environment (VIAM_APP_ADDRESS, ...): build as a fresh shell would.
    saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith("VIAM_")}
    try:
        parser = build_parser()
    finally:
        os.environ.update(saved)
    strip(parser)
    return parser


def _public_target(target: str) -> Optional[str]:
    """``viam_data_sync.<public module>.<Name>`` for a private path ending in a public name
    (``viam_data_sync._proto.app.data.v1.data_pb2.Filter``, ``data_pb2.Filter``)."""
    if target in ALIASES:
        return ALIASES[target]
    prefix, _, name = target.rpartition(".")
    if not prefix or not any(part.startswith("_") or part.endswith("_pb2") for part in prefix.split(".")):
        return None
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        if name in getattr(module, "__all__", ()):
            return f"{module_name}.{name}"
    return None


def resolve_private_paths(app: Sphinx, env: BuildEnvironment, node: pending_xref,
                          contnode: nodes.Element) -> Optional[nodes.Element]:
    if node.get("refdomain") != "py":
        return None
    public = _public_target(node.get("reftarget", ""))
    if public is None:
        return None
    domain = env.get_domain("py")
    retry = node.deepcopy()
    retry["reftarget"] = public
    builder = app.builder
    return domain.resolve_xref(env, node.get("refdoc", env.docname), builder, "obj", public, retry, contnode)


def setup(app: Sphinx) -> Dict[str, Any]:
    app.add_directive("viam-client-chapters", ClientChapters)
    app.add_directive("viam-proto-messages", ProtoMessages)
    app.add_directive("viam-exit-codes", ExitCodes)
    app.add_directive("viam-cli-credentials", CliCredentials)
    app.connect("missing-reference", resolve_private_paths)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
