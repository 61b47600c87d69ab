"""Saved queries (and query_prefix_name), indexes and sequences on the local server:
stored, validated, listed, and scoped by organization."""

from __future__ import annotations

import datetime as dt
from typing import Any, List

import bson
import grpc
import pytest

from viam_data_sync._convert import datetime_to_timestamp
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2 as pb
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2_grpc

from .conftest import Api, code_of, other_org_api

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 2, 1, tzinfo=UTC)
HOT = data_pb2.INDEXABLE_COLLECTION_HOT_STORE
SINK = data_pb2.INDEXABLE_COLLECTION_PIPELINE_SINK


def fails(code: grpc.StatusCode, call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(grpc.RpcError) as excinfo:
        call(*args, **kwargs)
    assert code_of(excinfo) == code, excinfo.value.details()
    return str(excinfo.value.details())


def mql(api: Api, stages: List[Any], **fields: Any) -> List[Any]:
    request = data_pb2.TabularDataByMQLRequest(organization_id=api.organization_id,
                                               mql_binary=[bson.encode(s) for s in stages], **fields)
    return [bson.decode(raw) for raw in api.call(api.data.TabularDataByMQL, request).raw_data]


# ---------------------------------------------------------------- saved queries
def test_saved_queries_are_stored_mql_that_query_prefix_name_runs(api: Api) -> None:
    api.upload_tabular([{"v": 1}, {"v": 2}, {"v": 3}], times=[T0] * 3, component_name="thermo")
    api.upload_tabular([{"v": 9}], times=[T0], component_name="other")
    stages = [{"$match": {"component_name": "thermo"}}, {"$sort": {"data.v": 1}}]
    create = data_pb2.CreateSavedQueryRequest(organization_id=api.organization_id, name="thermo",
                                              mql_binary=[bson.encode(s) for s in stages])
    query_id = api.call(api.data.CreateSavedQuery, create).id
    fails(grpc.StatusCode.ALREADY_EXISTS, api.call, api.data.CreateSavedQuery, create)
    got = api.call(api.data.GetSavedQuery, data_pb2.GetSavedQueryRequest(id=query_id)).saved_query
    assert (got.id, got.name, got.organization_id) == (query_id, "thermo", api.organization_id)
    assert [bson.decode(b) for b in got.mql_binary] == stages

    rows = mql(api, [{"$project": {"_id": 0, "v": "$data.v"}}], query_prefix_name="thermo")
    assert rows == [{"v": 1}, {"v": 2}, {"v": 3}]
    assert mql(api, [], query_prefix_name="thermo")[0]["data"] == {"v": 1}
    fails(grpc.StatusCode.NOT_FOUND, mql, api, [], query_prefix_name="nope")

    new = [{"$match": {"component_name": "other"}}]
    api.call(api.data.UpdateSavedQuery, data_pb2.UpdateSavedQueryRequest(
        id=query_id, name="other", mql_binary=[bson.encode(s) for s in new]))
    assert [r["data"] for r in mql(api, [], query_prefix_name="other")] == [{"v": 9}]
    second = api.call(api.data.CreateSavedQuery, data_pb2.CreateSavedQueryRequest(
        organization_id=api.organization_id, name="two", mql_binary=[bson.encode({"$limit": 1})])).id
    listed = api.call(api.data.ListSavedQueries, data_pb2.ListSavedQueriesRequest(organization_id=api.organization_id))
    assert [q.id for q in listed.queries] == [query_id, second]
    limited = api.call(api.data.ListSavedQueries,
                       data_pb2.ListSavedQueriesRequest(organization_id=api.organization_id, limit=1))
    assert [q.id for q in limited.queries] == [query_id]
    api.call(api.data.DeleteSavedQuery, data_pb2.DeleteSavedQueryRequest(id=query_id))
    fails(grpc.StatusCode.NOT_FOUND, api.call, api.data.GetSavedQuery, data_pb2.GetSavedQueryRequest(id=query_id))


@pytest.mark.parametrize("raw", [[], [b"not bson"], [bson.encode({"a": 1})], [bson.encode({"$a": 1, "$b": 2})]])
def test_saved_query_stages_are_checked(api: Api, raw: List[bytes]) -> None:
    fails(grpc.StatusCode.INVALID_ARGUMENT, api.call, api.data.CreateSavedQuery,
          data_pb2.CreateSavedQueryRequest(organization_id=api.organization_id, name="q", mql_binary=raw))


def test_saved_queries_of_another_organization_are_not_found(api: Api, server: Any, channel: Any) -> None:
    query_id = api.call(api.data.CreateSavedQuery, data_pb2.CreateSavedQueryRequest(
        organization_id=api.organization_id, name="mine", mql_binary=[bson.encode({"$limit": 1})])).id
    other = other_org_api(server, channel)
    for target in (query_id, "unknown-id"):
        message = fails(grpc.StatusCode.NOT_FOUND, other.call, other.data.GetSavedQuery,
                        data_pb2.GetSavedQueryRequest(id=target))
        assert message == f"saved query {target} not found"
        fails(grpc.StatusCode.NOT_FOUND, other.call, other.data.DeleteSavedQuery,
              data_pb2.DeleteSavedQueryRequest(id=target))
    fails(grpc.StatusCode.NOT_FOUND, mql, other, [], query_prefix_name="mine")


# ---------------------------------------------------------------- indexes
def index_request(api: Api, cls: Any, kind: int = HOT, **fields: Any) -> Any:
    return cls(organization_id=api.organization_id, collection_type=kind, **fields)


def test_indexes_are_recorded_per_collection_and_built_in_sqlite(api: Api, server: Any) -> None:
    spec = {"keys": {"data.temperature": 1, "component_name": -1}}
    api.call(api.data.CreateIndex, index_request(api, data_pb2.CreateIndexRequest, index_spec=[bson.encode(spec)]))
    named = {"keys": {"time_received": -1}, "options": {"name": "recent", "sparse": True}}
    api.call(api.data.CreateIndex, index_request(api, data_pb2.CreateIndexRequest, index_spec=[bson.encode(named)]))
    fails(grpc.StatusCode.ALREADY_EXISTS, api.call, api.data.CreateIndex,
          index_request(api, data_pb2.CreateIndexRequest, index_spec=[bson.encode(named)]))
    listed = api.call(api.data.ListIndexes, index_request(api, data_pb2.ListIndexesRequest)).indexes
    assert [(i.index_name, i.collection_type, i.created_by) for i in listed] == [
        ("data.temperature_1_component_name_-1", HOT, data_pb2.INDEX_CREATOR_CUSTOMER),
        ("recent", HOT, data_pb2.INDEX_CREATOR_CUSTOMER)]
    assert bson.decode(listed[1].index_spec[0]) == named
    conn = server.store.conn()
    (name,) = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE "
                                          "'%json_extract(data, ''$.\"temperature\"'')%'")]
    # INDEXED BY fails ("no query solution") unless the index can serve the query.
    plan = conn.execute(f"""EXPLAIN QUERY PLAN SELECT id FROM readings INDEXED BY {name} WHERE organization_id = ?
                            AND json_extract(data, '$."temperature"') = ?""", (api.organization_id, 3)).fetchall()
    assert "organization_id=? AND <expr>=?" in plan[0][-1]
    api.call(api.data.DeleteIndex, index_request(api, data_pb2.DeleteIndexRequest, index_name="recent"))
    fails(grpc.StatusCode.NOT_FOUND, api.call, api.data.DeleteIndex,
          index_request(api, data_pb2.DeleteIndexRequest, index_name="recent"))
    assert [i.index_name for i in api.call(api.data.ListIndexes,
                                           index_request(api, data_pb2.ListIndexesRequest)).indexes] == [
        "data.temperature_1_component_name_-1"]


