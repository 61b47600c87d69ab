"""What commands print: SQL/MQL records as JSON Lines or as an aligned table.

JSON encoding is the SDK's (:func:`viam_data_sync._dest.dumps`), so the CLI and
``dest=`` write values the same way; times are RFC 3339 UTC with ``Z``.
"""

from __future__ import annotations

import datetime as _dt
import math
import sys
from typing import Any, List, Mapping, Sequence

from viam_data_sync._dest import dumps
from viam_data_sync._models import iso_utc


def format_table(records: Sequence[Mapping[str, Any]], max_width: int = 40) -> str:
    """Records as an aligned text table (columns in order of first appearance).

    Example::

        format_table([{"a": 1, "b": "x"}])  # 'a  b\\n-  -\\n1  x\\n'
    """
    columns: List[str] = []
    for record in records:
        for key in record:
            if key not in columns:
                columns.append(key)
    if not columns:
        return "(no rows)\n"
    table = [[_cell(record.get(column), max_width) for column in columns] for record in records]
    widths = [max(len(column), *(len(row[i]) for row in table)) for i, column in enumerate(columns)]
    lines = [
        "  ".join(column.ljust(widths[i]) for i, column in enumerate(columns)).rstrip(),
        "  ".join("-" * width for width in widths),
    ]
    lines += ["  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip() for row in table]
    return "\n".join(lines) + "\n"


def _cell(value: Any, max_width: int) -> str:
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value
    elif isinstance(value, _dt.datetime):
        text = iso_utc(value) or ""
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        text = str(int(value))
    else:
        text = dumps(value) if isinstance(value, (dict, list, tuple)) else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= max_width else text[: max_width - 1] + "…"


def print_records(records: Sequence[Mapping[str, Any]], fmt: str) -> None:
    """Write ``records`` to stdout as a table (``fmt="table"``) or one JSON object a line."""
    out = sys.stdout
    if fmt == "table":
        out.write(format_table(records))
    else:
        for record in records:
            out.write(dumps(record) + "\n")
    out.flush()
