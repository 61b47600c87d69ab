"""Public message classes, as ``viam.proto.app.data`` offers them in the official SDK.

They live in viam-data-sync's private descriptor pool, so they never clash with the
official ``viam-sdk`` in one process. Our methods also accept the official SDK's
messages of the same full name (re-parsed from bytes).

Example::

    from viam_data_sync.proto import Filter, CaptureInterval, TagsFilter, TagsFilterType
    f = Filter(component_name="camera-1",
               tags_filter=TagsFilter(type=TagsFilterType.TAGS_FILTER_TYPE_TAGGED))

``Struct``, ``Value``, ``ListValue``, ``Timestamp`` and ``Any`` here are the
well-known types of the same private pool: use them (not ``google.protobuf``'s) when
setting such fields on our messages by hand.
"""
from viam_data_sync._public import publish
from viam_data_sync._convert import AnyMessage as Any
from viam_data_sync._convert import ListValue, Struct, Timestamp, Value
from viam_data_sync._proto.app.data.v1.data_pb2 import (
    Annotations,
    BinaryData,
    BinaryID,
    BinaryMetadata,
    BoundingBox,
    CaptureInterval,
    CaptureMetadata,
    Classification,
    DataRequest,
    DeleteTabularFilter,
    Filter,
    Index,
    IndexableCollection,
    IndexCreator,
    Order,
    Sequence,
    SequenceResourceFilter,
    TabularData,
    TabularDataSource,
    TabularDataSourceType,
    TagsFilter,
    TagsFilterType,
)
from viam_data_sync._proto.app.datapipelines.v1.data_pipelines_pb2 import DataPipelineRunStatus
from viam_data_sync._proto.app.dataset.v1.dataset_pb2 import Dataset, DatasetType
from viam_data_sync._proto.app.datasync.v1.data_sync_pb2 import (
    DataCaptureUploadMetadata,
    DataType,
    FileData,
    SensorData,
    SensorMetadata,
    UploadMetadata,
)

__all__ = [
    "Annotations", "Any", "BinaryData", "BinaryID", "BinaryMetadata", "BoundingBox",
    "CaptureInterval", "CaptureMetadata", "Classification", "DataCaptureUploadMetadata",
    "DataPipelineRunStatus", "DataRequest", "DataType", "Dataset", "DatasetType", "DeleteTabularFilter", "FileData",
    "Filter", "Index", "IndexCreator", "IndexableCollection", "ListValue", "Order",
    "SensorData", "SensorMetadata", "Sequence", "SequenceResourceFilter", "Struct", "TabularData", "TabularDataSource",
    "TabularDataSourceType", "TagsFilter", "TagsFilterType", "Timestamp", "UploadMetadata",
    "Value",
]
# help() and the API reference show viam_data_sync.proto.Filter; pickle finds it there.
publish(globals(), __all__, __name__)