def test_pipeline_sink_indexes_name_an_existing_pipeline(api: Api) -> None:
    spec = [bson.encode({"keys": {"n": 1}})]
    fails(grpc.StatusCode.INVALID_ARGUMENT, api.call, api.data.CreateIndex,
          index_request(api, data_pb2.CreateIndexRequest, SINK, index_spec=spec))
    fails(grpc.StatusCode.NOT_FOUND, api.call, api.data.CreateIndex,
          index_request(api, data_pb2.CreateIndexRequest, SINK, index_spec=spec, pipeline_name="nope"))
    pipelines = data_pipelines_pb2_grpc.DataPipelinesServiceStub(api.channel)
    api.call(pipelines.CreateDataPipeline, pb.CreateDataPipelineRequest(
        organization_id=api.organization_id, name="p", schedule="0 * * * *", mql_binary=[bson.encode({"$limit": 1})]))
    api.call(api.data.CreateIndex, index_request(api, data_pb2.CreateIndexRequest, SINK, index_spec=spec,
                                                 pipeline_name="p"))
    (index,) = api.call(api.data.ListIndexes, index_request(api, data_pb2.ListIndexesRequest, SINK,
                                                            pipeline_name="p")).indexes
    assert (index.index_name, index.pipeline_name, index.collection_type) == ("n_1", "p", SINK)
    assert api.call(api.data.ListIndexes, index_request(api, data_pb2.ListIndexesRequest)).indexes == []
    pipeline_id = api.call(pipelines.ListDataPipelines,
                           pb.ListDataPipelinesRequest(organization_id=api.organization_id)).data_pipelines[0].id
    api.call(pipelines.RenameDataPipeline, pb.RenameDataPipelineRequest(id=pipeline_id, name="q"))
    (index,) = api.call(api.data.ListIndexes, index_request(api, data_pb2.ListIndexesRequest, SINK,
                                                            pipeline_name="q")).indexes
    assert index.pipeline_name == "q"  # the sink's indexes follow a rename
    api.call(pipelines.DeleteDataPipeline, pb.DeleteDataPipelineRequest(id=pipeline_id))
    fails(grpc.StatusCode.NOT_FOUND, api.call, api.data.ListIndexes,
          index_request(api, data_pb2.ListIndexesRequest, SINK, pipeline_name="q"))


