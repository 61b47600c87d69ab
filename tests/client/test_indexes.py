"""create_index / list_indexes / delete_index: the exact requests (as the official SDK
builds them: one BSON document per spec, pipeline_name only when given)."""
from __future__ import annotations

import bson
import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2

HOT, SINK = data_pb2.INDEXABLE_COLLECTION_HOT_STORE, data_pb2.INDEXABLE_COLLECTION_PIPELINE_SINK


def test_create_index_sends_one_bson_spec(fake):
    spec = {"keys": {"component_name": 1, "time_received": -1}, "options": {"name": "by_component"}}
    request = fake.request("CreateIndex", lambda c: c.create_index("org", HOT, spec))
    assert request.organization_id == "org" and request.collection_type == HOT
    assert [bson.decode(b) for b in request.index_spec] == [spec]
    assert not request.HasField("pipeline_name")
    request = fake.request("CreateIndex", lambda c: c.create_index("org", SINK, spec, pipeline_name="p1"))
    assert request.HasField("pipeline_name") and request.pipeline_name == "p1"


def test_list_and_delete_index(fake):
    index = data_pb2.Index(collection_type=HOT, index_name="by_component", index_spec=[bson.encode({"k": 1})],
                           created_by=data_pb2.INDEX_CREATOR_CUSTOMER)
    result, request, _ = fake.unary("ListIndexes", lambda c: c.list_indexes("org", HOT),
                                    data_pb2.ListIndexesResponse(indexes=[index]))
    assert request.organization_id == "org" and not request.HasField("pipeline_name")
    assert [i.index_name for i in result] == ["by_component"]
    request = fake.request("DeleteIndex", lambda c: c.delete_index("org", SINK, "by_component", "p1"))
    assert (request.index_name, request.pipeline_name, request.collection_type) == ("by_component", "p1", SINK)


@pytest.mark.parametrize("call", [
    lambda c: c.create_index("org", data_pb2.INDEXABLE_COLLECTION_UNSPECIFIED, {"keys": {"a": 1}}),
    lambda c: c.create_index("org", SINK, {"keys": {"a": 1}}),  # a sink needs its pipeline
    lambda c: c.create_index("org", HOT, {}),
    lambda c: c.create_index("", HOT, {"keys": {"a": 1}}),
    lambda c: c.delete_index("org", HOT, ""),
    lambda c: c.list_indexes("org", 99),
])
def test_bad_index_calls_are_refused_before_sending(fake, call):
    with pytest.raises((ValueError, TypeError)):
        call(fake.client)
    assert fake.nothing_sent()
