"""Arrow output: ``pyarrow`` record batches built column by column from pages.

pyarrow is optional (the ``arrow`` extra): this module imports it only inside its
functions, so importing the SDK never does. Columns are built per page from the raw
rows the iterators fetch, ``(TabularData message, CaptureMetadata)`` pairs: the capture
metadata, shared by the rows of a page, is turned into values once per distinct
message and spread with ``take``; the readings are flattened straight from the
protobuf ``Struct``; no row dict is made.

Schema of tabular data: the capture metadata columns (``METADATA_COLUMNS`` of the
DataFrame helpers: ``organization_id`` ... ``method_name``, ``tags``), then
``time_requested`` and ``time_received`` (``timestamp[ns, UTC]``), then the reading
fields as dotted columns (``data.readings.temperature``) in name order. Struct numbers
are ``float64``, strings ``string``, booleans ``bool``; lists are JSON text. A field
null throughout what the schema is inferred from is typed ``string``; pass
``schema=`` (e.g. ``DataClient.arrow_schema(plan)``, which unifies samples of every
partition) to fix it. A partition of a plan carries the schema settled when the plan
was made (:func:`schema_bytes`), and its iterator uses it when no ``schema=`` is given.
"""
from __future__ import annotations

import itertools
import json
import logging
import warnings
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from viam_data_sync._extras import require_module
from viam_data_sync._frames import METADATA_COLUMNS

_LOG = logging.getLogger("viam_data_sync")
_TIME_COLUMNS = ("time_requested", "time_received")
_BINARY_COLUMNS = ("binary_data_id", "file_name", "file_ext", "uri", "file_size_bytes")
#: Default rows per record batch of ``iter_batches``.
DEFAULT_BATCH_ROWS = 10_000


def pyarrow() -> Any:
    """The ``pyarrow`` module, or an ``ImportError`` naming the extra to install."""
    return require_module("pyarrow", "Arrow output needs", "arrow")


def _ns(ts: Any) -> Optional[int]:
    if not ts.seconds and not ts.nanos:
        return None
    return int(ts.seconds) * 1_000_000_000 + int(ts.nanos)


def _flatten(struct: Any, prefix: str, row: int, columns: Dict[str, List[Any]]) -> None:
    """Append the ``Struct``'s leaves to ``columns`` (dotted names) at position ``row``."""
    for key, value in struct.fields.items():
        name = f"{prefix}.{key}"
        kind = value.WhichOneof("kind")
        if kind == "struct_value":
            _flatten(value.struct_value, name, row, columns)
            continue
        if kind == "number_value":
            leaf: Any = value.number_value
        elif kind == "string_value":
            leaf = value.string_value
        elif kind == "bool_value":
            leaf = value.bool_value
        elif kind == "list_value":
            from viam_data_sync._convert import value_to_python

            leaf = json.dumps(value_to_python(value), default=str)
        else:
            leaf = None
        column = columns.get(name)
        if column is None:
            column = columns[name] = [None] * row
        elif len(column) < row:
            column.extend([None] * (row - len(column)))
        column.append(leaf)


def _metadata_arrays(pa: Any, metadatas: Sequence[Any]) -> Dict[str, Any]:
    """The capture metadata columns, built once per distinct message and spread."""
    slots: Dict[int, int] = {}
    distinct: List[Any] = []
    indices: List[int] = []
    for md in metadatas:
        slot = slots.get(id(md))
        if slot is None:
            slot = slots[id(md)] = len(distinct)
            distinct.append(md)
        indices.append(slot)
    take = pa.array(indices, type=pa.int32())
    arrays: Dict[str, Any] = {}
    for name in METADATA_COLUMNS:
        if name == "tags":
            values = pa.array([list(md.tags) for md in distinct], type=pa.list_(pa.string()))
        else:
            values = pa.array([getattr(md, name, "") for md in distinct], type=pa.string())
        arrays[name] = values.take(take)
    return arrays


