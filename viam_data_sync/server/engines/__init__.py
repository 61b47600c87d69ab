"""The local server's engines: what runs queries and schedules, beside the store.

* ``sql.py``: Atlas-SQL-style SELECTs, checked and rewritten, run by the store's
  sandboxed reader; ``mql.py`` (with ``bucket_auto.py``): MQL aggregation pipelines.
* ``query_pool.py`` / ``query_worker.py``: the bounded worker processes every SQL and MQL
  query runs in (a client's and a data pipeline's alike); ``errors.py``: the engines'
  errors, mapped to gRPC statuses by the pool's caller.
* ``scheduler.py``, ``pipeline_schedule.py``, ``pipeline_runner.py``: data pipelines'
  clock, cron windows and runs.
"""
