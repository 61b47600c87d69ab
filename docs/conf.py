"""Sphinx configuration of the documentation site (``bash scripts/docs.sh`` builds it).

Sphinx reads the docstrings (autodoc, Google style through napoleon), myst-parser the
Markdown pages, sphinx-argparse the CLI's own parsers; ``_ext/viamdocs.py`` renders the
facts that live in code (DataClient's chapters, the message classes, the exit codes).
The build runs with ``-W --keep-going -n``: a warning or a broken cross-reference fails.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))

import viam_data_sync  # noqa: E402

project = "viam-data-sync"
author = "viam-data-sync contributors"
copyright = "viam-data-sync contributors"
release = version = viam_data_sync.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "myst_parser",
    "sphinxarg.ext",
    "viamdocs",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

html_theme = "furo"
html_title = f"viam-data-sync {release}"
html_static_path: list = []
html_copy_source = False
html_show_sourcelink = False

# The reference documents the public names only, Google-style docstrings, type hints
# in the signature (so they are readable in help() too).
autodoc_default_options = {"members": True}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True  # "Attributes:" as fields: autodoc documents the members themselves

# No network here, so no intersphinx: names of other projects (the standard library,
# grpc, protobuf, pyarrow, pandas, Airflow, Dask) are not cross-referenced. Every name
# of ours must resolve (nitpicky), which is what keeps the reference from rotting.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(typing|typing_extensions|collections\.abc|abc|enum|os|io|datetime|dt|pathlib|logging|"
               r"concurrent|threading|warnings|types|argparse|json|grpc|google|pyarrow|pa|pandas|pd|"
               r"polars|duckdb|dask|airflow|pendulum|tenacity|bson|pymongo|viam|tqdm|random|_dt)(\..*)?"),
    (r"py:class", r"(Any|Optional|Union|Callable|Iterator|Iterable|Sequence|Mapping|Dict|List|Tuple|Type|"
                  r"TypeVar|T|R|_T|Self|NoReturn|Literal|ClassVar|Protocol|Generic|NamedTuple|TracebackType|"
                  r"int|str|float|bool|bytes|bytearray|memoryview|object|dict|list|tuple|set|frozenset|type|"
                  r"None|BinaryIO|IO|PathLike|Path|Exception|BaseException|ValueError|TypeError|ImportError|"
                  r"UserWarning|Warning|RuntimeError|OSError|FileNotFoundError|datetime|timedelta|timezone|"
                  r"Enum|IntEnum|RpcError|StatusCode|Channel|Message|Struct|Timestamp|ServerInterceptor|"
                  r"PathLike\[str\]|Decimal|Generator)"),
    (r"py:class", r"viam_data_sync\._(iterators|row_iterator|filter_iterator)\.T"),  # the type variable of the generic iterators
    # The page source an iterator's constructor takes: private (the client's chapters
    # build iterators; users never call these constructors).
    (r"py:class", r"viam_data_sync\._pages\.(FilterPageSource|KeysetPageSource|StreamSource)"),
    (r"py:(exc|obj|data|func|meth|attr)", r"(ValueError|TypeError|ImportError|KeyError|RuntimeError|OSError|"
                                          r"FileNotFoundError|IsADirectoryError|StopIteration|None|True|False|"
                                          r"NotImplemented|UserWarning|DeprecationWarning)"),
]

linkcheck_ignore = [r"https?://.*"]  # no network: internal links only (the builder checks anchors and files)
linkcheck_anchors = True