def _typed(pa: Any, name: str, values: List[Any], type_: Any) -> Any:
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        values = [v if v is None or isinstance(v, str) else json.dumps(v) for v in values]
    try:
        return pa.array(values, type=type_)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as exc:
        raise ValueError(f"column {name!r}: values do not fit the schema's {type_}: {exc}") from exc


def _inferred(pa: Any, name: str, values: List[Any]) -> Any:
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return pa.nulls(len(values))  # typed by unify_schemas / _settled
    if kinds == {bool}:
        return pa.array(values, type=pa.bool_())
    if kinds <= {float, int}:
        return pa.array(values, type=pa.float64())
    return _typed(pa, name, values, pa.string())


def tabular_batch(pairs: Sequence[Tuple[Any, Any]], schema: Any = None, *, flatten: bool = True) -> Any:
    """A ``pyarrow.RecordBatch`` of raw tabular rows (``(item, metadata)`` pairs).

    With ``schema``, exactly its columns, in its order (a reading field it does not
    name is dropped with a warning); without, the schema inferred from these rows.
    ``flatten=False`` leaves the reading fields out (for a schema that names none).
    """
    pa = pyarrow()
    n = len(pairs)
    arrays = _metadata_arrays(pa, [md for _, md in pairs])
    stamp = pa.timestamp("ns", tz="UTC")
    arrays["time_requested"] = pa.array([_ns(item.time_requested) for item, _ in pairs], type=pa.int64()).cast(stamp)
    arrays["time_received"] = pa.array([_ns(item.time_received) for item, _ in pairs], type=pa.int64()).cast(stamp)
    readings: Dict[str, List[Any]] = {}
    for row, (item, _) in enumerate(pairs if flatten else ()):
        _flatten(item.data, "data", row, readings)
    for column in readings.values():
        column.extend([None] * (n - len(column)))
    if schema is None:
        for name in sorted(readings):
            arrays[name] = _inferred(pa, name, readings[name])
        return pa.RecordBatch.from_pydict(arrays)
    extra = sorted(set(readings) - set(schema.names))
    if extra:
        warnings.warn(f"reading fields not in the schema were dropped: {', '.join(extra[:10])}", stacklevel=3)
    columns = []
    for field in schema:
        if field.name in arrays:
            columns.append(arrays[field.name].cast(field.type))
        elif field.name in readings:
            columns.append(_typed(pa, field.name, readings[field.name], field.type))
        else:
            columns.append(pa.nulls(n, type=field.type))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def binary_batch(items: Sequence[Any], schema: Any = None) -> Any:
    """A ``pyarrow.RecordBatch`` of ``BinaryData`` messages: the metadata columns,
    the file's columns, and ``binary`` (its bytes; null when not fetched)."""
    pa = pyarrow()
    arrays = _metadata_arrays(pa, [item.metadata.capture_metadata for item in items])
    stamp = pa.timestamp("ns", tz="UTC")
    for name in _TIME_COLUMNS:
        arrays[name] = pa.array([_ns(getattr(item.metadata, name)) for item in items], type=pa.int64()).cast(stamp)
    for name in _BINARY_COLUMNS:
        values = [getattr(item.metadata, name) for item in items]
        arrays[name] = pa.array(values, type=pa.int64() if name == "file_size_bytes" else pa.string())
    arrays["binary"] = pa.array([item.binary if item.binary else None for item in items], type=pa.binary())
    batch = pa.RecordBatch.from_pydict(arrays)
    return batch if schema is None else batch.select(schema.names).cast(schema)


def _conform(pa: Any, batch: Any, schema: Any) -> Any:
    """``batch`` with exactly ``schema``'s columns (missing ones null)."""
    if batch.schema.equals(schema):
        return batch
    columns = []
    for field in schema:
        index = batch.schema.get_field_index(field.name)
        if index < 0:
            columns.append(pa.nulls(batch.num_rows, type=field.type))
        else:
            column = batch.column(index)
            columns.append(column if column.type == field.type else _typed(pa, field.name, column.to_pylist(),
                                                                            field.type))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def batches(chunks: Iterable[List[Any]], build: Any, batch_rows: int, schema: Any = None) -> Iterator[Any]:
    """Record batches of at most ``batch_rows`` rows from lists of raw rows, built by
    ``build(rows, schema)``. Without ``schema``, the first batch's is used for all."""
    if not isinstance(batch_rows, int) or isinstance(batch_rows, bool) or batch_rows < 1:
        raise ValueError("batch_rows must be an int >= 1")
    return _batches(pyarrow(), chunks, build, batch_rows, schema)


