"""The retry predicate over every status code and idempotency class, the policy value,
and the error hierarchy's mapping."""
from __future__ import annotations

import random

import grpc
import pytest

from viam_data_sync import IDEMPOTENCY, ApiError, Idempotency, RetryBudget, RetryPolicy
from viam_data_sync._errors import from_status
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync._errors import is_size_limit
from viam_data_sync._retry import should_retry

RETRIED_FOR_READS = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED,
                     grpc.StatusCode.ABORTED, grpc.StatusCode.DEADLINE_EXCEEDED}


@pytest.mark.parametrize("code", list(grpc.StatusCode), ids=lambda c: c.name)
def test_predicate_for_every_code(code):
    assert should_retry(code, Idempotency.READ) == (code in RETRIED_FOR_READS)
    assert should_retry(code, Idempotency.IDEMPOTENT) == (code in RETRIED_FOR_READS - {grpc.StatusCode.DEADLINE_EXCEEDED})
    assert should_retry(code, Idempotency.UNSAFE) is False


def test_message_size_resource_exhausted_is_not_retried():
    details = "Received message larger than max (5242885 vs. 4194304)"
    assert is_size_limit(grpc.StatusCode.RESOURCE_EXHAUSTED, details)
    assert not should_retry(grpc.StatusCode.RESOURCE_EXHAUSTED, Idempotency.READ, details)
    assert should_retry(grpc.StatusCode.RESOURCE_EXHAUSTED, Idempotency.READ, "quota exceeded, retry later")
    assert not from_status(grpc.StatusCode.RESOURCE_EXHAUSTED, details).retryable
    assert from_status(grpc.StatusCode.RESOURCE_EXHAUSTED, "quota").retryable


def test_idempotency_table_covers_every_rpc_we_define():
    expected = set()
    for module, service in ((data_pb2, "DataService"), (dataset_pb2, "DatasetService"),
                            (data_sync_pb2, "DataSyncService")):
        desc = module.DESCRIPTOR.services_by_name[service]
        expected |= {f"/{desc.full_name}/{m.name}" for m in desc.methods}
    assert expected <= set(IDEMPOTENCY)
    uploads = [p for p in IDEMPOTENCY if "DataSyncService" in p]
    assert all(IDEMPOTENCY[p] is Idempotency.UNSAFE for p in uploads)
    assert IDEMPOTENCY["/viam.app.dataset.v1.DatasetService/CreateDataset"] is Idempotency.UNSAFE


def test_policy_is_validated_and_backoff_capped_with_jitter():
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(deadline=0)
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=3.0, multiplier=2.0)
    rng = random.Random(1)
    waits = [policy.backoff(n, rng) for n in range(1, 30)]
    assert all(0 <= w <= 3.0 for w in waits)
    assert len(set(waits)) > 20  # jittered, not a fixed schedule
    assert RetryPolicy.disabled().max_attempts == 1
    assert policy.replace(max_attempts=2).max_attempts == 2 and policy.max_attempts == 5


def test_budget_spends_and_refills():
    budget = RetryBudget(capacity=2, refill=0.5)
    assert budget.try_spend() and budget.try_spend() and not budget.try_spend()
    budget.record_success()
    budget.record_success()
    assert budget.try_spend()


@pytest.mark.parametrize("code", [c for c in grpc.StatusCode if c != grpc.StatusCode.OK], ids=lambda c: c.name)
def test_every_status_maps_to_a_specific_error(code):
    error = from_status(code, "d", method="/x/Y", trailing_metadata=(("authorization", "Bearer secret"),))
    assert isinstance(error, ApiError) and error.code == code and error.details == "d"
    assert type(error) is not ApiError
    assert "secret" not in repr(error.trailing_metadata) and "secret" not in str(error)


def test_the_docs_list_every_rpc_under_its_idempotency_class():
    """The reference page "Errors, retries and deadlines" and the table in code say the same thing."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "reference" / "errors.md").read_text()
    section = text[text.index("* **What is retried depends on the call**"):text.index("* **Uploads** (streams)")]
    blocks = {
        Idempotency.READ: section[section.index("**read:**"):section.index("**idempotent:**")],
        Idempotency.IDEMPOTENT: section[section.index("**idempotent:**"):section.index("**unsafe")],
        Idempotency.UNSAFE: section[section.index("**unsafe"):],
    }
    for path, cls in IDEMPOTENCY.items():
        name = path.rsplit("/", 1)[1]
        for other, block in blocks.items():
            # The page groups names (TabularDataByFilter/BySQL, Add/RemoveTags…): match
            # the full name, or its prefix and suffix around a grouping.
            words = re.findall(r"[A-Z][a-z]+|[A-Z]+(?![a-z])", name)
            listed = name in block or (words[0] in block and words[-1] in block and other is cls)
            if other is cls:
                assert listed, f"errors.md does not list {name} as {cls.value}"
            else:
                assert name not in re.findall(r"[A-Za-z]+", block), f"errors.md lists {name} as {other.value}"
