"""SIZE, POSITION, ROUND, CAST rules, date functions on time_received, aggregates.

Transcribed from the MongoSQL spec tests (``type_conversions.yml``,
``scalar_functions.yml``), recast over ``readings``: ``v`` becomes ``data.v``; the spec's
dates (``date1``, ``date2``) travel as the reading's ``time_received`` and
``time_requested``, since a reading's ``data`` holds JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List

from ._sources import ATLAS, SPEC_TESTS


def ms(value: int) -> dt.datetime:
    """``{"$date": {"$numberLong": value}}`` as an aware UTC datetime."""
    return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=value)


_STRINGS = ["", "string", "true", "false", "0", "0.0", "1", "-1", "1.4", "-1.6", "2147483648",
            "-2147483649", "9223372036854775808", "-9223372036854775809", "5e550", "2018-03-03",
            "2018-03-20 11:00:06 +0500", "5ab9cbfa31c2ab715d42129e"]
_AS_INT = [None, None, None, None, 0, None, 1, -1, None, None, None, None, None, None, None, None,
           None, None]
_AS_DOUBLE = [None, None, None, None, 0.0, 0.0, 1.0, -1.0, 1.4, -1.6, 2147483648.0, -2147483649.0,
              9223372036854776000.0, -9223372036854776000.0, None, None, None, None]
_AS_DATE = [None] * 15 + [ms(1520035200000), ms(1521525606000), None]

_DATE1, _DATE2A, _DATE2B = 1654142113000, 1723269499000, 1551407708000
#: (unit, [(interval, dateadd ms, datepart, datediff, datetrunc ms) for the two documents])
_DATE_UNITS = [
    ("YEAR", 517, [(3, 1748836513000, 2022, 2, 1640995200000),
                   (-3, 1559447713000, 2022, -3, 1640995200000)]),
    ("MONTH", 524, [(3, 1662090913000, 6, 26, 1654041600000),
                    (-3, 1646193313000, 6, -39, 1654041600000)]),
    ("DAY", 531, [(3, 1654401313000, 2, 800, 1654128000000),
                  (-3, 1653882913000, 2, -1189, 1654128000000)]),
    ("HOUR", 538, [(3, 1654152913000, 3, 19202, 1654138800000),
                   (-3, 1654131313000, 3, -28537, 1654138800000)]),
    ("MINUTE", 545, [(3, 1654142293000, 55, 1152123, 1654142100000),
                     (-3, 1654141933000, 55, -1712240, 1654142100000)]),
    ("SECOND", 552, [(3, 1654142116000, 13, 69127386, 1654142113000),
                     (-3, 1654142110000, 13, -102734405, 1654142113000)]),
    ("WEEK", 573, [(3, 1655956513000, 22, 114, 1653782400000),
                   (-3, 1652327713000, 22, -170, 1653782400000)]),
]


def _date_case(unit: str, line: int, rows: List[Any]) -> Dict[str, Any]:
    return {
        "name": f"dateadd-extract-datediff-datetrunc-{unit.lower()}-on-time-received",
        "source": SPEC_TESTS + f"scalar_functions.yml#L{line}",
        "docs": [{"interval": 3}, {"interval": -3}],
        "times": [(ms(_DATE1), ms(_DATE2A)), (ms(_DATE1), ms(_DATE2B))],
        "query": f"SELECT VALUE {{'interval': data.interval, "
                 f"'dateadd': DATEADD({unit}, data.interval, time_received), "
                 f"'datepart': EXTRACT({unit} FROM time_received), "
                 f"'datediff': DATEDIFF({unit}, time_received, time_requested), "
                 f"'datetrunc': DATETRUNC({unit}, time_received)}} FROM readings",
        "expected": [{"interval": i, "dateadd": ms(add), "datepart": part, "datediff": diff,
                      "datetrunc": ms(trunc)} for i, add, part, diff, trunc in rows],
    }


CASES: List[Dict[str, Any]] = [
    {
        "name": "size",
        "source": SPEC_TESTS + "scalar_functions.yml#L31",
        "docs": [{"a": []}, {"a": [1]}, {"a": [1, 2, 3]}, {"a": None}, {}],
        "query": "SELECT VALUE {'a': data.a, 's': SIZE(data.a)} FROM readings",
        "expected": [{"a": [], "s": 0}, {"a": [1], "s": 1}, {"a": [1, 2, 3], "s": 3},
                     {"a": None, "s": None}, {"s": None}],
    },
    {
        "name": "position-is-zero-based-minus-one-when-absent",
        "source": SPEC_TESTS + "scalar_functions.yml#L41",
        "docs": [{"s1": "", "s2": "abc"}, {"s1": "a", "s2": "abc"}, {"s1": "b", "s2": "abc"},
                 {"s1": "b", "s2": "abbbc"}, {"s1": "bc", "s2": "abbcbc"},
                 {"s1": "x", "s2": "abc"}, {"s1": None, "s2": "abc"}, {"s2": "abc"},
                 {"s1": "b", "s2": None}, {"s1": "b"}],
        "query": "SELECT VALUE {'s1': data.s1, 's2': data.s2, "
                 "'p': POSITION(data.s1 IN data.s2)} FROM readings",
        "expected": [{"s1": "", "s2": "abc", "p": 0}, {"s1": "a", "s2": "abc", "p": 0},
                     {"s1": "b", "s2": "abc", "p": 1}, {"s1": "b", "s2": "abbbc", "p": 1},
                     {"s1": "bc", "s2": "abbcbc", "p": 2}, {"s1": "x", "s2": "abc", "p": -1},
                     {"s1": None, "s2": "abc", "p": None}, {"s2": "abc", "p": None},
                     {"s1": "b", "s2": None, "p": None}, {"s1": "b", "p": None}],
    },
    {
        "name": "round-negative-places",
        "source": SPEC_TESTS + "scalar_functions.yml#L418",
        "docs": [{"v": -1234, "place": -2}, {"v": 0, "place": -2}, {"v": 1234, "place": None},
                 {"v": 1234}, {"v": 1234, "place": 2}, {"v": 1234, "place": 0},
                 {"v": 1234.5678, "place": 2}],
        "query": "SELECT VALUE {'v': data.v, 'place': data.place, "
                 "'n': ROUND(data.v, data.place)} FROM readings",
        "expected": [{"v": -1234, "place": -2, "n": -1200}, {"v": 0, "place": -2, "n": 0},
                     {"v": 1234, "place": None, "n": None}, {"v": 1234, "n": None},
                     {"v": 1234, "place": 2, "n": 1234}, {"v": 1234, "place": 0, "n": 1234},
                     {"v": 1234.5678, "place": 2, "n": 1234.57}],
    },
    {
        "name": "cast-string-to-int",
        "source": SPEC_TESTS + "type_conversions.yml#L135",
        "docs": [{"v": s} for s in _STRINGS],
        "query": "SELECT VALUE {'v': data.v, 'asInt': CAST(data.v AS INT)} FROM readings",
        "expected": [{"v": s, "asInt": r} for s, r in zip(_STRINGS, _AS_INT)],
    },
    {
        "name": "cast-string-to-double",
        "source": SPEC_TESTS + "type_conversions.yml#L379",
        "docs": [{"v": s} for s in _STRINGS],
        "query": "SELECT VALUE {'v': data.v, 'asDouble': CAST(data.v AS DOUBLE)} FROM readings",
        "expected": [{"v": s, "asDouble": r} for s, r in zip(_STRINGS, _AS_DOUBLE)],
    },
    {
        "name": "cast-string-field-to-bson-date",
        "source": SPEC_TESTS + "type_conversions.yml#L623",
        "docs": [{"v": s} for s in _STRINGS],
        "query": "SELECT VALUE {'v': data.v, 'asDate': CAST(data.v AS BSON_DATE)} FROM readings",
        "expected": [{"v": s, "asDate": r} for s, r in zip(_STRINGS, _AS_DATE)],
    },
    {
        "name": "cast-string-field-to-timestamp",
        "source": ATLAS + "#type-conversions",
        "docs": [{"v": "2018-03-03"}, {"v": "string"}],
        "query": "SELECT VALUE {'asDate': CAST(data.v AS TIMESTAMP)} FROM readings",
        "expected": [{"asDate": ms(1520035200000)}, {"asDate": None}],
    },
    {
        "name": "cast-double-to-bool",
        "source": SPEC_TESTS + "type_conversions.yml#L2",
        "docs": [{"v": 0.0}, {"v": 1.9}, {"v": -2.4}, {"v": 2147483648.4}, {"v": -2147483649.7}],
        "query": "SELECT VALUE {'v': data.v, 'asBool': CAST(data.v AS BOOL)} FROM readings",
        "expected": [{"v": 0.0, "asBool": False}, {"v": 1.9, "asBool": True},
                     {"v": -2.4, "asBool": True}, {"v": 2147483648.4, "asBool": True},
                     {"v": -2147483649.7, "asBool": True}],
    },
    {
        "name": "cast-int-to-bool",
        "source": SPEC_TESTS + "type_conversions.yml#L78",
        "docs": [{"v": 0}, {"v": 1}, {"v": -2}],
        "query": "SELECT VALUE {'v': data.v, 'asBool': CAST(data.v AS BOOL)} FROM readings",
        "expected": [{"v": 0, "asBool": False}, {"v": 1, "asBool": True},
                     {"v": -2, "asBool": True}],
    },
    {
        "name": "cast-on-null",
        "source": SPEC_TESTS + "type_conversions.yml#L193",
        "docs": [{"v": None}, {}],
        "query": "SELECT VALUE {'v': data.v, 'asIntDefault': CAST(data.v AS INT), "
                 "'asIntOnNull': CAST(data.v AS INT, 'null' ON NULL)} FROM readings",
        "expected": [{"v": None, "asIntDefault": None, "asIntOnNull": "null"},
                     {"asIntDefault": None, "asIntOnNull": "null"}],
    },
    {
        "name": "cast-on-error-document",
        "source": SPEC_TESTS + "type_conversions.yml#L158",
        "docs": [{"v": {}}, {"v": {"a": 1, "b": 2}}],
        "query": "SELECT VALUE {'v': data.v, 'asIntDefault': CAST(data.v AS INT), "
                 "'asIntOnError': CAST(data.v AS INT, 'null' ON ERROR)} FROM readings",
        "expected": [{"v": {}, "asIntDefault": None, "asIntOnError": "null"},
                     {"v": {"a": 1, "b": 2}, "asIntDefault": None, "asIntOnError": "null"}],
    },
    {
        "name": "cast-on-error-array",
        "source": SPEC_TESTS + "type_conversions.yml#L165",
        "docs": [{"v": []}, {"v": [1, 2, 3]}],
        "query": "SELECT VALUE {'v': data.v, 'asIntDefault': CAST(data.v AS INT), "
                 "'asIntOnError': CAST(data.v AS INT, 'null' ON ERROR)} FROM readings",
        "expected": [{"v": [], "asIntDefault": None, "asIntOnError": "null"},
                     {"v": [1, 2, 3], "asIntDefault": None, "asIntOnError": "null"}],
    },
    {
        "name": "cast-bool-to-int",
        "source": SPEC_TESTS + "type_conversions.yml#L178",
        "docs": [{"v": True}, {"v": False}],
        "query": "SELECT VALUE {'v': data.v, 'asInt': CAST(data.v AS INT)} FROM readings",
        "expected": [{"v": True, "asInt": 1}, {"v": False, "asInt": 0}],
    },
    {
        "name": "extract-year-of-null-and-missing",
        "source": SPEC_TESTS + "scalar_functions.yml#L95",
        "docs": [{"d": None}, {}],
        "query": "SELECT VALUE {'d': data.d, 'v': EXTRACT(YEAR FROM data.d)} FROM readings",
        "expected": [{"d": None, "v": None}, {"v": None}],
    },
    {
        "name": "datediff-start-of-week",
        "source": SPEC_TESTS + "scalar_functions.yml#L602",
        "docs": [{}, {}],
        "times": [(ms(_DATE1), ms(_DATE2A)), (ms(_DATE1), ms(_DATE2B))],
        "query": "SELECT VALUE {'sunday': DATEDIFF(WEEK, time_received, time_requested, "
                 "'sunday'), 'friday': DATEDIFF(WEEK, time_received, time_requested, "
                 "'friday')} FROM readings",
        "expected": [{"sunday": 114, "friday": 115}, {"sunday": -170, "friday": -169}],
    },
    {
        "name": "datetrunc-start-of-week",
        "source": SPEC_TESTS + "scalar_functions.yml#L616",
        "docs": [{}],
        "times": [(ms(_DATE1), ms(_DATE1))],
        "query": "SELECT VALUE {'sunday': DATETRUNC(WEEK, time_received, 'sunday'), "
                 "'friday': DATETRUNC(WEEK, time_received, 'friday')} FROM readings",
        "expected": [{"sunday": ms(1653782400000), "friday": ms(1653609600000)}],
    },
    *(_date_case(unit, line, rows) for unit, line, rows in _DATE_UNITS),
]