def _batches(pa: Any, chunks: Iterable[List[Any]], build: Any, batch_rows: int, schema: Any) -> Iterator[Any]:
    pending: List[Any] = []
    for chunk in chunks:
        pending.extend(chunk)
        while len(pending) >= batch_rows:
            group, pending = pending[:batch_rows], pending[batch_rows:]
            batch = build(group, schema)
            if schema is None:
                schema = _settled(pa, batch.schema)
            yield _conform(pa, batch, schema)
    if pending or schema is None:
        batch = build(pending, schema)
        yield _conform(pa, batch, schema or _settled(pa, batch.schema))


def reader(schema: Any, batch_iter: Iterator[Any]) -> Any:
    """A lazy ``pyarrow.RecordBatchReader`` over batches of ``schema``."""
    return pyarrow().RecordBatchReader.from_batches(schema, batch_iter)


def unify_schemas(schemas: Iterable[Any], *, settle: bool = True) -> Any:
    """One schema for several (e.g. samples of the partitions of a plan): a column null
    in one takes the type another gives it (``string`` if none does); the metadata
    and time columns stay first. ``settle=False`` keeps columns null everywhere
    typed ``null``, for unifying again later."""
    pa = pyarrow()
    seen: Dict[str, Any] = {}
    for schema in schemas:
        for field in schema:
            have = seen.get(field.name)
            if have is None or (pa.types.is_null(have.type) and not pa.types.is_null(field.type)):
                seen[field.name] = field
    fixed = [name for name in (*METADATA_COLUMNS, *_TIME_COLUMNS, *_BINARY_COLUMNS, "binary") if name in seen]
    rest = sorted(name for name in seen if name not in fixed)
    unified = pa.schema([seen[name] for name in fixed + rest])
    return _settled(pa, unified) if settle else unified


def _settled(pa: Any, schema: Any) -> Any:
    """``schema`` with columns that were null everywhere typed ``string``."""
    return pa.schema([pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in schema])


def documents_table(raw_data: Sequence[bytes], schema: Any = None) -> Any:
    """SQL/MQL answer documents (BSON) as a ``pyarrow.Table``: decoded straight into
    Arrow columns in C by pymongoarrow when it is installed (``arrow`` extra), else
    decoded by pymongo's ``bson`` and converted."""
    pa = pyarrow()
    try:
        with warnings.catch_warnings():
            # pymongoarrow's Cython modules warn about pyarrow struct sizes at import.
            warnings.simplefilter("ignore", RuntimeWarning)
            from pymongoarrow.context import PyMongoArrowContext
    except ImportError:
        PyMongoArrowContext = None
    import datetime as _dt

    import bson

    codec: Any = bson.CodecOptions(tz_aware=True, tzinfo=_dt.timezone.utc)
    if PyMongoArrowContext is not None and schema is None:
        context = PyMongoArrowContext(None, codec_options=codec)
        context.process_bson_stream(b"".join(bytes(raw) for raw in raw_data))
        try:
            return context.finish()
        except pa.ArrowInvalid as exc:
            # pymongoarrow 1.15 builds no values for a field that is an empty document
            # in every row ({} as additional_parameters): decode in Python instead.
            _LOG.debug("pymongoarrow could not build the table (%s); decoding with bson", exc)
    docs = [bson.decode(bytes(raw), codec_options=codec) for raw in raw_data]
    return pa.Table.from_pylist(docs, schema=schema)


