"""Cases for $setWindowFields, $densify and $fill, from their manual pages.

The ``cakeSales`` collection is the one the $setWindowFields page prints in full in its
outputs (the same collection the $dateTrunc page uses)."""

from __future__ import annotations

from typing import Any, Dict, List

from ._helpers import AGG, iso, oid

CAKE_SALES: List[Dict[str, Any]] = [
    {"_id": 0, "type": "chocolate", "orderDate": iso("2020-05-18T14:10:30Z"), "state": "CA", "price": 13, "quantity": 120},
    {"_id": 1, "type": "chocolate", "orderDate": iso("2021-03-20T11:30:05Z"), "state": "WA", "price": 14, "quantity": 140},
    {"_id": 2, "type": "vanilla", "orderDate": iso("2021-01-11T06:31:15Z"), "state": "CA", "price": 12, "quantity": 145},
    {"_id": 3, "type": "vanilla", "orderDate": iso("2020-02-08T13:13:23Z"), "state": "WA", "price": 13, "quantity": 104},
    {"_id": 4, "type": "strawberry", "orderDate": iso("2019-05-18T16:09:01Z"), "state": "CA", "price": 41, "quantity": 162},
    {"_id": 5, "type": "strawberry", "orderDate": iso("2019-01-08T06:12:03Z"), "state": "WA", "price": 43, "quantity": 134},
]
_SWF = AGG + "setWindowFields/"


def _cakes(field: str, values: Dict[int, Any]) -> List[Dict[str, Any]]:
    by_id = {d["_id"]: d for d in CAKE_SALES}
    return [{**by_id[i], field: v} for i, v in values.items()]


_WEATHER = [
    {"_id": oid("618c207c63056cfad0ca4309"), "metadata": {"sensorId": 5578, "type": "temperature"},
     "timestamp": iso("2021-05-18T00:00:00.000Z"), "temp": 12},
    {"_id": oid("618c207c63056cfad0ca430a"), "metadata": {"sensorId": 5578, "type": "temperature"},
     "timestamp": iso("2021-05-18T04:00:00.000Z"), "temp": 11},
    {"_id": oid("618c207c63056cfad0ca430b"), "metadata": {"sensorId": 5578, "type": "temperature"},
     "timestamp": iso("2021-05-18T08:00:00.000Z"), "temp": 11},
    {"_id": oid("618c207c63056cfad0ca430c"), "metadata": {"sensorId": 5578, "type": "temperature"},
     "timestamp": iso("2021-05-18T12:00:00.000Z"), "temp": 12},
]
_COFFEE = [
    {"_id": oid("618c031814fbe03334480475"), "altitude": 600, "variety": "Arabica Typica", "score": 68.3},
    {"_id": oid("618c031814fbe03334480476"), "altitude": 750, "variety": "Arabica Typica", "score": 69.5},
    {"_id": oid("618c031814fbe03334480477"), "altitude": 950, "variety": "Arabica Typica", "score": 70.5},
    {"_id": oid("618c031814fbe03334480478"), "altitude": 1250, "variety": "Gesha", "score": 88.15},
    {"_id": oid("618c031814fbe03334480479"), "altitude": 1700, "variety": "Gesha", "score": 95.5, "price": 1029},
]
_REVIEWS_IDS = ["62040bc9394d47411658b553", "62040bc9394d47411658b554", "62040bc9394d47411658b555",
                "62040bc9394d47411658b556", "62040bc9394d47411658b557", "62040bc9394d47411658b558"]
_REVIEWS = [{"_id": oid(i), "date": iso(d), **({"score": s} if s is not None else {})}
            for i, d, s in zip(_REVIEWS_IDS, ["2021-03-08", "2021-03-09", "2021-03-10", "2021-03-11",
                                              "2021-03-12", "2021-03-13"], [90, 92, None, None, 85, None])]
_MULTI = [
    ("620559f4394d47411658b58f", "2021-03-08", "Joe's Pizza", 90),
    ("620559f4394d47411658b590", "2021-03-08", "Sally's Deli", 75),
    ("620559f4394d47411658b591", "2021-03-09", "Joe's Pizza", 92),
    ("620559f4394d47411658b592", "2021-03-09", "Sally's Deli", None),
    ("620559f4394d47411658b593", "2021-03-10", "Joe's Pizza", None),
    ("620559f4394d47411658b594", "2021-03-10", "Sally's Deli", 68),
    ("620559f4394d47411658b595", "2021-03-11", "Joe's Pizza", 93),
    ("620559f4394d47411658b596", "2021-03-11", "Sally's Deli", None),
]
_STOCK_IDS = ["620ad41c394d47411658b5e9", "620ad41c394d47411658b5ea", "620ad41c394d47411658b5eb",
              "620ad41c394d47411658b5ec", "620ad41c394d47411658b5ed", "620ad41c394d47411658b5ee"]
