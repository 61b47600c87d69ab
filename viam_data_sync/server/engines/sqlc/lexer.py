"""MongoSQL's tokens: strings, delimited identifiers, reserved words, numbers, operators."""
from __future__ import annotations

import re
from typing import Any, List, Tuple

__all__ = ["tokenize", "Unsupported", "RESERVED"]


class Unsupported(Exception):
    """The text is not MongoSQL the local server compiles (the message names why)."""


#: MongoSQL's reserved words (spec: "Keywords"), those a user meets as field names.
RESERVED = frozenset("""
ALL AND ANY AS ASC BETWEEN BY CASE CAST CROSS CURRENT_TIMESTAMP DESC DISTINCT ELSE END
ERROR EXCEPT EXISTS EXTRACT FALSE FLATTEN FOR FROM FULL GROUP HAVING IN INNER INTERSECT
IS JOIN LEFT LIKE LIMIT MISSING NATURAL NOT NULL OFFSET ON OR ORDER OUTER POSITION RIGHT
SELECT SOME SUBSTRING THEN TRUE UNION UNWIND USING VALUE VALUES WHEN WHERE WITH AGGREGATE
ESCAPE TRIM
""".split())

_TOKEN = re.compile(r"""
    (?P<ws>\s+|--[^\n]*|/\*.*?\*/)
  | (?P<num>\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)
  | (?P<str>'(?:[^']|'')*')
  | (?P<qid>`(?:[^`]|``)*`|"(?:[^"]|"")*")
  | (?P<word>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<op>::!|::|=>|<>|!=|<=|>=|\|\||[-+*/%(),.;=<>\[\]{}:?])
""", re.VERBOSE | re.DOTALL)


def tokenize(text: str) -> List[Tuple[str, Any, int]]:
    """``(kind, value, offset)`` tokens ending with ``("end", None, len(text))``.

    Example:
        >>> tokenize("SELECT `value`")[:2]
        [('kw', 'SELECT', 0), ('id', 'value', 7)]
    """
    tokens: List[Tuple[str, Any, int]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text.startswith("/*", position):
                raise Unsupported("invalid SQL: unterminated comment")
            if text[position] in "'`\"":
                raise Unsupported(f"invalid SQL: unterminated quote at column {position + 1}")
            raise Unsupported(f"invalid SQL: unexpected character {text[position]!r} at "
                              f"column {position + 1}")
        kind, value = match.lastgroup or "", match.group()
        position = match.end()
        if kind == "ws":
            continue
        if kind == "str":
            tokens.append(("str", value[1:-1].replace("''", "'"), match.start()))
        elif kind == "qid":
            quote = value[0]
            tokens.append(("id", value[1:-1].replace(quote * 2, quote), match.start()))
        elif kind == "word":
            if value.upper() in RESERVED:
                tokens.append(("kw", value.upper(), match.start()))
            else:
                tokens.append(("id", value, match.start()))
        elif kind == "num":
            tokens.append(("num", value, match.start()))
        else:
            tokens.append(("op", value, match.start()))
    tokens.append(("end", None, len(text)))
    return tokens
