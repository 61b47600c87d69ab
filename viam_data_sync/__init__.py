"""viam-data-sync: a blocking Python SDK for the Viam Data API, over grpcio.

Example::

    from viam_data_sync import DataClient, create_filter

    with DataClient.from_api_key(api_key, api_key_id) as client:
        for row in client.iter_tabular(create_filter(component_name="sensor-1")):
            print(row.time_received, row.data)

Public names are importable from here; message classes from ``viam_data_sync.proto``.
"""
import logging as _logging

from viam_data_sync._clock import Clock
from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._channel import channel_options
from viam_data_sync._client import DataClient
from viam_data_sync._errors import (
    Aborted,
    AlreadyExists,
    ApiError,
    Cancelled,
    DeadlineExceeded,
    FailedPrecondition,
    Internal,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
    Unimplemented,
    UnboundedReadingsWarning,
    Unknown,
    ExportIncomplete,
    UploadOutcomeUnknown,
    ViamDataError,
)
from viam_data_sync._binary_export import BinaryExportResult, export_binary
from viam_data_sync._ledger import UploadLedger, UploadResult, upload_files
from viam_data_sync._filters import create_filter
from viam_data_sync._iterators import BinaryIterator, ExportIterator, MqlIterator, TabularIterator
from viam_data_sync._api.sync import SyncRun
from viam_data_sync._models import Partition
from viam_data_sync._retry import Idempotency, RetryBudget, RetryPolicy
from viam_data_sync._rpcs import IDEMPOTENCY
from viam_data_sync._version import __version__
from viam_data_sync._frames import QueryResult, flatten_record, records_to_dataframe, tabular_to_dataframe
from viam_data_sync._official import from_official, to_official
from viam_data_sync._viam_client import Credentials, DialOptions, ViamClient
from viam_data_sync._public import publish, publish_members, publish_nested

_logging.getLogger("viam_data_sync").addHandler(_logging.NullHandler())

__all__ = [
    "Aborted", "AlreadyExists", "ApiError", "Cancelled", "Clock", "DataClient", "DeadlineExceeded",
    "FailedPrecondition", "IDEMPOTENCY", "Idempotency", "Internal", "InvalidArgument",
    "NotFound", "PermissionDenied", "ResourceExhausted", "RetryBudget", "RetryPolicy",
    "USE_CLIENT_DEFAULT", "Unauthenticated", "UnboundedReadingsWarning", "Unavailable", "Unimplemented", "Unknown",
    "UploadOutcomeUnknown", "ViamDataError", "__version__", "channel_options", "create_filter",
]
__all__ += ["QueryResult", "flatten_record", "records_to_dataframe", "tabular_to_dataframe"]
__all__ += ["from_official", "to_official"]
__all__ += ["Credentials", "DialOptions", "ViamClient"]
__all__ += ["BinaryExportResult", "ExportIncomplete", "UploadLedger", "UploadResult", "export_binary", "upload_files"]
__all__ += ["BinaryIterator", "ExportIterator", "MqlIterator", "TabularIterator", "Partition", "SyncRun"]
# Tracebacks, reprs, help() and the API reference show viam_data_sync.X, not the
# private module; DataClient's methods and result types as viam_data_sync.DataClient.X.
publish(globals(), __all__, __name__)
publish_members(DataClient, __name__)
publish_nested(DataClient, ("TabularData", "TabularDataPoint", "DatabaseConnection", "DataPipeline",
                            "DataPipelineRun", "DataPipelineRunsPage"), __name__)