@pytest.mark.parametrize("spec", [
    {}, {"keys": {}}, {"keys": {"a": 2}}, {"keys": {"a": True}}, {"keys": {"$a": 1}}, {"keys": {"a": 1}, "x": 1},
    {"keys": {"a": 1}, "options": {"name": "_id_"}}, {"keys": {"a": 1}, "options": {"bogus": 1}},
    {"keys": {"a'); DROP TABLE readings; --": 1}}, {"keys": {f"k{i}": 1 for i in range(33)}},
])
def test_bad_index_specs_are_invalid(api: Api, spec: Any) -> None:
    fails(grpc.StatusCode.INVALID_ARGUMENT, api.call, api.data.CreateIndex,
          index_request(api, data_pb2.CreateIndexRequest, index_spec=[bson.encode(spec)]))


# ---------------------------------------------------------------- sequences
def create_sequence(api: Api, part_id: str, **fields: Any) -> Any:
    fields = {"start_time": datetime_to_timestamp(T0), "end_time": datetime_to_timestamp(T0 + dt.timedelta(hours=1)),
              **fields}
    request = data_pb2.CreateSequenceRequest(
        part_id=part_id, resources=[data_pb2.SequenceResourceFilter(resource_name="cam")], **fields)
    return api.call(api.data.CreateSequence, request).id


