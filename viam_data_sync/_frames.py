"""pandas DataFrames from tabular rows and from SQL/MQL results.

pandas is optional (the ``pandas`` extra): it is imported only when one of these
functions is called, and a clear ``ImportError`` names the command that installs it
for this installation (see :func:`viam_data_sync._extras.install_command`).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, Iterable, List, Mapping

from viam_data_sync._extras import missing_extra_hint
from viam_data_sync._models import CAPTURE_COLUMNS

#: Metadata columns of :func:`tabular_to_dataframe`, in order.
METADATA_COLUMNS = CAPTURE_COLUMNS + ("tags",)


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(missing_extra_hint("DataFrame helpers need pandas, which is not installed; install",
                                             "pandas"), name="pandas") from exc
    return pandas


def _utc_series(pd: Any, values: List[Any]) -> Any:
    return pd.to_datetime(pd.Series(values, dtype="object"), utc=True)


def flatten_record(record: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    """The one flattening rule of both DataFrame helpers: a non-empty dict value becomes
    one column per key, named with dots (``{"data": {"readings": {"t": 1}}}`` gives
    ``data.readings.t``), at any depth. Everything else is a value as it is: lists (of
    dicts too), empty dicts, ``None``, datetimes.

    Example::

        >>> flatten_record({"_id": 1, "data": {"readings": {"t": 1.5, "xy": [1, 2]}, "x": {}}})
        {'_id': 1, 'data.readings.t': 1.5, 'data.readings.xy': [1, 2], 'data.x': {}}
    """
    out: Dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten_record(value, name + "."))
        else:
            out[name] = value
    return out


def _frame(pd: Any, records: List[Dict[str, Any]]) -> Any:
    """Columns in order of first appearance across ``records``; a missing key is NaN."""
    columns: Dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    return pd.DataFrame.from_records(records, columns=list(columns)) if records else pd.DataFrame()


class QueryResult(List[Dict[str, Any]]):
    """What ``tabular_data_by_sql`` and ``tabular_data_by_mql`` return: the documents, a
    plain ``list`` of dicts, with :meth:`to_pandas`."""

    def to_pandas(self, *, flatten: bool = True) -> Any:
        """The documents as a ``pandas.DataFrame``: :func:`records_to_dataframe`.

        Example::

            df = client.tabular_data_by_sql(org_id, sql).to_pandas()
        """
        return records_to_dataframe(self, flatten=flatten)


def tabular_to_dataframe(rows: Iterable[Any], *, flatten: bool = True) -> Any:
    """A DataFrame with one row per ``DataClient.TabularData``.

    Accepts a list or any iterable, e.g. ``client.iter_tabular(...)`` (consumed here:
    the whole result is held in memory, so bound it with a filter or ``max_results``).

    Columns: the capture metadata (``organization_id`` ... ``tags``), ``time_requested`` and ``time_received``
    (timezone-aware UTC ``datetime64`` columns), then the payload. With ``flatten`` (the
    default) the payload is flattened by :func:`flatten_record` under ``data.``
    (``data.readings.temperature``), the same columns :func:`records_to_dataframe`
    gives an MQL or SQL result that has a ``data`` field; with ``flatten=False`` a
    single ``data`` column holds each payload dict.

    Args:
        rows: ``TabularData`` rows (anything with ``.data``, ``.metadata``,
            ``.time_requested`` and ``.time_received``).
        flatten: expand payload dicts into dotted columns.

    Returns:
        A ``pandas.DataFrame`` (empty, with the metadata and time columns, for no rows).

    Raises:
        ImportError: pandas is not installed (the message names the command that installs it).

    Example::

        from viam_data_sync import tabular_to_dataframe
        df = tabular_to_dataframe(client.iter_tabular(create_filter(component_name="sensor-1")))
        df.set_index("time_received")["data.readings.temperature"].resample("1min").mean()
    """
    pd = _pandas()
    meta: Dict[str, List[Any]] = {name: [] for name in METADATA_COLUMNS}
    requested: List[Any] = []
    received: List[Any] = []
    payloads: List[Mapping[str, Any]] = []
    for row in rows:
        md = row.metadata
        for name in METADATA_COLUMNS:
            value = getattr(md, name, None)
            meta[name].append(list(value) if name == "tags" and value is not None else value)
        requested.append(row.time_requested)
        received.append(row.time_received)
        payloads.append(row.data if row.data is not None else {})
    frame = pd.DataFrame(meta, columns=list(METADATA_COLUMNS))
    frame["time_requested"] = _utc_series(pd, requested)
    frame["time_received"] = _utc_series(pd, received)
    if flatten:
        data = _frame(pd, [flatten_record(payload, "data.") for payload in payloads])
        data.index = frame.index
        frame = pd.concat([frame, data], axis=1)
    else:
        frame["data"] = pd.Series(payloads, dtype="object", index=frame.index)
    return frame


def records_to_dataframe(records: Iterable[Mapping[str, Any]], *, flatten: bool = True) -> Any:
    """A DataFrame from SQL or MQL results (``tabular_data_by_sql``/``_by_mql``,
    ``iter_mql``): one row per dict, columns in order of first appearance.

    With ``flatten`` (the default) nested dicts become dotted columns by
    :func:`flatten_record`, the same rule as :func:`tabular_to_dataframe`: an MQL
    document ``{"data": {"readings": {"t": 1}}}`` gives a ``data.readings.t`` column,
    as the same reading through ``iter_tabular`` does. ``flatten=False`` keeps each
    top-level value as it is (dicts stay dicts). Columns of timezone-aware datetimes
    become UTC ``datetime64`` columns.

    Args:
        records: dicts, e.g. the list ``tabular_data_by_sql`` returns or an ``iter_mql``.
        flatten: expand nested dicts into dotted columns.

    Raises:
        ImportError: pandas is not installed (the message names the command that installs it).

    Example::

        rows = client.tabular_data_by_sql(org_id, "SELECT component_name, COUNT(*) AS n FROM readings "
                                                  "WHERE time_received >= CAST('2025-01-01T00:00:00Z' AS TIMESTAMP) "
                                                  "GROUP BY component_name")
        records_to_dataframe(rows)
    """
    pd = _pandas()
    items = [flatten_record(record) if flatten else dict(record) for record in records]
    frame = _frame(pd, items)
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object:
            present = values.dropna()
            if len(present) and all(isinstance(v, _dt.datetime) and v.tzinfo is not None for v in present):
                frame[column] = pd.to_datetime(values, utc=True)
    return frame


__all__ = ["QueryResult", "flatten_record", "records_to_dataframe", "tabular_to_dataframe"]
