"""DataClient.from_api_key against the real local server with auth on: one client
shared by many threads, real token expiry, bearer metadata on every call."""
from __future__ import annotations

import threading
import time

import pytest

from viam_data_sync import Clock, DataClient, RetryPolicy
from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector


AUTHENTICATE = "/proto.rpc.v1.AuthService/Authenticate"


class ShiftedClock(Clock):
    """The client's wall time, ``offset`` seconds from the real one."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset


def test_one_client_shared_by_many_threads():
    counted = FaultInjector()  # no faults: it counts the calls the server sees
    with LocalDataServer(interceptors=[counted]) as server:
        with DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True) as client:
            errors, results = [], []

            def read(n):
                try:
                    for _ in range(10):
                        results.append(len(client.tags_by_filter()))
                except Exception as exc:
                    errors.append(exc)

            threads = [threading.Thread(target=read, args=(n,)) for n in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert errors == [] and len(results) == 80
            assert counted.calls[AUTHENTICATE] == 1


def test_token_expiry_mid_run_reauthenticates():
    # Tokens live 1 s; the client renews a token 60 s before its expiry, i.e. here on
    # every call after the first.
    counted = FaultInjector()
    clock = ShiftedClock()
    with LocalDataServer(token_ttl=1.0, interceptors=[counted]) as server:
        client = DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True,
                                         retry=RetryPolicy(initial_backoff=0.01), clock=clock)
        client.tags_by_filter()
        time.sleep(1.5)  # the token has expired on the server
        client.tags_by_filter()  # renewed from its exp claim before sending
        assert counted.calls[AUTHENTICATE] == 2
        # A token the client still believes valid but the server rejects: UNAUTHENTICATED,
        # then one re-authentication and the call succeeds, for a stream too.
        clock.offset = -7200  # the client's clock is two hours behind: its token looks fresh
        time.sleep(1.5)
        rows = list(client.iter_export_tabular(server.part_id, "x", "rdk:component:sensor", "Readings"))
        assert rows == [] and counted.calls[AUTHENTICATE] == 3
        client.close()


def test_public_channel_options_let_a_caller_channel_read_big_pages():
    import grpc

    from viam_data_sync import ResourceExhausted, channel_options

    with LocalDataServer(auth=False) as server:
        with DataClient(grpc.insecure_channel(server.address)) as plain:
            binary_id = plain.file_upload(server.part_id, b"\x01" * (5 << 20), file_name="f", file_extension=".b")
            with pytest.raises(ResourceExhausted):  # grpcio's default 4 MiB receive limit
                plain.binary_data_by_ids([binary_id])
        with DataClient(grpc.insecure_channel(server.address, options=channel_options())) as tuned:
            (item,) = tuned.binary_data_by_ids([binary_id])
            assert len(item.binary) == 5 << 20
