"""Cases for the date operators the issue names ($dateTrunc, $toDate, $dateToString with
timezone and %z) and others on the same pages."""

from __future__ import annotations

from typing import Any, Dict, List

from bson.int64 import Int64

from ._helpers import AGG, dec, iso, oid
from .stages_windows import CAKE_SALES

_ORDERS = [
    {"_id": 1, "item": "apple", "qty": 5, "price": 2, "order_date": iso("2018-03-20")},
    {"_id": 2, "item": "pie", "qty": 10, "price": 3, "order_date": iso("2018-03-22")},
    {"_id": 3, "item": "ice cream", "qty": 2, "price": 4, "order_date": "2018-03-15"},
    {"_id": 4, "item": "almonds", "qty": 5, "price": 7, "order_date": "2018-03-15 +10:00"},
]


def _to_date_row(value: Any, expected: Any, row: int) -> Dict[str, Any]:
    return {"name": f"toDate/table-row-{row}", "source": AGG + "toDate/#behavior",
            "docs": [{"_id": 1}], "pipeline": [{"$project": {"_id": 0, "d": {"$toDate": {"$literal": value}}}}],
            "expected": [{"d": expected}]}


#: Printed outputs the manual gets wrong, kept out of CASES with the reason (see ERRATA).
ERRATA: List[Dict[str, Any]] = [
    {**_to_date_row(Int64(1100000000000), iso("2004-11-19T11:33:20Z"), 3),
     "erratum": "1,100,000,000,000 ms after the epoch is 2004-11-09T11:33:20Z; the table prints the 19th "
                "(its mirror row, -1,100,000,000,000 -> 1935-02-22T12:26:40Z, is right)"},
]

