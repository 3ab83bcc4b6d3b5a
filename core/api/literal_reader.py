"""The head of a query text, read quickly: the operation, its root field and that field's
literal arguments, up to the closing parenthesis (:mod:`core.api.literals` lifts them).

graphql-core's lexer reads a text character by character in Python: a household written
into the query cost about 0.4 ms to read so, more than its evaluation. This reader takes
the same tokens with one regular expression, and only the plain ones: names, numbers,
punctuators, comments and strings with the plain escapes. Anything else (``\\u{...}``,
a surrogate pair, a block string, a control character, a number followed by a letter)
is :class:`Unreadable`, and the caller reads the text with graphql-core instead. So what
is read here is a subset of what graphql-core reads, read the same way; the values come
back as small ``(kind, payload)`` pairs, the kinds named after GraphQL's value nodes:

``("string", text)``, ``("int", digits)``, ``("float", digits)``, ``("enum", name)``,
``("boolean", bool)``, ``("null", None)``, ``("variable", name)``,
``("list", [value, ...])``, ``("object", [(name, value), ...])``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

Value = tuple[str, Any]

_TOKEN = re.compile(
    r"""
    (?P<skip>[ \t\r\n,\ufeff]+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<block>""\")
  | (?P<string>"(?:[^"\\\x00-\x1f\x7f\ud800-\udfff]|\\["\\/bfnrt]|\\u[0-9A-Fa-f]{4})*")
  | (?P<number>-?(?:0|[1-9][0-9]*)(?P<float>(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)(?![_A-Za-z0-9.]))
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<punctuator>\.\.\.|[!$&():=@\[\]{|}])
    """,
    re.VERBOSE,
)


_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|(.))")
_ESCAPED = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _unescaped(match: re.Match[str]) -> str:
    code, letter = match.groups()
    if code is None:
        return _ESCAPED[letter]
    point = int(code, 16)
    if 0xD800 <= point <= 0xDFFF:
        raise Unreadable  # half of a surrogate pair: graphql-core pairs them
    return chr(point)


class Unreadable(Exception):
    """Something this reader does not take: read the text with graphql-core instead."""


@dataclass(frozen=True)
class Argument:
    name: str
    value: Value
    start: int  #: where the value's text begins
    end: int  #: and ends


@dataclass(frozen=True)
class Head:
    """What comes before a query's selection of its root field."""

    written: bool  #: the operation begins with the word ``query``
    opening: int  #: where the operation's selection set opens (its ``{``)
    field: str  #: the root field (not its alias)
    arguments: tuple[Argument, ...]
    split: int  #: just after the arguments' closing parenthesis
    tokens: int  #: the tokens up to there, comments included (as graphql-core counts)


class _Scanner:
    __slots__ = ("at", "end", "kind", "previous_end", "start", "text", "token", "tokens")

    def __init__(self, text: str) -> None:
        self.text, self.at, self.tokens = text, 0, 0
        self.kind, self.token, self.start, self.end, self.previous_end = "", "", 0, 0, 0
        self.advance()

    def advance(self) -> None:
        """Move to the next token (the end of the text is the kind ``eof``)."""
        text, match = self.text, _TOKEN.match
        self.previous_end = self.end
        while True:
            if self.at >= len(text):
                self.kind, self.token, self.start = "eof", "", self.at
                self.end = self.at
                return
            found = match(text, self.at)
            if found is None:
                raise Unreadable
            kind = found.lastgroup
            self.at = found.end()
            if kind == "skip":
                continue
            self.tokens += 1
            if kind == "comment":
                continue
            if kind == "block":
                raise Unreadable
            if kind == "number" and found.group("float"):
                kind = "float"
            self.kind, self.token = kind or "", found.group()
            self.start, self.end = found.start(), self.at
            return

    def take(self, punctuator: str) -> bool:
        if self.kind == "punctuator" and self.token == punctuator:
            self.advance()
            return True
        return False

    def name(self) -> str:
        if self.kind != "name":
            raise Unreadable  # graphql-core says what is wrong
        value = self.token
        self.advance()
        return value

    def value(self) -> Value:
        kind, token = self.kind, self.token
        if kind == "string":
            self.advance()
            text = token[1:-1]
            return ("string", _ESCAPE.sub(_unescaped, text) if "\\" in text else text)
        if kind in ("number", "float"):
            self.advance()
            return ("int" if kind == "number" else "float", token)
        if kind == "name":
            self.advance()
            if token in ("true", "false"):
                return ("boolean", token == "true")
            return ("null", None) if token == "null" else ("enum", token)
        if self.take("["):
            items = []
            while not self.take("]"):
                items.append(self.value())
            return ("list", items)
        if self.take("{"):
            fields = []
            while not self.take("}"):
                key = self.name()
                if not self.take(":"):
                    raise Unreadable
                fields.append((key, self.value()))
            return ("object", fields)
        if self.take("$"):
            return ("variable", self.name())
        raise Unreadable


def read_head(text: str) -> Head | None:
    """The head of ``text``, or None when its first operation is not a query whose
    selection opens with one field taking arguments (a mutation, a fragment first,
    variables declared, no arguments...). Raises :class:`Unreadable` for what this reader
    does not take."""
    scan = _Scanner(text)
    written = scan.kind == "name" and scan.token == "query"
    if written:
        scan.advance()
        if scan.kind == "name":
            scan.advance()  # the operation's name
    elif not (scan.kind == "punctuator" and scan.token == "{"):
        return None
    if not (scan.kind == "punctuator" and scan.token == "{"):
        return None  # variables declared, directives: as sent
    opening = scan.start
    scan.advance()
    field = scan.name()
    if scan.take(":"):
        field = scan.name()  # the first was an alias
    if not scan.take("("):
        return None
    arguments = []
    while not (scan.kind == "punctuator" and scan.token == ")"):
        name = scan.name()
        if not scan.take(":"):
            raise Unreadable
        start = scan.start
        value = scan.value()
        arguments.append(Argument(name, value, start, scan.previous_end))
    if not arguments:
        raise Unreadable  # "()" is a syntax error: graphql-core words it
    return Head(written, opening, field, tuple(arguments), scan.end, scan.tokens)
