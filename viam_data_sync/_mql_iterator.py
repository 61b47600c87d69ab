"""``iter_mql``'s iterator: an MQL aggregation paged by keyset, exactly once.

Pages are fetched on the consuming thread when ``next()`` needs one, through the one
page shape (:class:`~viam_data_sync._pages.PageRequest` to a
:class:`~viam_data_sync._pages.KeysetPageSource`); there is no background work.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from viam_data_sync._defaults import MQL_PAGE_SIZE
from viam_data_sync._pages import KeysetPageSource, PageRequest
from viam_data_sync._pagination import decode_cursor, encode_cursor, keyset_token, keyset_value
from viam_data_sync._row_iterator import _RowIterator, context_hash


class MqlIterator(_RowIterator[Dict[str, Any]]):
    """What :meth:`DataClient.iter_mql` returns: an MQL aggregation's documents, paged
    by keyset: ``pipeline + [$match key > last, $sort key, $limit n]`` per page, so
    results of any size arrive in bounded pages, exactly once.

    ``key`` must be unique and present in the pipeline's output (``_id`` by default).
    Each page asks for ``page_size`` documents after the last key yielded.
    There is no background work (a page is fetched when ``next()`` needs it), so a
    ``break`` costs nothing and a later ``for`` continues. ``StopIteration`` after the
    last document; after ``close()`` (or an error) ``next()`` raises ``ValueError``.

    Example::

        it = client.iter_mql(org_id, [{"$match": {"component_name": "sensor-1"}}])
        first = next(it)
        rest = list(it)             # every document after `first`
    """

    kind = "mql"

    def __init__(
        self,
        source: KeysetPageSource,
        *,
        page_size: int = MQL_PAGE_SIZE,
        start_after: Optional[str] = None,
        max_results: Optional[int] = None,
        context: str = "",
    ) -> None:
        super().__init__()
        if not isinstance(page_size, int) or page_size <= 0:
            raise ValueError("page_size must be a positive int")
        self._source = source
        self.key = source.key
        self.page_size = page_size
        self.max_results = max_results
        self._context = context_hash(self.kind, context, source.key, source.identity)
        self._last: Any = None
        self._has_last = False
        self.done = False
        if start_after is not None:
            state = decode_cursor(start_after, self.kind, self._context, "pipeline")
            if state.get("v") is not None:
                self._last = keyset_value(state["v"])
                self._has_last = True
            self.done = bool(state.get("e"))
        self.yielded = 0
        self.pages_fetched = 0
        self._page: List[Dict[str, Any]] = []
        self._page_pos = 0
        self._last_page = False  # _page was shorter than page_size: nothing follows it

    @property
    def cursor(self) -> str:
        """Resume token for the documents not yet yielded (pass as ``start_after=``)."""
        state: Dict[str, Any] = {"k": self.kind, "c": self._context,
                                 "v": keyset_token(self._last) if self._has_last else None}
        if self.done:
            state["e"] = 1
        return encode_cursor(state)

    def _next_row(self) -> Dict[str, Any]:
        while True:
            if self.max_results is not None and self.yielded >= self.max_results:
                raise StopIteration
            if self._page_pos < len(self._page):
                doc = self._page[self._page_pos]
                if self.key not in doc:
                    raise ValueError(f"pipeline output has no {self.key!r} field to page by (key=...)")
                self._page_pos += 1
                self._last, self._has_last = doc[self.key], True
                self.yielded += 1
                return doc
            if self._last_page:
                self.done = True  # only now: the cursor of a done iterator skips everything
            if self.done:
                raise StopIteration
            request = PageRequest(limit=self.page_size, last=keyset_token(self._last) if self._has_last else "")
            self._page, self._page_pos = self._source.fetch(request).rows, 0
            self.pages_fetched += 1
            self._last_page = len(self._page) < self.page_size
