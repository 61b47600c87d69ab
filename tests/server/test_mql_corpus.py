"""MongoDB's documented aggregation examples (tests/server/mql_corpus), run twice: straight
through the evaluator, and as readings uploaded to a real LocalDataServer queried with
DataClient.tabular_data_by_mql behind ``$match`` on the component and ``$replaceRoot``."""

from __future__ import annotations

import copy
from typing import Any, Dict, Iterator, List

import grpc
import pytest

from viam_data_sync import DataClient
from viam_data_sync import InvalidArgument
from viam_data_sync.server import LocalDataServer
from viam_data_sync.server.engines.aggregation import AggregationError, run_pipeline

from .conftest import authenticate, make_api
from .mql_corpus import CASES, ERRATA
from .mql_corpus._check import mismatch, server_form

_IDS = [case["name"] for case in CASES]
_SERVER_CASES = [form for form in map(server_form, CASES) if form is not None]


def test_corpus_is_broad_and_cited() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names)) and len(CASES) >= 100
    assert all(case["source"].startswith("https://") for case in CASES + ERRATA)
    assert all(("expected" in case) + ("error" in case) + ("sample_of" in case) == 1 for case in CASES)
    stages = {name for case in CASES for stage in case["pipeline"] for name in stage}
    assert {"$match", "$project", "$addFields", "$set", "$unset", "$group", "$sort", "$count", "$unwind",
            "$replaceRoot", "$bucket", "$bucketAuto", "$sortByCount", "$sample", "$setWindowFields",
            "$densify", "$fill", "$redact"} <= stages
    assert len(_SERVER_CASES) >= 100


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_evaluator_answers_as_the_manual(case: Dict[str, Any]) -> None:
    docs, pipeline = copy.deepcopy(case["docs"]), copy.deepcopy(case["pipeline"])
    if "error" in case:
        with pytest.raises(AggregationError, match=None) as excinfo:
            run_pipeline(docs, pipeline)
        assert case["error"] in str(excinfo.value)
        return
    problem = mismatch(case, run_pipeline(docs, pipeline))
    assert problem is None, problem


@pytest.fixture(scope="module")
def corpus_client() -> Iterator[Any]:
    with LocalDataServer(max_page_size=100) as server, grpc.insecure_channel(server.address) as channel:
        api = make_api(server, channel)
        for index, case in enumerate(_SERVER_CASES):
            api.upload_tabular(case["docs"], times=case["times"], component_name=f"case-{index}")
        token = authenticate(channel, server.api_key_id, server.api_key)
        client = DataClient(channel, {"authorization": f"Bearer {token}"}, retry=None)
        yield client, server.organization_id


@pytest.mark.parametrize("index", range(len(_SERVER_CASES)), ids=[c["name"] for c in _SERVER_CASES])
def test_local_server_answers_as_the_manual(corpus_client: Any, index: int) -> None:
    client, org = corpus_client
    case = _SERVER_CASES[index]
    root: Any = "$data"
    if case["times"] is not None:  # the document's date travelled as the reading's time_received
        root = {"$mergeObjects": ["$data", {case["date_field"]: "$time_received"}]}
    prefix: List[Dict[str, Any]] = [{"$match": {"component_name": f"case-{index}"}},
                                    {"$replaceRoot": {"newRoot": root}}]
    if "error" in case:
        with pytest.raises(InvalidArgument) as excinfo:
            client.tabular_data_by_mql(org, prefix + case["pipeline"])
        assert case["error"] in str(excinfo.value)
        return
    problem = mismatch(case, client.tabular_data_by_mql(org, prefix + case["pipeline"]))
    assert problem is None, problem
