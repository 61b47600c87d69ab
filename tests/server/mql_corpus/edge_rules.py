"""Rules the manual states in words, each as a case over the smallest input that shows it.

Expected outputs follow from the quoted sentence alone (worked by hand, never by running
an engine); the sentence is in ``source``."""

from __future__ import annotations

from typing import Any, Dict, List

from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId

from ._helpers import AGG, REF, iso

_SCORES = [{"_id": i + 1, "subject": "History", "score": s} for i, s in enumerate([88, 92, 97, 71, 79, 83])]
_NULLS = [{"_id": 1, "item": None}, {"_id": 2}]
_NULL_PAGE = "https://www.mongodb.com/docs/manual/tutorial/query-for-null-fields/"
_ORDER = REF + "bson-type-comparison-order/"
_ARRAYS = [{"_id": 1, "a": [1, 10]}, {"_id": 2, "a": [5, 6]}, {"_id": 3, "a": 7}]
_OID = ObjectId("55ad167f320c6be244eb3b95")

CASES: List[Dict[str, Any]] = [
    {"name": "rule/count-empty-input", "source": AGG + "count/#examples (\"If the input dataset is empty, $count "
     "doesn't return a result\"; the high_scores example)", "docs": _SCORES,
     "pipeline": [{"$match": {"score": {"$gt": 99}}}, {"$count": "high_scores"}], "expected": []},
    {"name": "rule/group-null-empty-input", "source": AGG + "first/#missing-values (\"If there are no documents "
     "from the prior pipeline stage, the $group stage returns nothing\")", "docs": _SCORES,
     "pipeline": [{"$match": {"score": {"$gt": 99}}}, {"$group": {"_id": None, "myCount": {"$sum": 1}}}], "expected": []},
    {"name": "rule/group-key-empty-input", "source": AGG + "group/#definition (\"The result is one document per "
     "unique group key\": no input, no key)", "docs": _SCORES,
     "pipeline": [{"$match": {"subject": "Math"}}, {"$group": {"_id": "$subject", "n": {"$count": {}}}}], "expected": []},
    {"name": "rule/null-equality-matches-missing", "source": _NULL_PAGE + "#equality-filter (\"{ item : null } matches "
     "documents that either contain the item field whose value is null or that do not contain the item field\")",
     "docs": _NULLS, "pipeline": [{"$match": {"item": None}}], "expected": _NULLS},
    {"name": "rule/null-type-check", "source": _NULL_PAGE + "#type-check (\"{ item : { $type: 10 } } matches ... "
     "null only\")", "docs": _NULLS, "pipeline": [{"$match": {"item": {"$type": 10}}}], "expected": [_NULLS[0]]},
    {"name": "rule/null-existence-check", "source": _NULL_PAGE + "#existence-check (\"{ item : { $exists: false } } "
     "matches documents that do not contain the item field\")", "docs": _NULLS,
     "pipeline": [{"$match": {"item": {"$exists": False}}}], "expected": [_NULLS[1]]},
    {"name": "rule/first-missing-is-null", "source": AGG + "first-array-element/#valid-operands (\"If the operand is "
     "null or missing, $first returns null\")", "docs": [{"_id": 6}],
     "pipeline": [{"$addFields": {"firstElem": {"$first": "$x"}}}], "expected": [{"_id": 6, "firstElem": None}]},
    {"name": "rule/array-literal", "ids_pass_through": True, "source": AGG + "project/#project-new-array-fields", "docs": [{"_id": _OID, "x": 1, "y": 1}],
     "pipeline": [{"$project": {"myArray": ["$x", "$y"]}}], "expected": [{"_id": _OID, "myArray": [1, 1]}]},
    {"name": "rule/array-literal-missing-is-null", "ids_pass_through": True, "source": AGG + "project/#project-new-array-fields (\"the operation "
     "substitutes null as the value for that field\")", "docs": [{"_id": _OID, "x": 1, "y": 1}],
     "pipeline": [{"$project": {"myArray": ["$x", "$y", "$someField"]}}],
     "expected": [{"_id": _OID, "myArray": [1, 1, None]}]},
    {"name": "rule/project-no-array-index", "source": AGG + "project/#array-indexes-are-unsupported",
     "docs": [{"_id": 0, "name": ["Pepperoni"]}], "pipeline": [{"$project": {"x": "$name.0", "_id": 0}}],
     "expected": [{"x": []}]},
    {"name": "rule/project-array-index-reference", "source": AGG + "project/#array-indexes-are-unsupported",
     "docs": [{"_id": 0, "name": ["Pepperoni"]}], "pipeline": [{"$project": {"x": "$name", "_id": 0}}],
     "expected": [{"x": ["Pepperoni"]}]},
    {"name": "rule/sort-array-ascending-smallest", "source": _ORDER + "#arrays (\"an ascending sort compares the "
     "smallest element of arrays\")", "docs": _ARRAYS, "pipeline": [{"$sort": {"a": 1}}],
     "expected": [_ARRAYS[0], _ARRAYS[1], _ARRAYS[2]]},
    {"name": "rule/sort-array-descending-largest", "source": _ORDER + "#arrays (\"a descending sort compares the "
     "largest element of the arrays\")", "docs": _ARRAYS, "pipeline": [{"$sort": {"a": -1}}],
     "expected": [_ARRAYS[0], _ARRAYS[2], _ARRAYS[1]]},
    {"name": "rule/sort-single-element-array", "source": _ORDER + "#arrays (\"a single-element array (e.g. [ 1 ]) "
     "with non-array fields (e.g. 2), the comparison is between 1 and 2\")",
     "docs": [{"_id": 1, "a": 2}, {"_id": 2, "a": [1]}], "pipeline": [{"$sort": {"a": 1}}],
     "expected": [{"_id": 2, "a": [1]}, {"_id": 1, "a": 2}]},
    {"name": "rule/sort-empty-array-before-null", "source": _ORDER + "#arrays (\"treats the empty array as less than "
     "null or a missing field\") and #non-existent-fields ({ } and { a: null } are equivalent)",
     "docs": [{"_id": 1, "a": None}, {"_id": 2, "a": []}, {"_id": 3}, {"_id": 4, "a": 0}],
     "pipeline": [{"$sort": {"a": 1, "_id": 1}}],
     "expected": [{"_id": 2, "a": []}, {"_id": 1, "a": None}, {"_id": 3}, {"_id": 4, "a": 0}]},
    {"name": "rule/sort-missing-equals-null-descending", "source": _ORDER + "#non-existent-fields",
     "docs": [{"_id": 1, "a": None}, {"_id": 2}, {"_id": 3, "a": 1}],
     "pipeline": [{"$sort": {"a": -1, "_id": -1}}], "expected": [{"_id": 3, "a": 1}, {"_id": 2}, {"_id": 1, "a": None}]},
    {"name": "rule/sort-across-types", "source": _ORDER + " (MinKey, Null, Numbers, Symbol/String, Object, Array, "
     "BinData, ObjectId, Boolean, Date, Timestamp, Regular Expression, MaxKey)",
     "server_skip": "ObjectId and dates are not JSON",
     "docs": [{"_id": 1, "v": True}, {"_id": 2, "v": "s"}, {"_id": 3, "v": iso("2020-01-01T00:00:00Z")},
              {"_id": 4, "v": {"k": 1}}, {"_id": 5, "v": None}, {"_id": 6, "v": 5}, {"_id": 7, "v": _OID}],
     "pipeline": [{"$sort": {"v": 1}}, {"$project": {"_id": 1}}],
     "expected": [{"_id": i} for i in (5, 6, 2, 4, 7, 1, 3)]},
    {"name": "rule/sort-across-types-json", "source": _ORDER + " (Null, Numbers, String, Object, Boolean)",
     "docs": [{"_id": 1, "v": True}, {"_id": 2, "v": "s"}, {"_id": 4, "v": {"k": 1}}, {"_id": 5, "v": None}, {"_id": 6, "v": 5}],
     "pipeline": [{"$sort": {"v": -1}}, {"$project": {"_id": 1}}],
     "expected": [{"_id": i} for i in (1, 4, 2, 6, 5)]},
    {"name": "rule/numbers-compare-by-value", "source": _ORDER + "#numeric-types (\"numeric types undergo conversion "
     "before comparison\")", "server_skip": "long and decimal are not JSON",
     "docs": [{"_id": 1, "x": Decimal128("2.5")}, {"_id": 2, "x": 1}, {"_id": 3, "x": Int64(3)}, {"_id": 4, "x": 2.0}],
     "pipeline": [{"$sort": {"x": 1}}, {"$project": {"_id": 1}}], "expected": [{"_id": i} for i in (2, 4, 1, 3)]},
    {"name": "rule/match-compares-within-type", "source": REF + "method/db.collection.find/#type-bracketing "
     "(\"the query operators... only compare values of the same type\")",
     "docs": [{"_id": 1, "x": 5}, {"_id": 2, "x": "6"}, {"_id": 3, "x": None}],
     "pipeline": [{"$match": {"x": {"$gt": 1}}}], "expected": [{"_id": 1, "x": 5}]},
    {"name": "rule/expression-compares-across-types", "source": AGG + "cmp/ (\"compares both value and type, using "
     "the specified BSON comparison order for values of different types\")",
     "docs": [{"_id": 1, "x": "6"}, {"_id": 2, "x": 5}],
     "pipeline": [{"$project": {"c": {"$cmp": ["$x", 100]}}}], "expected": [{"_id": 1, "c": 1}, {"_id": 2, "c": -1}]},
    {"name": "rule/unsupported-stage-lookup", "source": "https://docs.viam.com/data/reference/ (the supported stages; "
     "$lookup is not among them)", "docs": [{"_id": 1}],
     "pipeline": [{"$lookup": {"from": "x", "localField": "a", "foreignField": "b", "as": "c"}}], "error": "$lookup"},
    {"name": "rule/unsupported-stage-geonear", "source": "https://docs.viam.com/data/reference/ lists $geoNear; the "
     "local store builds no geospatial index, so it is refused by name (docs/reference/rpcs.md, Assumptions)",
     "docs": [{"_id": 1}], "pipeline": [{"$geoNear": {"near": [0, 0], "distanceField": "d"}}], "error": "$geoNear"},
    {"name": "rule/unsupported-stage-facet", "source": "https://docs.viam.com/data/reference/ (the supported stages)",
     "docs": [{"_id": 1}], "pipeline": [{"$facet": {"a": [{"$count": "n"}]}}], "error": "$facet"},
]