def _flatten_record(record: Mapping[str, Any], prefix: str, row: int, columns: Dict[str, List[Any]]) -> None:
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten_record(value, f"{name}.", row, columns)
            continue
        if isinstance(value, (list, tuple)):
            value = json.dumps(value, default=str)
        column = columns.get(name)
        if column is None:
            column = columns[name] = [None] * row
        elif len(column) < row:
            column.extend([None] * (row - len(column)))
        column.append(value)


def _record_column(pa: Any, name: str, values: List[Any]) -> Any:
    kinds = {type(v) for v in values if v is not None}
    if kinds == {int}:
        return pa.array(values, type=pa.int64())
    if kinds and not kinds <= {bool, float, int, str}:
        try:
            return pa.array(values)  # datetimes, bytes, ObjectIds as pyarrow sees them
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            return _typed(pa, name, [None if v is None else str(v) for v in values], pa.string())
    return _inferred(pa, name, values)


def records_batch(records: Sequence[Mapping[str, Any]], schema: Any = None) -> Any:
    """A ``pyarrow.RecordBatch`` of plain dicts (MQL documents, export points), nested
    dicts flattened to dotted columns (``data.readings.temperature``) in order of first
    appearance, lists as JSON text."""
    pa = pyarrow()
    columns: Dict[str, List[Any]] = {}
    for row, record in enumerate(records):
        _flatten_record(record, "", row, columns)
    for column in columns.values():
        column.extend([None] * (len(records) - len(column)))
    if schema is None:
        return pa.RecordBatch.from_pydict({name: _record_column(pa, name, values) for name, values in columns.items()})
    arrays = [_typed(pa, f.name, columns[f.name], f.type) if f.name in columns else pa.nulls(len(records), f.type)
              for f in schema]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def inferred_schema(chunks: Iterable[List[Any]], build: Any) -> Any:
    """The schema lists of raw rows imply, unified, columns null everywhere still
    typed ``null`` (see :func:`unify_schemas`)."""
    schemas = [build(chunk, None).schema for chunk in chunks]
    return unify_schemas(schemas or [build([], None).schema], settle=False)


def table(chunks: Iterable[List[Any]], build: Any, schema: Any = None) -> Any:
    """One ``pyarrow.Table`` of lists of raw rows built by ``build(rows, schema)``;
    without ``schema``, the pages' inferred schemas unified (:func:`unify_schemas`)."""
    pa = pyarrow()
    built = [build(chunk, schema) for chunk in chunks]
    if schema is None:
        schema = unify_schemas(batch.schema for batch in built) if built else build([], None).schema
    return pa.Table.from_batches([_conform(pa, batch, schema) for batch in built], schema=schema)


def schema_bytes(schema: Any) -> bytes:
    """``schema`` serialized (Arrow IPC), to travel inside a plain value."""
    return bytes(schema.serialize().to_pybytes())


def schema_from_bytes(data: bytes) -> Any:
    """The ``pyarrow.Schema`` :func:`schema_bytes` wrote."""
    pa = pyarrow()
    return pa.ipc.read_schema(pa.py_buffer(data))


def pyarrow_installed() -> bool:
    """Whether the ``arrow`` extra is there (a plan settles its schema only then)."""
    try:
        pyarrow()
    except ImportError:
        return False
    return True


