"""Cases for $group, $project, $sort, $redact, $set, $limit, $skip and $sample."""

from __future__ import annotations

from typing import Any, Dict, List

from ._helpers import AGG, dec, iso

_GROUP = AGG + "group/"
_SALES = [
    {"_id": 1, "item": "abc", "price": dec("10"), "quantity": 2, "date": iso("2014-03-01T08:00:00Z")},
    {"_id": 2, "item": "jkl", "price": dec("20"), "quantity": 1, "date": iso("2014-03-01T09:00:00Z")},
    {"_id": 3, "item": "xyz", "price": dec("5"), "quantity": 10, "date": iso("2014-03-15T09:00:00Z")},
    {"_id": 4, "item": "xyz", "price": dec("5"), "quantity": 20, "date": iso("2014-04-04T11:21:39.736Z")},
    {"_id": 5, "item": "abc", "price": dec("10"), "quantity": 10, "date": iso("2014-04-04T21:23:13.331Z")},
    {"_id": 6, "item": "def", "price": dec("7.5"), "quantity": 5, "date": iso("2015-06-04T05:08:13Z")},
    {"_id": 7, "item": "def", "price": dec("7.5"), "quantity": 10, "date": iso("2015-09-10T08:43:00Z")},
    {"_id": 8, "item": "abc", "price": dec("10"), "quantity": 5, "date": iso("2016-02-06T20:20:13Z")},
]
_BOOKS = [
    {"_id": 8751, "title": "The Banquet", "author": "Dante", "copies": 2},
    {"_id": 8752, "title": "Divine Comedy", "author": "Dante", "copies": 1},
    {"_id": 8645, "title": "Eclogues", "author": "Dante", "copies": 2},
    {"_id": 7000, "title": "The Odyssey", "author": "Homer", "copies": 10},
    {"_id": 7020, "title": "Iliad", "author": "Homer", "copies": 10},
]
_BOOK = {"_id": 1, "title": "abc123", "isbn": "0001122223334", "author": {"last": "zzz", "first": "aaa"}, "copies": 5}
_BOOK_MOD = {**_BOOK, "lastModified": "2016-07-28"}
_REMOVE_BOOKS = [
    _BOOK_MOD,
    {"_id": 2, "title": "Baked Goods", "isbn": "9999999999999", "author": {"last": "xyz", "first": "abc", "middle": ""},
     "copies": 2, "lastModified": "2017-07-21"},
    {"_id": 3, "title": "Ice Cream Cakes", "isbn": "8888888888888", "author": {"last": "xyz", "first": "abc", "middle": "mmm"},
     "copies": 5, "lastModified": "2017-07-22"},
]
_BOOKMARKS = [
    {"_id": 1, "user": "1234", "stop": {"title": "book1", "author": "xyz", "page": 32}},
    {"_id": 2, "user": "7890", "stop": [{"title": "book2", "author": "abc", "page": 5},
                                         {"title": "book3", "author": "ijk", "page": 100}]},
]
_RESTAURANTS = [
    {"_id": 1, "name": "Central Park Cafe", "borough": "Manhattan"},
    {"_id": 2, "name": "Rock A Feller Bar and Grill", "borough": "Queens"},
    {"_id": 3, "name": "Empire State Pub", "borough": "Brooklyn"},
    {"_id": 4, "name": "Stan's Pizzaria", "borough": "Manhattan"},
    {"_id": 5, "name": "Jane's Deli", "borough": "Brooklyn"},
]
_FORECAST = {
    "_id": 1, "title": "123 Department Report", "tags": ["G", "STLW"], "year": 2014,
    "subsections": [
        {"subtitle": "Section 1: Overview", "tags": ["SI", "G"], "content": "Section 1: This is the content of section 1."},
        {"subtitle": "Section 2: Analysis", "tags": ["STLW"], "content": "Section 2: This is the content of section 2."},
        {"subtitle": "Section 3: Budgeting", "tags": ["TK"],
         "content": {"text": "Section 3: This is the content of section3.", "tags": ["HCS"]}},
    ],
}
_ACCOUNT = {
    "_id": 1, "level": 1, "acct_id": "xyz123",
    "cc": {"level": 5, "type": "yy", "num": 0, "exp_date": iso("2015-11-01T00:00:00.000Z"),
           "billing_addr": {"level": 5, "addr1": "123 ABC Street", "city": "Some City"},
           "shipping_addr": [{"level": 3, "addr1": "987 XYZ Ave", "city": "Some City"},
                             {"level": 3, "addr1": "PO Box 0123", "city": "Some City"}]},
    "status": "A",
}
_USERS = [
    {"_id": 1, "name": "dave123", "q1": True, "q2": True}, {"_id": 2, "name": "dave2", "q1": False, "q2": False},
    {"_id": 3, "name": "ahn", "q1": True, "q2": True}, {"_id": 4, "name": "li", "q1": True, "q2": False},
    {"_id": 5, "name": "annT", "q1": False, "q2": True}, {"_id": 6, "name": "li", "q1": True, "q2": True},
    {"_id": 7, "name": "ty", "q1": False, "q2": True},
]
_SCORES = [
    {"_id": 1, "student": "Maya", "homework": [10, 5, 10], "quiz": [10, 8], "extraCredit": 0},
    {"_id": 2, "student": "Ryan", "homework": [5, 6, 5], "quiz": [8, 8], "extraCredit": 8},
]

