"""The README's examples as a user would write them, checked by mypy --strict with
reveal_type (tests/test_typing.py). Not run by the tests: mypy reads it."""
from __future__ import annotations

import datetime as dt
import json
from typing import reveal_type

from viam_data_sync import DataClient, RetryPolicy, create_filter


def export(org_id: str, part_id: str) -> None:
    with DataClient.from_api_key("<API-KEY>", "<API-KEY-ID>") as client:
        reveal_type(client)  # expect: viam_data_sync._client.DataClient
        f = create_filter(component_name="sensor-1", start_time=dt.datetime(2025, 1, 1))
        reveal_type(f)  # expect: viam_data_sync._proto.app.data.v1.data_pb2.Filter

        it = client.iter_tabular(f)
        reveal_type(it)  # expect: viam_data_sync._filter_iterator.TabularIterator
        for row in it:
            reveal_type(row)  # expect: viam_data_sync._models.TabularData
            reveal_type(row.time_received)  # expect: datetime.datetime
            print(json.dumps(row.to_dict(), default=str))
        saved = it.cursor
        reveal_type(saved)  # expect: str
        first = next(client.iter_tabular(f, start_after=saved), None)
        reveal_type(first)  # expect: viam_data_sync._models.TabularData | None

        rows = client.tabular_data_by_sql(org_id, "SELECT COUNT(*) AS n FROM readings "
                                                  "WHERE time_received >= CAST('2024-01-01T00:00:00Z' AS TIMESTAMP)")
        reveal_type(rows)  # expect: viam_data_sync._frames.QueryResult
        reveal_type(rows[0])  # expect: dict[str, Any]
        for doc in client.iter_mql(org_id, [{"$match": {"component_name": "sensor-1"}}]):
            reveal_type(doc)  # expect: dict[str, Any]
        for item in client.iter_binary(f):
            reveal_type(item)  # expect: viam_data_sync._proto.app.data.v1.data_pb2.BinaryData
        for point in client.iter_export_tabular(part_id, "sensor-1", "rdk:component:sensor", "Readings"):
            reveal_type(point)  # expect: viam_data_sync._models.TabularDataPoint

        binary_id = client.file_upload_from_path("capture.pcd", part_id)
        reveal_type(binary_id)  # expect: str
        page, count, last = client.tabular_data_by_filter(f, limit=10)
        reveal_type(page)  # expect: list[viam_data_sync._models.TabularData]
        row.nonexistent_attr  # expect-error: has no attribute "nonexistent_attr"

    client2 = DataClient.from_env(retry=RetryPolicy(max_attempts=3))
    reveal_type(client2)  # expect: viam_data_sync._client.DataClient
    client2.close()