class ArrowOutput:
    """Arrow methods of every iterator (``_RowIterator`` of :mod:`._row_iterator`):
    ``iter_batches``, ``to_arrow``, ``infer_arrow_schema`` and ``__arrow_c_stream__``.

    A subclass gives ``_arrow_chunks()`` (lists of rows; by default, groups of the
    rows ``next()`` yields) and ``_arrow_build(rows, schema)`` (a record batch).
    ``arrow_schema_bytes`` (set on an iterator over a plan's partition) is the schema
    used when a method is given none.
    """

    _arrow_state: Optional[Tuple[Any, List[Any], Iterator[Any]]] = None
    arrow_schema_bytes: Optional[bytes] = None

    def _schema_or_default(self, schema: Any) -> Any:
        if schema is None and self.arrow_schema_bytes is not None:
            return schema_from_bytes(self.arrow_schema_bytes)
        return schema

    def iter_batches(self, batch_rows: int = DEFAULT_BATCH_ROWS, *, schema: Any = None) -> Iterator[Any]:
        """Yield ``pyarrow.RecordBatch``es of at most ``batch_rows`` rows, in constant
        memory (needs the ``arrow`` extra). Columns are built per page (the guide
        "Arrow, pandas, Polars, DuckDB" lists them). Without ``schema`` the first
        batch's schema is used for every batch. Like ``iter_pages()``, this cannot be
        mixed with ``next()`` on one iterator.

        Example::

            for batch in client.iter_tabular(f).iter_batches(50_000):
                sink.write_batch(batch)
        """
        return batches(self._arrow_chunks(), self._arrow_build, batch_rows, self._schema_or_default(schema))

    def to_arrow(self, *, schema: Any = None) -> Any:
        """Every remaining row as one ``pyarrow.Table`` (needs the ``arrow`` extra).
        Without ``schema``, a plan's partition uses the schema of its plan; other
        iterators unify each page's inferred schema (a field null in some pages takes
        the type other pages give it).

        Example::

            df = client.iter_tabular(f).to_arrow().to_pandas()
        """
        return table(self._arrow_chunks(), self._arrow_build, self._schema_or_default(schema))

    def to_pandas(self, *, flatten: bool = True) -> Any:
        """Every remaining row as one ``pandas.DataFrame`` (the ``pandas`` extra), nested
        dicts flattened into dotted columns by the one rule of the DataFrame helpers
        (:func:`viam_data_sync.flatten_record`; ``flatten=False`` keeps them): tabular rows
        as ``tabular_to_dataframe``, MQL documents and export points as
        ``records_to_dataframe``, binary items as their Arrow table (the ``arrow`` extra).

        Example::

            df = client.iter_tabular(f).to_pandas()
            df["data.readings.temperature"].mean()
        """
        return self._pandas_frame(flatten)

    def _pandas_frame(self, flatten: bool) -> Any:
        from viam_data_sync._frames import records_to_dataframe

        rows: Iterator[Any] = self  # type: ignore[assignment]  # the subclass is an iterator
        return records_to_dataframe((row.to_dict() if hasattr(row, "to_dict") else row for row in rows),
                                    flatten=flatten)

    def infer_arrow_schema(self) -> Any:
        """Read the remaining rows and return the ``pyarrow.Schema`` they imply, a
        column null throughout still typed ``null`` (for
        ``DataClient.arrow_schema``, which unifies several)."""
        return inferred_schema(self._arrow_chunks(), self._arrow_build)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """The Arrow PyCapsule stream protocol: pyarrow (``pa.table(it)``,
        ``pa.RecordBatchReader.from_stream(it)``), DuckDB and Polars read the
        iterator lazily, batch by batch."""
        # Readers (DuckDB's) may ask twice, once for the schema and once for the rows:
        # the first batch is read once, to learn the schema, and kept until pulled.
        if getattr(self, "_arrow_state", None) is None:
            stream = self.iter_batches()  # a plan's partition: its plan's schema
            first = next(stream)  # there is always one batch, if only an empty one
            self._arrow_state = (first.schema, [first], stream)
        schema, head, rest = self._arrow_state  # type: ignore[misc]

        def batches_left() -> Iterator[Any]:
            while head:
                yield head.pop(0)
            yield from rest

        return reader(schema, batches_left()).__arrow_c_stream__(requested_schema)

    def _arrow_chunks(self) -> Iterator[List[Any]]:
        """Lists of rows for :meth:`_arrow_build` (by default: converted rows)."""
        while True:
            rows: Iterator[Any] = self  # type: ignore[assignment]  # the subclass is an iterator
            chunk = list(itertools.islice(rows, DEFAULT_BATCH_ROWS))
            if not chunk:
                return
            yield chunk

    def _arrow_build(self, rows: List[Any], schema: Any) -> Any:
        return records_batch([row.to_dict() if hasattr(row, "to_dict") else row for row in rows], schema)