_STOCK_PRICES = [500, None, 515, None, None, 485]
_STOCK = [{"_id": oid(i), "time": iso(f"2021-03-08T{9 + n:02d}:00:00.000Z"),
           **({"price": p} if p is not None else {})} for n, (i, p) in enumerate(zip(_STOCK_IDS, _STOCK_PRICES))]
_SALES_IDS = ["6202df9f394d47411658b51e", "6202df9f394d47411658b51f", "6202df9f394d47411658b520"]
_DAILY = [
    {"_id": oid(_SALES_IDS[0]), "date": iso("2022-02-02"), "bootsSold": 10, "sandalsSold": 20, "sneakersSold": 12},
    {"_id": oid(_SALES_IDS[1]), "date": iso("2022-02-03"), "bootsSold": 7, "sneakersSold": 18},
    {"_id": oid(_SALES_IDS[2]), "date": iso("2022-02-04"), "sneakersSold": 5},
]

CASES: List[Dict[str, Any]] = [
    {"name": "setWindowFields/cumulative-by-state", "date_field": "orderDate", "source": _SWF + "#use-documents-window-to-obtain-cumulative-quantity-for-each-state",
     "docs": CAKE_SALES, "order": "any",
     "pipeline": [{"$setWindowFields": {"partitionBy": "$state", "sortBy": {"orderDate": 1}, "output": {
         "cumulativeQuantityForState": {"$sum": "$quantity", "window": {"documents": ["unbounded", "current"]}}}}}],
     "expected": _cakes("cumulativeQuantityForState", {4: 162, 0: 282, 2: 427, 5: 134, 3: 238, 1: 378})},
    {"name": "setWindowFields/cumulative-by-year", "date_field": "orderDate", "source": _SWF + "#use-documents-window-to-obtain-cumulative-quantity-for-each-year",
     "docs": CAKE_SALES, "order": "any",
     "pipeline": [{"$setWindowFields": {"partitionBy": {"$year": "$orderDate"}, "sortBy": {"orderDate": 1}, "output": {
         "cumulativeQuantityForYear": {"$sum": "$quantity", "window": {"documents": ["unbounded", "current"]}}}}}],
     "expected": _cakes("cumulativeQuantityForYear", {5: 134, 4: 296, 3: 104, 0: 224, 2: 145, 1: 285})},
    {"name": "setWindowFields/moving-average", "date_field": "orderDate", "source": _SWF + "#use-documents-window-to-obtain-moving-average-quantity-for-each-year",
     "docs": CAKE_SALES, "order": "any",
     "pipeline": [{"$setWindowFields": {"partitionBy": {"$year": "$orderDate"}, "sortBy": {"orderDate": 1}, "output": {
         "averageQuantity": {"$avg": "$quantity", "window": {"documents": [-1, 0]}}}}}],
     "expected": _cakes("averageQuantity", {5: 134, 4: 148, 3: 104, 0: 112, 2: 145, 1: 142.5})},
    {"name": "setWindowFields/cumulative-and-max", "date_field": "orderDate", "source": _SWF + "#use-documents-window-to-obtain-cumulative-and-maximum-quantity-for-each-year",
     "docs": CAKE_SALES, "order": "any",
     "pipeline": [{"$setWindowFields": {"partitionBy": {"$year": "$orderDate"}, "sortBy": {"orderDate": 1}, "output": {
         "cumulativeQuantityForYear": {"$sum": "$quantity", "window": {"documents": ["unbounded", "current"]}},
         "maximumQuantityForYear": {"$max": "$quantity", "window": {"documents": ["unbounded", "unbounded"]}}}}}],
     "expected": [{**d, "maximumQuantityForYear": m} for d, m in zip(
         _cakes("cumulativeQuantityForYear", {5: 134, 4: 296, 3: 104, 0: 224, 2: 145, 1: 285}),
         [162, 162, 120, 120, 145, 145])]},
    {"name": "setWindowFields/range-window", "date_field": "orderDate", "source": _SWF + "#range-window-example",
     "docs": CAKE_SALES, "order": "any",
     "pipeline": [{"$setWindowFields": {"partitionBy": "$state", "sortBy": {"price": 1}, "output": {
         "quantityFromSimilarOrders": {"$sum": "$quantity", "window": {"range": [-10, 10]}}}}}],
     "expected": _cakes("quantityFromSimilarOrders", {2: 265, 0: 265, 4: 162, 3: 244, 1: 244, 5: 134})},
    {"name": "setWindowFields/time-range-positive", "date_field": "orderDate", "source": _SWF + "#use-a-time-range-window-with-a-positive-upper-bound",
     "docs": CAKE_SALES, "order": "any",
     "pipeline": [{"$setWindowFields": {"partitionBy": "$state", "sortBy": {"orderDate": 1}, "output": {
         "recentOrders": {"$push": "$orderDate", "window": {"range": ["unbounded", 10], "unit": "month"}}}}}],
     "expected": _cakes("recentOrders", {
         4: [iso("2019-05-18T16:09:01Z")],
         0: [iso("2019-05-18T16:09:01Z"), iso("2020-05-18T14:10:30Z"), iso("2021-01-11T06:31:15Z")],
         2: [iso("2019-05-18T16:09:01Z"), iso("2020-05-18T14:10:30Z"), iso("2021-01-11T06:31:15Z")],
         5: [iso("2019-01-08T06:12:03Z")],
         3: [iso("2019-01-08T06:12:03Z"), iso("2020-02-08T13:13:23Z")],
         1: [iso("2019-01-08T06:12:03Z"), iso("2020-02-08T13:13:23Z"), iso("2021-03-20T11:30:05Z")]})},
    {"name": "setWindowFields/time-range-negative", "date_field": "orderDate", "source": _SWF + "#use-a-time-range-window-with-a-negative-upper-bound",
     "docs": CAKE_SALES, "order": "any",
     "pipeline": [{"$setWindowFields": {"partitionBy": "$state", "sortBy": {"orderDate": 1}, "output": {
         "recentOrders": {"$push": "$orderDate", "window": {"range": ["unbounded", -10], "unit": "month"}}}}}],
     "expected": _cakes("recentOrders", {
         4: [], 0: [iso("2019-05-18T16:09:01Z")], 2: [iso("2019-05-18T16:09:01Z")], 5: [],
         3: [iso("2019-01-08T06:12:03Z")], 1: [iso("2019-01-08T06:12:03Z"), iso("2020-02-08T13:13:23Z")]})},
    {"name": "densify/time-series", "date_field": "timestamp", "ids_pass_through": True, "source": AGG + "densify/#densify-time-series-data", "docs": _WEATHER, "order": "any",
     "pipeline": [{"$densify": {"field": "timestamp", "range": {
         "step": 1, "unit": "hour", "bounds": [iso("2021-05-18T00:00:00.000Z"), iso("2021-05-18T08:00:00.000Z")]}}}],
     "expected": [_WEATHER[0], *[{"timestamp": iso(f"2021-05-18T0{h}:00:00.000Z")} for h in (1, 2, 3)], _WEATHER[1],
                  *[{"timestamp": iso(f"2021-05-18T0{h}:00:00.000Z")} for h in (5, 6, 7)], _WEATHER[2], _WEATHER[3]]},
    {"name": "densify/full-range-partitions", "ids_pass_through": True, "source": AGG + "densify/#densify-the-full-range-of-values",
     "docs": _COFFEE, "order": "any",
     "pipeline": [{"$densify": {"field": "altitude", "partitionByFields": ["variety"], "range": {"bounds": "full", "step": 200}}}],
     "expected": [*_COFFEE[:2], {"variety": "Arabica Typica", "altitude": 800}, _COFFEE[2],
                  *[{"variety": "Gesha", "altitude": a} for a in (600, 800, 1000, 1200)], _COFFEE[3],
                  *[{"variety": "Gesha", "altitude": a} for a in (1400, 1600)], _COFFEE[4],
                  *[{"variety": "Arabica Typica", "altitude": a} for a in (1000, 1200, 1400, 1600)]]},
    {"name": "densify/partition-range", "ids_pass_through": True, "source": AGG + "densify/#densify-values-within-each-partition",
     "docs": _COFFEE, "order": "any",
     "pipeline": [{"$densify": {"field": "altitude", "partitionByFields": ["variety"], "range": {"bounds": "partition", "step": 200}}}],
     "expected": [*_COFFEE[:2], {"variety": "Arabica Typica", "altitude": 800}, _COFFEE[2], _COFFEE[3],
                  {"variety": "Gesha", "altitude": 1450}, {"variety": "Gesha", "altitude": 1650}, _COFFEE[4]]},
    {"name": "fill/constant-value", "date_field": "date", "ids_pass_through": True, "source": AGG + "fill/#fill-missing-field-values-with-a-constant-value",
     "docs": _DAILY,
     "pipeline": [{"$fill": {"output": {"bootsSold": {"value": 0}, "sandalsSold": {"value": 0}, "sneakersSold": {"value": 0}}}}],
     "expected": [_DAILY[0], {**_DAILY[1], "sandalsSold": 0}, {**_DAILY[2], "bootsSold": 0, "sandalsSold": 0}]},
    {"name": "fill/linear", "date_field": "time", "ids_pass_through": True, "source": AGG + "fill/#fill-missing-field-values-with-linear-interpolation",
     "docs": _STOCK, "pipeline": [{"$fill": {"sortBy": {"time": 1}, "output": {"price": {"method": "linear"}}}}],
     "expected": [{**d, "price": p} for d, p in zip(_STOCK, [500, 507.5, 515, 505, 495, 485])]},
    {"name": "fill/locf", "date_field": "date", "ids_pass_through": True, "source": AGG + "fill/#fill-missing-field-values-based-on-the-last-observed-value",
     "docs": _REVIEWS, "pipeline": [{"$fill": {"sortBy": {"date": 1}, "output": {"score": {"method": "locf"}}}}],
     "expected": [{**d, "score": s} for d, s in zip(_REVIEWS, [90, 92, 92, 92, 85, 85])]},
    {"name": "fill/locf-partitions", "date_field": "date", "ids_pass_through": True, "source": AGG + "fill/#fill-data-for-distinct-partitions",
     "docs": [{"_id": oid(i), "date": iso(d), "restaurant": r, **({"score": s} if s is not None else {})}
              for i, d, r, s in _MULTI], "order": "any",
     "pipeline": [{"$fill": {"sortBy": {"date": 1}, "partitionBy": {"restaurant": "$restaurant"},
                             "output": {"score": {"method": "locf"}}}}],
     "expected": [{"_id": oid(i), "date": iso(d), "restaurant": r, "score": s} for i, d, r, s in [
         ("620559f4394d47411658b58f", "2021-03-08", "Joe's Pizza", 90), ("620559f4394d47411658b591", "2021-03-09", "Joe's Pizza", 92),
         ("620559f4394d47411658b593", "2021-03-10", "Joe's Pizza", 92), ("620559f4394d47411658b595", "2021-03-11", "Joe's Pizza", 93),
         ("620559f4394d47411658b590", "2021-03-08", "Sally's Deli", 75), ("620559f4394d47411658b592", "2021-03-09", "Sally's Deli", 75),
         ("620559f4394d47411658b594", "2021-03-10", "Sally's Deli", 68), ("620559f4394d47411658b596", "2021-03-11", "Sally's Deli", 68)]]},
    {"name": "fill/value-existed", "date_field": "date", "ids_pass_through": True, "source": AGG + "fill/#indicate-if-a-field-was-populated-using--fill",
     "docs": [{**d, "_id": oid(i)} for d, i in zip(_REVIEWS, [
         "63595116b1fac2ee2e957f15", "63595116b1fac2ee2e957f16", "63595116b1fac2ee2e957f17",
         "63595116b1fac2ee2e957f18", "63595116b1fac2ee2e957f19", "63595116b1fac2ee2e957f1a"])],
     "pipeline": [{"$set": {"valueExisted": {"$ifNull": [{"$toBool": {"$toString": "$score"}}, False]}}},
                  {"$fill": {"sortBy": {"date": 1}, "output": {"score": {"method": "locf"}}}}],
     "expected": [{"_id": oid(i), "date": iso(d), "score": s, "valueExisted": e} for i, d, s, e in [
         ("63595116b1fac2ee2e957f15", "2021-03-08", 90, True), ("63595116b1fac2ee2e957f16", "2021-03-09", 92, True),
         ("63595116b1fac2ee2e957f17", "2021-03-10", 92, False), ("63595116b1fac2ee2e957f18", "2021-03-11", 92, False),
         ("63595116b1fac2ee2e957f19", "2021-03-12", 85, True), ("63595116b1fac2ee2e957f1a", "2021-03-13", 85, False)]]},
]
