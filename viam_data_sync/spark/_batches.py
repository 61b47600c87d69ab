"""Arrow record batches shaped exactly as Spark declared them.

Spark refuses a batch whose Arrow schema is not the declared one, time zones
included (``TIMESTAMP`` is ``timestamp[us, tz=UTC]``). The columns are built by the
SDK's Arrow builders (:mod:`viam_data_sync._arrow`), then cast to Spark's types;
times are truncated to microseconds, as Spark stores them. ``data`` is the reading
as JSON text (``STRING``) or as a ``STRUCT``/``MAP`` of the declared fields; dotted
columns (``data.readings.temperature``) are the flattened reading fields.
"""
from __future__ import annotations

import json
import warnings
from typing import Any, List, Sequence, Tuple

from viam_data_sync._arrow import _BINARY_COLUMNS, _TIME_COLUMNS, binary_batch, pyarrow, tabular_batch
from viam_data_sync._convert import struct_to_dict
from viam_data_sync._frames import METADATA_COLUMNS

#: The reading column (JSON text by default).
DATA = "data"
#: ``binary``: the file's bytes (null unless the read asks for them).
BINARY = "binary"


def default_ddl(kind: str) -> str:
    """Spark's DDL of the default schema of a ``kind`` source.

    Example::

        default_ddl("tabular")   # 'organization_id STRING, ..., time_received TIMESTAMP, data STRING'
    """
    columns = [f"{name} ARRAY<STRING>" if name == "tags" else f"{name} STRING" for name in METADATA_COLUMNS]
    columns += [f"{name} TIMESTAMP" for name in _TIME_COLUMNS]
    if kind == "tabular":
        columns.append(f"{DATA} STRING")
    else:
        columns += [f"{name} BIGINT" if name == "file_size_bytes" else f"{name} STRING"
                    for name in _BINARY_COLUMNS]
        columns.append(f"{BINARY} BINARY")
    return ", ".join(columns)


def arrow_schema(spark_schema: Any) -> Any:
    """The Arrow schema Spark checks a data source's batches against."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(spark_schema, timezone="UTC")


def check_schema(kind: str, schema: Any) -> None:
    """Refuse, naming them, the columns a ``kind`` source cannot fill.

    Raises:
        ValueError: an unknown column, or ``data`` neither text nor a struct or map.
    """
    pa = pyarrow()
    known = set(METADATA_COLUMNS) | set(_TIME_COLUMNS)
    known |= {DATA} if kind == "tabular" else set(_BINARY_COLUMNS) | {BINARY}
    unknown = [f.name for f in schema if f.name not in known and not (kind == "tabular" and
                                                                      f.name.startswith(f"{DATA}."))]
    if unknown:
        hint = " or flattened reading fields such as `data.readings.temperature`" if kind == "tabular" else ""
        raise ValueError(f"the {kind} source has no column(s) {', '.join(map(repr, unknown))}: "
                         f"its columns are {', '.join(sorted(known))}{hint}")
    if kind == "tabular" and DATA in schema.names:
        type_ = schema.field(DATA).type
        if not (pa.types.is_string(type_) or pa.types.is_large_string(type_) or pa.types.is_struct(type_)
                or pa.types.is_map(type_)):
            raise ValueError(f"column 'data' must be STRING (JSON text), a STRUCT or a MAP, not {type_}")


def _built_as(pa: Any, type_: Any) -> Any:
    """The type the SDK's builders make a column of, before the cast to Spark's."""
    if pa.types.is_timestamp(type_):
        return pa.timestamp("ns", tz="UTC")
    if pa.types.is_integer(type_):
        return pa.float64()  # readings are doubles; whole ones cast exactly
    return type_


def _cast(pa: Any, column: Any, field: Any) -> Any:
    if column.type == field.type:
        return column
    try:
        # Times: ns to Spark's us, truncated as Spark would; everything else exact.
        return column.cast(field.type, safe=not pa.types.is_timestamp(field.type))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise ValueError(f"column {field.name!r}: values do not fit the schema's {field.type}: {exc}") \
            from exc


def _data_column(pa: Any, pairs: Sequence[Tuple[Any, Any]], field: Any) -> Any:
    if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
        # Keys sorted, compact, as the JSON Lines exports write them (the C encoder sorts).
        return pa.array([json.dumps(struct_to_dict(item.data), sort_keys=True, separators=(",", ":"),
                                    ensure_ascii=False) for item, _ in pairs], type=field.type)
    values: List[Any] = [struct_to_dict(item.data) for item, _ in pairs]
    if pa.types.is_map(field.type):
        values = [list(value.items()) for value in values]
    try:
        return pa.array(values, type=field.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as exc:
        raise ValueError(f"column 'data': readings do not fit the schema's {field.type}: {exc}") from exc


def tabular(pairs: Sequence[Tuple[Any, Any]], schema: Any) -> Any:
    """A batch of raw tabular rows (``(item, metadata)`` pairs) with exactly ``schema``."""
    pa = pyarrow()
    built = pa.schema([pa.field(f.name, _built_as(pa, f.type)) for f in schema if f.name != DATA])
    flatten = any(name.startswith(f"{DATA}.") for name in built.names)
    with warnings.catch_warnings():
        # Reading fields the schema leaves out are meant to be left out.
        warnings.simplefilter("ignore", UserWarning)
        wide = tabular_batch(pairs, built, flatten=flatten)
    columns = [_data_column(pa, pairs, f) if f.name == DATA else _cast(pa, wide.column(f.name), f)
               for f in schema]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def binary(items: Sequence[Any], schema: Any) -> Any:
    """A batch of ``BinaryData`` messages with exactly ``schema``."""
    pa = pyarrow()
    wide = binary_batch(items)
    columns = [_cast(pa, wide.column(f.name), f) for f in schema]
    return pa.RecordBatch.from_arrays(columns, schema=schema)