CASES: List[Dict[str, Any]] = [
    {"name": "group/count-accumulator", "source": _GROUP + "#count-the-number-of-documents-in-a-collection", "docs": _SALES,
     "pipeline": [{"$group": {"_id": None, "count": {"$count": {}}}}], "expected": [{"_id": None, "count": 8}]},
    {"name": "group/distinct", "source": _GROUP + "#retrieve-distinct-values", "docs": _SALES, "order": "any",
     "pipeline": [{"$group": {"_id": "$item"}}], "expected": [{"_id": i} for i in ("abc", "jkl", "def", "xyz")]},
    {"name": "group/having", "source": _GROUP + "#group-by-item-having", "docs": _SALES, "order": "any",
     "pipeline": [{"$group": {"_id": "$item", "totalSaleAmount": {"$sum": {"$multiply": ["$price", "$quantity"]}}}},
                  {"$match": {"totalSaleAmount": {"$gte": 100}}}],
     "expected": [{"_id": "abc", "totalSaleAmount": dec("170")}, {"_id": "xyz", "totalSaleAmount": dec("150")},
                  {"_id": "def", "totalSaleAmount": dec("112.5")}]},
    {"name": "group/by-day", "source": _GROUP + "#group-by-day-of-the-year", "docs": _SALES,
     "pipeline": [{"$match": {"date": {"$gte": iso("2014-01-01"), "$lt": iso("2015-01-01")}}},
                  {"$group": {"_id": {"$dateToString": {"format": "%Y-%m-%d", "date": "$date"}},
                              "totalSaleAmount": {"$sum": {"$multiply": ["$price", "$quantity"]}},
                              "averageQuantity": {"$avg": "$quantity"}, "count": {"$sum": 1}}},
                  {"$sort": {"totalSaleAmount": -1}}],
     "expected": [{"_id": "2014-04-04", "totalSaleAmount": dec("200"), "averageQuantity": 15, "count": 2},
                  {"_id": "2014-03-15", "totalSaleAmount": dec("50"), "averageQuantity": 10, "count": 1},
                  {"_id": "2014-03-01", "totalSaleAmount": dec("40"), "averageQuantity": 1.5, "count": 2}]},
    {"name": "group/null", "source": _GROUP + "#group-by-null", "docs": _SALES,
     "pipeline": [{"$group": {"_id": None, "totalSaleAmount": {"$sum": {"$multiply": ["$price", "$quantity"]}},
                              "averageQuantity": {"$avg": "$quantity"}, "count": {"$sum": 1}}}],
     "expected": [{"_id": None, "totalSaleAmount": dec("452.5"), "averageQuantity": 7.875, "count": 8}]},
    {"name": "group/pivot-titles", "source": _GROUP + "#group-title-by-author", "docs": _BOOKS, "order": "any",
     "pipeline": [{"$group": {"_id": "$author", "books": {"$push": "$title"}}}],
     "expected": [{"_id": "Homer", "books": ["The Odyssey", "Iliad"]},
                  {"_id": "Dante", "books": ["The Banquet", "Divine Comedy", "Eclogues"]}]},
    {"name": "group/root", "source": _GROUP + "#group-documents-by-author", "docs": _BOOKS, "order": "any",
     "pipeline": [{"$group": {"_id": "$author", "books": {"$push": "$$ROOT"}}},
                  {"$addFields": {"totalCopies": {"$sum": "$books.copies"}}}],
     "expected": [{"_id": "Homer", "books": _BOOKS[3:], "totalCopies": 20},
                  {"_id": "Dante", "books": _BOOKS[:3], "totalCopies": 5}]},
    {"name": "top/null-and-missing", "source": AGG + "top/#null-and-missing-values (tested example output)",
     "docs": [{"playerId": "PlayerA", "gameId": "G1", "score": 1}, {"playerId": "PlayerB", "gameId": "G1", "score": 2},
              {"playerId": "PlayerC", "gameId": "G1", "score": 3}, {"playerId": "PlayerD", "gameId": "G1"},
              {"playerId": "PlayerE", "gameId": "G1", "score": None}],
     "pipeline": [{"$group": {"_id": "$gameId", "playerId": {"$top": {"output": ["$playerId", "$score"],
                                                                     "sortBy": {"score": 1}}}}}],
     "expected": [{"_id": "G1", "playerId": ["PlayerD", None]}]},
    {"name": "group/first-missing-values", "source": AGG + "first/#missing-values (\"Documents that are missing the "
     "item field are grouped together with a null value for the _id field. When the accumulator field is missing "
     "... $first returns null\"; the badData collection)", "order": "any",
     "docs": [{"_id": 1, "price": 6, "quantity": 6}, {"_id": 2, "item": "album", "price": 5, "quantity": 5},
              {"_id": 7, "item": "tape", "price": 6, "quantity": 6}, {"_id": 8, "price": 5, "quantity": 5},
              {"_id": 9, "item": "album", "price": 3, "quantity": ""}, {"_id": 10, "item": "tape", "price": 3, "quantity": 4},
              {"_id": 12, "item": "cd", "price": 7}],
     "pipeline": [{"$sort": {"item": 1, "price": 1}}, {"$group": {"_id": "$item", "inStock": {"$first": "$quantity"}}}],
     "expected": [{"_id": None, "inStock": 5}, {"_id": "album", "inStock": ""}, {"_id": "cd", "inStock": None},
                  {"_id": "tape", "inStock": 4}]},
    {"name": "project/include", "source": AGG + "project/#include-specific-fields-in-output-documents", "docs": [_BOOK],
     "pipeline": [{"$project": {"title": 1, "author": 1}}],
     "expected": [{"_id": 1, "title": "abc123", "author": {"last": "zzz", "first": "aaa"}}]},
    {"name": "project/suppress-id", "source": AGG + "project/#suppress-_id-field-in-the-output-documents", "docs": [_BOOK],
     "pipeline": [{"$project": {"_id": 0, "title": 1, "author": 1}}],
     "expected": [{"title": "abc123", "author": {"last": "zzz", "first": "aaa"}}]},
    {"name": "project/exclude-embedded", "source": AGG + "project/#exclude-fields-from-embedded-documents", "docs": [_BOOK_MOD],
     "pipeline": [{"$project": {"author.first": 0, "lastModified": 0}}],
     "expected": [{"_id": 1, "title": "abc123", "isbn": "0001122223334", "author": {"last": "zzz"}, "copies": 5}]},
    {"name": "project/exclude-embedded-nested", "source": AGG + "project/#exclude-fields-from-embedded-documents",
     "docs": [_BOOK_MOD], "pipeline": [{"$project": {"author": {"first": 0}, "lastModified": 0}}],
     "expected": [{"_id": 1, "title": "abc123", "isbn": "0001122223334", "author": {"last": "zzz"}, "copies": 5}]},
    {"name": "project/remove-dotted", "source": AGG + "project/#conditionally-exclude-fields", "docs": _REMOVE_BOOKS,
     "pipeline": [{"$project": {"title": 1, "author.first": 1, "author.last": 1, "author.middle": {
         "$cond": {"if": {"$eq": ["", "$author.middle"]}, "then": "$$REMOVE", "else": "$author.middle"}}}}],
     "expected": [{"_id": 1, "title": "abc123", "author": {"last": "zzz", "first": "aaa"}},
                  {"_id": 2, "title": "Baked Goods", "author": {"last": "xyz", "first": "abc"}},
                  {"_id": 3, "title": "Ice Cream Cakes", "author": {"last": "xyz", "first": "abc", "middle": "mmm"}}]},
    {"name": "project/embedded-in-array", "source": AGG + "project/#include-specific-fields-from-embedded-documents",
     "docs": _BOOKMARKS, "pipeline": [{"$project": {"stop.title": 1}}],
     "expected": [{"_id": 1, "stop": {"title": "book1"}}, {"_id": 2, "stop": [{"title": "book2"}, {"title": "book3"}]}]},
    {"name": "project/embedded-in-array-nested", "source": AGG + "project/#include-specific-fields-from-embedded-documents",
     "docs": _BOOKMARKS, "pipeline": [{"$project": {"stop": {"title": 1}}}],
     "expected": [{"_id": 1, "stop": {"title": "book1"}}, {"_id": 2, "stop": [{"title": "book2"}, {"title": "book3"}]}]},
    {"name": "project/empty-spec-errors", "source": AGG + "project/#empty-specification", "docs": [_BOOK],
     "pipeline": [{"$project": {}}], "error": "$project"},
    {"name": "project/path-collision", "source": AGG + "project/#path-collision-errors-in-embedded-fields", "docs": [_BOOK],
     "pipeline": [{"$project": {"contact": 1, "contact.address.country": 1}}], "error": "collision"},
    {"name": "sort/consistent", "source": AGG + "sort/#sort-consistency", "docs": _RESTAURANTS,
     "pipeline": [{"$sort": {"borough": 1, "_id": 1}}],
     "expected": [_RESTAURANTS[i] for i in (2, 4, 0, 3, 1)]},
    {"name": "sort/ties-any-order", "source": AGG + "sort/#sort-consistency", "docs": _RESTAURANTS,
     "pipeline": [{"$sort": {"borough": 1}}], "expected": [_RESTAURANTS[i] for i in (2, 4, 0, 3, 1)],
     "order": ("sorted", "borough", 1)},
    {"name": "redact/descend-prune", "source": AGG + "redact/#evaluate-access-at-every-document-sub-document-level",
     "docs": [_FORECAST],
     "pipeline": [{"$match": {"year": 2014}}, {"$redact": {"$cond": {
         "if": {"$gt": [{"$size": {"$setIntersection": ["$tags", ["STLW", "G"]]}}, 0]},
         "then": "$$DESCEND", "else": "$$PRUNE"}}}],
     "expected": [{**_FORECAST, "subsections": _FORECAST["subsections"][:2]}]},
    {"name": "redact/exclude-level", "source": AGG + "redact/#exclude-all-fields-at-a-given-level", "docs": [_ACCOUNT],
     "pipeline": [{"$match": {"status": "A"}}, {"$redact": {"$cond": {
         "if": {"$eq": ["$level", 5]}, "then": "$$PRUNE", "else": "$$DESCEND"}}}],
     "expected": [{"_id": 1, "level": 1, "acct_id": "xyz123", "status": "A"}]},
    {"name": "set/quiz-average", "source": AGG + "set/#creating-a-new-field-with-existing-fields", "docs": _SCORES,
     "pipeline": [{"$set": {"quizAverage": {"$avg": "$quiz"}}}],
     "expected": [{**_SCORES[0], "quizAverage": 9}, {**_SCORES[1], "quizAverage": 8}]},
    {"name": "set/embedded", "source": AGG + "set/#adding-fields-to-an-embedded-document",
     "docs": [{"_id": 1, "type": "car", "specs": {"doors": 4, "wheels": 4}},
              {"_id": 2, "type": "motorcycle", "specs": {"doors": 0, "wheels": 2}}, {"_id": 3, "type": "jet ski"}],
     "pipeline": [{"$set": {"specs.fuel_type": "unleaded"}}],
     "expected": [{"_id": 1, "type": "car", "specs": {"doors": 4, "wheels": 4, "fuel_type": "unleaded"}},
                  {"_id": 2, "type": "motorcycle", "specs": {"doors": 0, "wheels": 2, "fuel_type": "unleaded"}},
                  {"_id": 3, "type": "jet ski", "specs": {"fuel_type": "unleaded"}}]},
    {"name": "sample/size", "source": AGG + "sample/#example (\"returns three random documents\")", "docs": _USERS,
     "pipeline": [{"$sample": {"size": 3}}], "sample_of": 3},
    {"name": "sample/size-larger-than-input", "source": AGG + "sample/#behavior (a scan, a sort, then the top N "
     "documents: all of them when there are fewer than N)", "docs": _USERS, "pipeline": [{"$sample": {"size": 10}}],
     "sample_of": 7},
]
