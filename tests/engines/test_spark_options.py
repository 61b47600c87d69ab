"""The Spark sources' options and pushed filters, without a SparkSession: what an option
string means, what is refused (and that a refusal never shows a key), and the window
and filter fields Spark's filters narrow a read to."""
from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.spark

datasource = pytest.importorskip("pyspark.sql.datasource")

from viam_data_sync._convert import datetime_to_ns  # noqa: E402
from viam_data_sync._planning import interval_of  # noqa: E402
from viam_data_sync.spark._options import parse_options  # noqa: E402
from viam_data_sync.spark._pushdown import narrow  # noqa: E402

UTC = dt.timezone.utc
AT = dt.datetime(2025, 1, 1, 12, tzinfo=UTC)
NS = datetime_to_ns(AT)
US = 1000


def test_options_become_a_filter_a_window_and_knobs():
    read = parse_options("tabular", {"Component_Name": "sensor-1", "location_ids": "loc-a, loc-b",
                                     "start": "2025-01-01T12:00:00Z", "end": "2025-01-01T14:00:00+01:00",
                                     "target_rows": "500", "parallel": "4", "insecure": "true"})
    f = read.filter()
    assert f.component_name == "sensor-1" and list(f.location_ids) == ["loc-a", "loc-b"]
    assert interval_of(f) == (NS, NS + 3600 * 10**9)  # the offset is honoured
    assert (read.target_rows, read.parallel, read.connection.insecure) == (500, 4, True)
    assert parse_options("tabular", {"start": "2025-01-01T12:00:00"}).start_ns == NS  # naive is UTC
    binary = parse_options("binary", {"target_items": "7", "include_binary_data": "yes"})
    assert (binary.target_rows, binary.include_binary_data) == (7, True)


@pytest.mark.parametrize("options, words", [
    ({"component": "x"}, "unknown option(s) 'component'"),
    ({"target_items": "3"}, "unknown option(s) 'target_items'"),       # a binary option on tabular
    ({"parallel": "0"}, "'parallel' must be >= 1"),
    ({"insecure": "maybe"}, "'insecure' must be true or false"),
    ({"start": "2025-01-02T00:00:00Z", "end": "2025-01-01T00:00:00Z"}, "'end' must be after 'start'"),
    ({"timeout": "-1"}, "'timeout' must be > 0"),
    ({"api_key": "s3cr3t-value"}, "go together"),
    ({"api_key": "s3cr3t-value", "api_key_id": ""}, "must not be empty"),
])
def test_bad_options_are_refused_by_name_without_showing_a_key(options, words):
    with pytest.raises(ValueError) as refused:
        parse_options("tabular", options)
    assert words in str(refused.value) and "s3cr3t-value" not in str(refused.value)


def test_a_key_given_as_an_option_never_shows_itself():
    read = parse_options("tabular", {"api_key": "s3cr3t-value", "api_key_id": "key-id"})
    assert read.connection.api_key is not None and read.connection.api_key.value == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(read) and "s3cr3t-value" not in str(read.connection.api_key)


def test_comparisons_on_time_received_narrow_the_window_as_spark_means_them():
    read = parse_options("tabular", {})
    # Spark sees a stored time truncated to microseconds: > X starts 1 us later, <= X ends 1 us later.
    gt = narrow(read, [datasource.GreaterThan(("time_received",), AT)])
    assert (gt.start_ns, gt.end_ns) == (NS + US, None)
    le = narrow(read, [datasource.LessThanOrEqual(("time_received",), AT)])
    assert (le.start_ns, le.end_ns) == (None, NS + US)
    eq = narrow(read, [datasource.EqualTo(("time_received",), AT)])
    assert (eq.start_ns, eq.end_ns) == (NS, NS + US)
    later = AT + dt.timedelta(hours=1)
    both = narrow(parse_options("tabular", {"start": "2025-01-01T00:00:00Z"}),
                  [datasource.GreaterThanOrEqual(("time_received",), AT),
                   datasource.LessThan(("time_received",), later),
                   datasource.LessThan(("time_received",), later + dt.timedelta(hours=1))])
    assert (both.start_ns, both.end_ns) == (NS, datetime_to_ns(later))  # the tightest of each side


def test_equalities_on_capture_columns_become_filter_fields_and_options_win():
    read = parse_options("tabular", {"component_type": "rdk:component:sensor"})
    narrowed = narrow(read, [datasource.EqualTo(("component_name",), "sensor-1"),
                             datasource.EqualTo(("method_name",), "Readings"),
                             datasource.EqualTo(("component_type",), "other"),
                             datasource.In(("location_id",), ("loc-a", "loc-b")),
                             datasource.EqualTo(("data", "readings"), "x"),            # not a capture column
                             datasource.StringStartsWith(("robot_name",), "r"),        # not an equality
                             datasource.GreaterThan(("time_requested",), AT)])         # not the time key
    f = narrowed.filter()
    assert (f.component_name, f.method, f.component_type) == ("sensor-1", "Readings", "rdk:component:sensor")
    assert list(f.location_ids) == ["loc-a", "loc-b"] and not f.robot_name
    assert (narrowed.start_ns, narrowed.end_ns) == (None, None)


def test_a_declared_column_the_source_cannot_fill_is_refused_by_name():
    pa = pytest.importorskip("pyarrow")
    from viam_data_sync.spark._batches import check_schema

    check_schema("tabular", pa.schema([("time_received", pa.timestamp("us", tz="UTC")),
                                       ("data.readings.temperature", pa.float64()), ("data", pa.string())]))
    with pytest.raises(ValueError, match="no column.*'temperature'"):
        check_schema("tabular", pa.schema([("temperature", pa.float64())]))
    with pytest.raises(ValueError, match="'data' must be STRING"):
        check_schema("tabular", pa.schema([("data", pa.int64())]))
    with pytest.raises(ValueError, match="no column.*'data.readings.x'"):
        check_schema("binary", pa.schema([("data.readings.x", pa.float64())]))  # binary has no readings
