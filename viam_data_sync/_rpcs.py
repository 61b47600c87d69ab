"""The table of RPCs: every fact the client needs about each method, in one row.

Each :class:`Rpc` row names one method of the Viam API: its service and name (so its
wire path), its request and response classes, its kind (unary, client stream, server
stream, read from the method's descriptor in ``protos/``), its idempotency class and
whether it is an upload. The call layer (:mod:`viam_data_sync._call`), the retry
decision (:mod:`viam_data_sync._retry`) and the documentation's idempotency lists all
read these rows; tests check them against the descriptors and the documentation.

Rows are grouped by service, as in the ``.proto`` files::

    from viam_data_sync._rpcs import DataService
    DataService.TabularDataByFilter.path   # "/viam.app.data.v1.DataService/TabularDataByFilter"
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar, Dict, Generic, Iterator, Type, TypeVar

from google.protobuf.message import Message

from viam_data_sync._proto._pool import POOL
from viam_data_sync._proto.app.data.v1 import data_pb2 as d
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2 as dp
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2 as ds
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2 as sync
from viam_data_sync._proto.proto.rpc.v1 import auth_pb2 as auth
from viam_data_sync._retry import Idempotency

Q = TypeVar("Q", bound=Message)
P = TypeVar("P", bound=Message)

READ, IDEMPOTENT, UNSAFE = Idempotency.READ, Idempotency.IDEMPOTENT, Idempotency.UNSAFE


class Kind(enum.Enum):
    """How requests and responses flow."""

    UNARY = "unary"
    CLIENT_STREAM = "client stream"
    SERVER_STREAM = "server stream"


def descriptor_kind(service: str, name: str) -> Kind:
    """The kind of ``service/name`` as its method descriptor in ``protos/`` declares it."""
    method = POOL.FindServiceByName(service).FindMethodByName(name)
    if method.client_streaming and method.server_streaming:
        raise ValueError(f"{service}/{name}: bidirectional streams are not used by the Data API")
    if method.client_streaming:
        return Kind.CLIENT_STREAM
    return Kind.SERVER_STREAM if method.server_streaming else Kind.UNARY


@dataclass(frozen=True, repr=False)
class Rpc(Generic[Q, P]):
    """One method of the Viam API, with everything the call layer needs to know.

    Rows are made with the subclass of their kind (:class:`Unary`,
    :class:`ClientStream`, :class:`ServerStream`), so the type checker knows what
    ``Caller.call`` takes and returns for each; the kind is checked against the
    method's descriptor when the row is made.

    Attributes:
        service: the full service name, e.g. ``viam.app.data.v1.DataService``.
        name: the method name, e.g. ``TabularDataByFilter``.
        idempotency: what repeating the call does (decides retries).
        request_type: the request message class.
        response_type: the response message class.
        upload: the call stores data (a failure after sending may have stored it).
    """

    kind: ClassVar[Kind]

    service: str
    name: str
    idempotency: Idempotency
    request_type: Type[Q]
    response_type: Type[P]
    upload: bool = False

    def __post_init__(self) -> None:
        declared = descriptor_kind(self.service, self.name)
        if declared is not self.kind:
            raise TypeError(f"{self.path} is a {declared.value} RPC, not a {self.kind.value} one")

    @property
    def path(self) -> str:
        """The wire path, ``/<service>/<name>``."""
        return f"/{self.service}/{self.name}"

    def serialize(self, request: Q) -> bytes:
        return request.SerializeToString()

    def deserialize(self, data: bytes) -> P:
        return self.response_type.FromString(data)

    def __repr__(self) -> str:
        return f"<{self.kind.value} RPC {self.path} ({self.idempotency.value})>"


class Unary(Rpc[Q, P]):
    """One request, one response."""

    kind = Kind.UNARY


class ClientStream(Rpc[Q, P]):
    """A stream of requests, one response (the uploads)."""

    kind = Kind.CLIENT_STREAM


class ServerStream(Rpc[Q, P]):
    """One request, a stream of responses (``ExportTabularData``)."""

    kind = Kind.SERVER_STREAM


class DataService:
    """``viam.app.data.v1.DataService``."""

    _ = "viam.app.data.v1.DataService"
    TabularDataByFilter = Unary(
        _, "TabularDataByFilter", READ, d.TabularDataByFilterRequest, d.TabularDataByFilterResponse
    )
    TabularDataBySQL = Unary(_, "TabularDataBySQL", READ, d.TabularDataBySQLRequest, d.TabularDataBySQLResponse)
    TabularDataByMQL = Unary(_, "TabularDataByMQL", READ, d.TabularDataByMQLRequest, d.TabularDataByMQLResponse)
    ExportTabularData = ServerStream(
        _, "ExportTabularData", READ, d.ExportTabularDataRequest, d.ExportTabularDataResponse
    )
    GetLatestTabularData = Unary(
        _, "GetLatestTabularData", READ, d.GetLatestTabularDataRequest, d.GetLatestTabularDataResponse
    )
    BinaryDataByFilter = Unary(
        _, "BinaryDataByFilter", READ, d.BinaryDataByFilterRequest, d.BinaryDataByFilterResponse
    )
    BinaryDataByIDs = Unary(_, "BinaryDataByIDs", READ, d.BinaryDataByIDsRequest, d.BinaryDataByIDsResponse)
    DeleteTabularData = Unary(
        _, "DeleteTabularData", IDEMPOTENT, d.DeleteTabularDataRequest, d.DeleteTabularDataResponse
    )
    DeleteBinaryDataByFilter = Unary(
        _, "DeleteBinaryDataByFilter", IDEMPOTENT, d.DeleteBinaryDataByFilterRequest, d.DeleteBinaryDataByFilterResponse
    )
    DeleteBinaryDataByIDs = Unary(
        _, "DeleteBinaryDataByIDs", IDEMPOTENT, d.DeleteBinaryDataByIDsRequest, d.DeleteBinaryDataByIDsResponse
    )
    AddTagsToBinaryDataByIDs = Unary(
        _, "AddTagsToBinaryDataByIDs", IDEMPOTENT, d.AddTagsToBinaryDataByIDsRequest, d.AddTagsToBinaryDataByIDsResponse
    )
    AddTagsToBinaryDataByFilter = Unary(
        _, "AddTagsToBinaryDataByFilter", IDEMPOTENT, d.AddTagsToBinaryDataByFilterRequest, d.AddTagsToBinaryDataByFilterResponse
    )
    RemoveTagsFromBinaryDataByIDs = Unary(
        _, "RemoveTagsFromBinaryDataByIDs", IDEMPOTENT, d.RemoveTagsFromBinaryDataByIDsRequest, d.RemoveTagsFromBinaryDataByIDsResponse
    )
    RemoveTagsFromBinaryDataByFilter = Unary(
        _, "RemoveTagsFromBinaryDataByFilter", IDEMPOTENT, d.RemoveTagsFromBinaryDataByFilterRequest, d.RemoveTagsFromBinaryDataByFilterResponse
    )
    TagsByFilter = Unary(_, "TagsByFilter", READ, d.TagsByFilterRequest, d.TagsByFilterResponse)
    AddBoundingBoxToImageByID = Unary(
        _, "AddBoundingBoxToImageByID", UNSAFE, d.AddBoundingBoxToImageByIDRequest, d.AddBoundingBoxToImageByIDResponse
    )
    RemoveBoundingBoxFromImageByID = Unary(
        _, "RemoveBoundingBoxFromImageByID", IDEMPOTENT, d.RemoveBoundingBoxFromImageByIDRequest, d.RemoveBoundingBoxFromImageByIDResponse
    )
    BoundingBoxLabelsByFilter = Unary(
        _, "BoundingBoxLabelsByFilter", READ, d.BoundingBoxLabelsByFilterRequest, d.BoundingBoxLabelsByFilterResponse
    )
    UpdateBoundingBox = Unary(
        _, "UpdateBoundingBox", IDEMPOTENT, d.UpdateBoundingBoxRequest, d.UpdateBoundingBoxResponse
    )
    GetDatabaseConnection = Unary(
        _, "GetDatabaseConnection", READ, d.GetDatabaseConnectionRequest, d.GetDatabaseConnectionResponse
    )
    ConfigureDatabaseUser = Unary(
        _, "ConfigureDatabaseUser", IDEMPOTENT, d.ConfigureDatabaseUserRequest, d.ConfigureDatabaseUserResponse
    )
    AddBinaryDataToDatasetByIDs = Unary(
        _, "AddBinaryDataToDatasetByIDs", IDEMPOTENT, d.AddBinaryDataToDatasetByIDsRequest, d.AddBinaryDataToDatasetByIDsResponse
    )
    RemoveBinaryDataFromDatasetByIDs = Unary(
        _, "RemoveBinaryDataFromDatasetByIDs", IDEMPOTENT, d.RemoveBinaryDataFromDatasetByIDsRequest, d.RemoveBinaryDataFromDatasetByIDsResponse
    )
    AddSequencesToDataset = Unary(
        _, "AddSequencesToDataset", IDEMPOTENT, d.AddSequencesToDatasetRequest, d.AddSequencesToDatasetResponse
    )
    RemoveSequencesFromDataset = Unary(
        _, "RemoveSequencesFromDataset", IDEMPOTENT, d.RemoveSequencesFromDatasetRequest, d.RemoveSequencesFromDatasetResponse
    )
    CreateIndex = Unary(_, "CreateIndex", UNSAFE, d.CreateIndexRequest, d.CreateIndexResponse)
    ListIndexes = Unary(_, "ListIndexes", READ, d.ListIndexesRequest, d.ListIndexesResponse)
    DeleteIndex = Unary(_, "DeleteIndex", IDEMPOTENT, d.DeleteIndexRequest, d.DeleteIndexResponse)
    CreateSavedQuery = Unary(
        _, "CreateSavedQuery", UNSAFE, d.CreateSavedQueryRequest, d.CreateSavedQueryResponse
    )
    UpdateSavedQuery = Unary(
        _, "UpdateSavedQuery", IDEMPOTENT, d.UpdateSavedQueryRequest, d.UpdateSavedQueryResponse
    )
    GetSavedQuery = Unary(_, "GetSavedQuery", READ, d.GetSavedQueryRequest, d.GetSavedQueryResponse)
    DeleteSavedQuery = Unary(
        _, "DeleteSavedQuery", IDEMPOTENT, d.DeleteSavedQueryRequest, d.DeleteSavedQueryResponse
    )
    ListSavedQueries = Unary(_, "ListSavedQueries", READ, d.ListSavedQueriesRequest, d.ListSavedQueriesResponse)
    CreateBinaryDataSignedURL = Unary(
        _, "CreateBinaryDataSignedURL", READ, d.CreateBinaryDataSignedURLRequest, d.CreateBinaryDataSignedURLResponse
    )
    CreateSequence = Unary(_, "CreateSequence", UNSAFE, d.CreateSequenceRequest, d.CreateSequenceResponse)
    GetSequence = Unary(_, "GetSequence", READ, d.GetSequenceRequest, d.GetSequenceResponse)
    UpdateSequence = Unary(_, "UpdateSequence", IDEMPOTENT, d.UpdateSequenceRequest, d.UpdateSequenceResponse)
    DeleteSequence = Unary(_, "DeleteSequence", IDEMPOTENT, d.DeleteSequenceRequest, d.DeleteSequenceResponse)
    ListSequences = Unary(_, "ListSequences", READ, d.ListSequencesRequest, d.ListSequencesResponse)
    SequencesByDatasetID = Unary(
        _, "SequencesByDatasetID", READ, d.SequencesByDatasetIDRequest, d.SequencesByDatasetIDResponse
    )
    GetSequenceBinaryData = Unary(
        _, "GetSequenceBinaryData", READ, d.GetSequenceBinaryDataRequest, d.GetSequenceBinaryDataResponse
    )


class DatasetService:
    """``viam.app.dataset.v1.DatasetService``."""

    _ = "viam.app.dataset.v1.DatasetService"
    CreateDataset = Unary(_, "CreateDataset", UNSAFE, ds.CreateDatasetRequest, ds.CreateDatasetResponse)
    DeleteDataset = Unary(_, "DeleteDataset", IDEMPOTENT, ds.DeleteDatasetRequest, ds.DeleteDatasetResponse)
    RenameDataset = Unary(_, "RenameDataset", IDEMPOTENT, ds.RenameDatasetRequest, ds.RenameDatasetResponse)
    ListDatasetsByOrganizationID = Unary(
        _, "ListDatasetsByOrganizationID", READ, ds.ListDatasetsByOrganizationIDRequest, ds.ListDatasetsByOrganizationIDResponse
    )
    ListDatasetsByIDs = Unary(
        _, "ListDatasetsByIDs", READ, ds.ListDatasetsByIDsRequest, ds.ListDatasetsByIDsResponse
    )
    MergeDatasets = Unary(_, "MergeDatasets", UNSAFE, ds.MergeDatasetsRequest, ds.MergeDatasetsResponse)
    StartSequenceDatasetExport = Unary(
        _, "StartSequenceDatasetExport", UNSAFE, ds.StartSequenceDatasetExportRequest, ds.StartSequenceDatasetExportResponse
    )
    GetSequenceDatasetExport = Unary(
        _, "GetSequenceDatasetExport", READ, ds.GetSequenceDatasetExportRequest, ds.GetSequenceDatasetExportResponse
    )


class DataSyncService:
    """``viam.app.datasync.v1.DataSyncService``."""

    _ = "viam.app.datasync.v1.DataSyncService"
    DataCaptureUpload = Unary(
        _, "DataCaptureUpload", UNSAFE, sync.DataCaptureUploadRequest, sync.DataCaptureUploadResponse, upload=True
    )
    FileUpload = ClientStream(_, "FileUpload", UNSAFE, sync.FileUploadRequest, sync.FileUploadResponse, upload=True)
    StreamingDataCaptureUpload = ClientStream(
        _, "StreamingDataCaptureUpload", UNSAFE, sync.StreamingDataCaptureUploadRequest, sync.StreamingDataCaptureUploadResponse, upload=True
    )


class AuthService:
    """``proto.rpc.v1.AuthService``."""

    _ = "proto.rpc.v1.AuthService"
    Authenticate = Unary(_, "Authenticate", READ, auth.AuthenticateRequest, auth.AuthenticateResponse)


class DataPipelinesService:
    """``viam.app.datapipelines.v1.DataPipelinesService``."""

    _ = "viam.app.datapipelines.v1.DataPipelinesService"
    GetDataPipeline = Unary(_, "GetDataPipeline", READ, dp.GetDataPipelineRequest, dp.GetDataPipelineResponse)
    ListDataPipelines = Unary(
        _, "ListDataPipelines", READ, dp.ListDataPipelinesRequest, dp.ListDataPipelinesResponse
    )
    CreateDataPipeline = Unary(
        _, "CreateDataPipeline", UNSAFE, dp.CreateDataPipelineRequest, dp.CreateDataPipelineResponse
    )
    RenameDataPipeline = Unary(
        _, "RenameDataPipeline", IDEMPOTENT, dp.RenameDataPipelineRequest, dp.RenameDataPipelineResponse
    )
    DeleteDataPipeline = Unary(
        _, "DeleteDataPipeline", IDEMPOTENT, dp.DeleteDataPipelineRequest, dp.DeleteDataPipelineResponse
    )
    EnableDataPipeline = Unary(
        _, "EnableDataPipeline", IDEMPOTENT, dp.EnableDataPipelineRequest, dp.EnableDataPipelineResponse
    )
    DisableDataPipeline = Unary(
        _, "DisableDataPipeline", IDEMPOTENT, dp.DisableDataPipelineRequest, dp.DisableDataPipelineResponse
    )
    ListDataPipelineRuns = Unary(
        _, "ListDataPipelineRuns", READ, dp.ListDataPipelineRunsRequest, dp.ListDataPipelineRunsResponse
    )


SERVICES = (DataService, DatasetService, DataSyncService, AuthService, DataPipelinesService)


def _rows() -> Iterator[Rpc[Message, Message]]:
    for service in SERVICES:
        for value in vars(service).values():
            if isinstance(value, Rpc):
                yield value


#: Every RPC the client calls, by wire path.
RPCS: Dict[str, Rpc[Message, Message]] = {row.path: row for row in _rows()}


def by_path(path: str) -> Rpc[Message, Message]:
    """The row of the method at ``path`` (``KeyError`` if the client never calls it)."""
    return RPCS[path]


#: ``{path: idempotency}`` for every RPC: what the retry decision uses (public as
#: ``viam_data_sync.IDEMPOTENCY``; the reference page "Errors, retries and deadlines"
#: is checked against it).
IDEMPOTENCY: Dict[str, Idempotency] = {path: row.idempotency for path, row in RPCS.items()}
