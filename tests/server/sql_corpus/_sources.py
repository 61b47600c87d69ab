"""Where the corpus's cases come from (each case names one of these, plus an anchor)."""

from __future__ import annotations

__all__ = ["SPEC_TESTS", "SPEC", "ATLAS"]

#: MongoDB's MongoSQL spec tests: ``query`` and ``result`` (datasets in testdata/spec_tests).
SPEC_TESTS = "https://github.com/mongodb/mongosql/blob/main/tests/spec_tests/query_tests/"
#: The MongoSQL specification.
SPEC = "https://github.com/mongodb/mongosql/blob/main/semantics.md"
#: The Atlas SQL language reference.
ATLAS = "https://www.mongodb.com/docs/atlas/data-federation/query/sql/language-reference/"
