"""The iterators of ``iter_tabular``, ``iter_binary``, ``iter_export_tabular`` and
``iter_mql``: exactly-once, constant-memory, resumable iteration over the Data API.

An index: each iterator lives in the module named after it.

* :mod:`viam_data_sync._row_iterator`: the protocol they all share (``next``,
  ``break``, ``close``, single use) and what their resume tokens are bound to;
* :mod:`viam_data_sync._filter_iterator`: :class:`TabularIterator` and
  :class:`BinaryIterator` (filter queries, fetched by worker threads over time
  partitions, :mod:`viam_data_sync._fetching`);
* :mod:`viam_data_sync._mql_iterator`: :class:`MqlIterator` (keyset pages);
* :mod:`viam_data_sync._export_iterator`: :class:`ExportIterator` (a resumed stream).

Every page is fetched in one shape, a :class:`~viam_data_sync._pages.PageRequest` to a
:class:`~viam_data_sync._pages.PageSource` the client's chapters build from the call
layer (``_api/sources.py``); the iterators never see the client.
"""
from __future__ import annotations

from viam_data_sync._export_iterator import ExportIterator
from viam_data_sync._filter_iterator import BinaryIterator, FilterIterator, TabularIterator
from viam_data_sync._mql_iterator import MqlIterator

__all__ = ["BinaryIterator", "ExportIterator", "FilterIterator", "MqlIterator", "TabularIterator"]