def test_update_sequence_sets_exactly_the_masked_fields(api: Api) -> None:
    sequence_id = create_sequence(api, api.part_id, sequence_tags=["a"])
    api.call(api.data.UpdateSequence, data_pb2.UpdateSequenceRequest(
        id=sequence_id, sequence_tags=["b"], resources=[data_pb2.SequenceResourceFilter(resource_name="x")],
        field_mask={"paths": ["sequence_tags"]}))
    got = api.call(api.data.GetSequence, data_pb2.GetSequenceRequest(id=sequence_id)).sequence
    assert list(got.sequence_tags) == ["b"] and [r.resource_name for r in got.resources] == ["cam"]
    assert got.updated_at.ToNanoseconds() > got.created_at.ToNanoseconds()
    for mask, fields in ((["nope"], {}), ([], {}), (["start_time"], {}),
                         (["start_time"], {"start_time": datetime_to_timestamp(T0 + dt.timedelta(days=1))})):
        fails(grpc.StatusCode.INVALID_ARGUMENT, api.call, api.data.UpdateSequence,
              data_pb2.UpdateSequenceRequest(id=sequence_id, field_mask={"paths": mask}, **fields))


def test_sequences_of_another_organization_are_not_found(api: Api, server: Any, channel: Any) -> None:
    sequence_id = create_sequence(api, api.part_id)
    other = other_org_api(server, channel)
    fails(grpc.StatusCode.NOT_FOUND, create_sequence, other, api.part_id)  # our part: unknown to them
    for target in (sequence_id, "unknown-id"):
        for method, request in ((other.data.GetSequence, data_pb2.GetSequenceRequest(id=target)),
                                (other.data.DeleteSequence, data_pb2.DeleteSequenceRequest(id=target)),
                                (other.data.GetSequenceBinaryData,
                                 data_pb2.GetSequenceBinaryDataRequest(sequence_id=target))):
            assert fails(grpc.StatusCode.NOT_FOUND, other.call, method, request) == f"sequence {target} not found"
    assert list(other.call(other.data.ListSequences, data_pb2.ListSequencesRequest(
        organization_id=other.organization_id)).sequences) == []
    fails(grpc.StatusCode.PERMISSION_DENIED, other.call, other.data.ListSequences,
          data_pb2.ListSequencesRequest(organization_id=api.organization_id))


def test_sequence_pages_and_tokens(api: Api) -> None:
    made = [create_sequence(api, api.part_id) for _ in range(5)]
    seen, token = [], ""
    while True:
        page = api.call(api.data.ListSequences, data_pb2.ListSequencesRequest(
            organization_id=api.organization_id, page_size=2, page_token=token))
        seen += [s.id for s in page.sequences]
        token = page.next_page_token
        if not token:
            break
    assert seen == made
    fails(grpc.StatusCode.INVALID_ARGUMENT, api.call, api.data.ListSequences,
          data_pb2.ListSequencesRequest(organization_id=api.organization_id, page_token="garbage"))
    fails(grpc.StatusCode.INVALID_ARGUMENT, create_sequence, api, api.part_id,
          start_time=datetime_to_timestamp(T0 + dt.timedelta(days=2)))


def test_many_resources_and_method_names_select_the_right_binary_data(api: Api) -> None:
    when = T0 + dt.timedelta(minutes=1)
    wanted = api.upload_binary(b"cam", when=when, component_name="cam", method_name="GetImages")
    api.upload_binary(b"other method", when=when, component_name="cam2", method_name="Other")
    api.upload_binary(b"any method", when=when, component_name="cam3", method_name="Other")
    resources = [data_pb2.SequenceResourceFilter(resource_name=f"r{i}") for i in range(5000)]
    resources += [data_pb2.SequenceResourceFilter(resource_name="cam", method_name="GetImages"),
                  data_pb2.SequenceResourceFilter(resource_name="cam2", method_name="GetImages"),
                  data_pb2.SequenceResourceFilter(resource_name="cam3")]
    sequence_id = api.call(api.data.CreateSequence, data_pb2.CreateSequenceRequest(
        part_id=api.part_id, resources=resources, start_time=datetime_to_timestamp(T0),
        end_time=datetime_to_timestamp(T0 + dt.timedelta(hours=1)))).id
    data = api.call(api.data.GetSequenceBinaryData, data_pb2.GetSequenceBinaryDataRequest(sequence_id=sequence_id)).data
    assert sorted(d.binary for d in data) == [b"any method", b"cam"] and wanted in {d.metadata.binary_data_id
                                                                                  for d in data}
