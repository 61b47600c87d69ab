"""Helpers for testing code that uses viam-data-sync against a real local server.

``FaultInjector`` makes the local server fail on a schedule. The pytest plugin (fixtures
``viam_server`` and ``viam_client``) is registered automatically when the package is
installed.
"""
from viam_data_sync.testing._faults import FaultInjector, FaultRule
from viam_data_sync.testing._latency import LatencyInjector

from viam_data_sync._public import publish

__all__ = ["FaultInjector", "FaultRule", "LatencyInjector"]

publish(globals(), __all__, __name__)  # viam_data_sync.testing.X in help() and tracebacks