CASES: List[Dict[str, Any]] = [
    {"name": "dateTrunc/project-two-weeks", "date_field": "orderDate", "source": AGG + "dateTrunc/#truncate-order-dates-in-a--project-pipeline-stage",
     "docs": CAKE_SALES,
     "pipeline": [{"$project": {"_id": 1, "orderDate": 1, "truncatedOrderDate": {"$dateTrunc": {
         "date": "$orderDate", "unit": "week", "binSize": 2, "timezone": "America/Los_Angeles", "startOfWeek": "Monday"}}}}],
     "expected": [
         {"_id": 0, "orderDate": iso("2020-05-18T14:10:30.000Z"), "truncatedOrderDate": iso("2020-05-11T07:00:00.000Z")},
         {"_id": 1, "orderDate": iso("2021-03-20T11:30:05.000Z"), "truncatedOrderDate": iso("2021-03-15T07:00:00.000Z")},
         {"_id": 2, "orderDate": iso("2021-01-11T06:31:15.000Z"), "truncatedOrderDate": iso("2021-01-04T08:00:00.000Z")},
         {"_id": 3, "orderDate": iso("2020-02-08T13:13:23.000Z"), "truncatedOrderDate": iso("2020-02-03T08:00:00.000Z")},
         {"_id": 4, "orderDate": iso("2019-05-18T16:09:01.000Z"), "truncatedOrderDate": iso("2019-05-13T07:00:00.000Z")},
         {"_id": 5, "orderDate": iso("2019-01-08T06:12:03.000Z"), "truncatedOrderDate": iso("2019-01-07T08:00:00.000Z")}]},
    {"name": "dateTrunc/group-six-months", "date_field": "orderDate", "source": AGG + "dateTrunc/#truncate-order-dates-and-obtain-quantity-sum-in-a--group-pipeline-stage",
     "docs": CAKE_SALES, "order": "any",
     "pipeline": [{"$group": {"_id": {"truncatedOrderDate": {"$dateTrunc": {"date": "$orderDate", "unit": "month", "binSize": 6}}},
                              "sumQuantity": {"$sum": "$quantity"}}}],
     "expected": [{"_id": {"truncatedOrderDate": iso("2020-01-01T00:00:00.000Z")}, "sumQuantity": 224},
                  {"_id": {"truncatedOrderDate": iso("2021-01-01T00:00:00.000Z")}, "sumQuantity": 285},
                  {"_id": {"truncatedOrderDate": iso("2019-01-01T00:00:00.000Z")}, "sumQuantity": 296}]},
    {"name": "dateTrunc/hours-bin-1", "date_field": "d", "source": AGG + "dateTrunc/#binsize-and-unit-fields",
     "docs": [{"_id": 1, "d": iso("2021-03-20T11:30:05Z")}],
     "pipeline": [{"$project": {"_id": 0, "t": {"$dateTrunc": {"date": "$d", "unit": "hour", "binSize": 1}}}}],
     "expected": [{"t": iso("2021-03-20T11:00:00Z")}]},
    {"name": "dateTrunc/hours-bin-2", "date_field": "d", "source": AGG + "dateTrunc/#binsize-and-unit-fields",
     "docs": [{"_id": 1, "d": iso("2021-03-20T11:30:05Z")}],
     "pipeline": [{"$project": {"_id": 0, "t": {"$dateTrunc": {"date": "$d", "unit": "hour", "binSize": 2}}}}],
     "expected": [{"t": iso("2021-03-20T10:00:00Z")}]},
    {"name": "dateTrunc/null-when-missing", "source": AGG + "dateTrunc/#behavior (returns null if any input field "
     "except startOfWeek is missing or null)",
     "docs": [{"_id": 1}], "pipeline": [{"$project": {"t": {"$dateTrunc": {"date": "$nope", "unit": "day"}}}}],
     "expected": [{"_id": 1, "t": None}]},
    {"name": "toDate/orders", "source": AGG + "toDate/#example", "docs": _ORDERS,
     "pipeline": [{"$addFields": {"convertedDate": {"$toDate": "$order_date"}}}, {"$sort": {"convertedDate": 1}}],
     "expected": [{**_ORDERS[3], "convertedDate": iso("2018-03-14T14:00:00.000Z")},
                  {**_ORDERS[2], "convertedDate": iso("2018-03-15T00:00:00.000Z")},
                  {**_ORDERS[0], "convertedDate": iso("2018-03-20T00:00:00.000Z")},
                  {**_ORDERS[1], "convertedDate": iso("2018-03-22T00:00:00.000Z")}]},
    _to_date_row(120000000000.5, iso("1973-10-20T21:20:00Z"), 1),
    _to_date_row(dec("1253372036000.50"), iso("2009-09-19T14:53:56Z"), 2),
    _to_date_row(Int64(-1100000000000), iso("1935-02-22T12:26:40Z"), 4),
    _to_date_row(oid("5ab9c3da31c2ab715d421285"), iso("2018-03-27T04:08:58Z"), 5),
    _to_date_row("2018-03-20", iso("2018-03-20T00:00:00Z"), 6),
    _to_date_row("2018-03-20 11:00:06 +0500", iso("2018-03-20T06:00:06Z"), 7),
    {"name": "toDate/table-row-8-error", "source": AGG + "toDate/#behavior", "docs": [{"_id": 1}],
     "pipeline": [{"$project": {"d": {"$toDate": "Friday"}}}], "error": "Friday"},
    {"name": "dateToString/timezones", "date_field": "date", "source": AGG + "dateToString/#example",
     "docs": [{"_id": 1, "item": "abc", "price": 10, "quantity": 2, "date": iso("2014-01-01T08:15:39.736Z")}],
     "pipeline": [{"$project": {
         "yearMonthDayUTC": {"$dateToString": {"format": "%Y-%m-%d", "date": "$date"}},
         "timewithOffsetNY": {"$dateToString": {"format": "%H:%M:%S:%L%z", "date": "$date", "timezone": "America/New_York"}},
         "timewithOffset430": {"$dateToString": {"format": "%H:%M:%S:%L%z", "date": "$date", "timezone": "+04:30"}},
         "minutesOffsetNY": {"$dateToString": {"format": "%Z", "date": "$date", "timezone": "America/New_York"}},
         "minutesOffset430": {"$dateToString": {"format": "%Z", "date": "$date", "timezone": "+04:30"}}}}],
     "expected": [{"_id": 1, "yearMonthDayUTC": "2014-01-01", "timewithOffsetNY": "03:15:39:736-0500",
                   "timewithOffset430": "12:45:39:736+0430", "minutesOffsetNY": "-300", "minutesOffset430": "270"}]},
]
