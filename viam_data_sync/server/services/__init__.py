"""The local server's services: each translates between the wire's protobuf messages
and calls on the store and the engines, and holds no SQL.

* ``data.py`` (``DataService``, with its chapters ``sequences.py``,
  ``saved_queries.py`` and ``indexes.py``), ``dataset.py`` (``DatasetService``, with
  ``sequence_export.py``), ``sync.py`` (``DataSyncService``: uploads), ``pipelines.py``
  (``DataPipelinesService``), ``auth.py`` (``AuthService`` and the token authority).
* Shared by them: ``records.py`` (rows to messages, binary ids), ``binary_reader.py``
  (binary pages within a message), ``owned.py`` (per-organization rows, page tokens),
  ``validation.py`` (tags, boxes, stages), ``paging.py`` (a filter page request resolved),
  ``pipeline_sink.py`` (a pipeline's sink as MQL input).

Each service is built from what it uses (the store, the auth layer, the query pool, the
URL signer, ``ServiceConfig``, ``ServerClock``); none imports another.
"""
