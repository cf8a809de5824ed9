"""A Rego tokenizer: the one place that knows where strings, comments and brackets are.

Everything that reads or rewrites policy text (v0 detection, the v0→v1 converter, the
static checks, the reference rewriter) works on these tokens, never on regular
expressions over raw text, so a `{` inside a string or a `deny[msg]` inside a comment
can never confuse them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

IDENT, NUMBER, STRING, RAW_STRING, OPERATOR, NEWLINE, COMMENT = (
    "ident", "number", "string", "raw", "op", "newline", "comment")
OPEN, CLOSE = "([{", ")]}"
KEYWORDS = frozenset({"package", "import", "as", "default", "else", "not", "with", "some",
                      "every", "in", "if", "contains", "true", "false", "null"})

_TOKEN = re.compile(r"""
    (?P<newline>\n)
  | (?P<space>[ \t\r\f]+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>:=|==|!=|<=|>=|[-+*/%&|<>=.,;:()\[\]{}])
""", re.VERBOSE)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    start: int      # character offset in the source
    line: int       # 1-based
    column: int     # 1-based

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def is_op(self, *texts: str) -> bool:
        return self.kind == OPERATOR and self.text in texts

    def is_word(self, *words: str) -> bool:
        return self.kind == IDENT and self.text in words


class LexError(ValueError):
    """Text that is not Rego at the token level (an unterminated string, a stray `@`)."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line, self.column = line, column


def tokenize(source: str, comments: bool = False) -> list[Token]:
    """All tokens of `source`, newlines included (they end statements in Rego)."""
    tokens: list[Token] = []
    position, line, line_start = 0, 1, 0
    length = len(source)
    while position < length:
        match = _TOKEN.match(source, position)
        column = position - line_start + 1
        if match is None:
            char = source[position]
            message = ("unterminated string" if char == '"' else
                       "unterminated raw string" if char == "`" else f"unexpected character {char!r}")
            raise LexError(message, line, column)
        kind = match.lastgroup
        text = match.group()
        if kind != "space" and (kind != COMMENT or comments):
            tokens.append(Token(kind, text, position, line, column))
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = position + text.rindex("\n") + 1
        position = match.end()
    return tokens


def position_of(source: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset."""
    offset = max(0, min(offset, len(source)))
    line = source.count("\n", 0, offset) + 1
    return line, offset - (source.rfind("\n", 0, offset) + 1) + 1


def matching(tokens: list[Token], index: int) -> int:
    """Index of the bracket closing the one at `index` (or len(tokens) when unbalanced)."""
    depth = 0
    for position in range(index, len(tokens)):
        token = tokens[position]
        if token.kind == OPERATOR:
            if token.text in OPEN:
                depth += 1
            elif token.text in CLOSE:
                depth -= 1
                if depth == 0:
                    return position
    return len(tokens)
