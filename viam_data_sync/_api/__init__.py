"""The chapters of :class:`~viam_data_sync.DataClient`, one module per area of the Data API."""
