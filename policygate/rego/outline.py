"""The shape of a Rego module: package, imports and rule heads, read from tokens.

This is not a Rego parser: it splits a module into top-level statements and looks at
rule heads, which is all that v0 detection, the converter, Conftest rule discovery
(`deny`, `warn_*`, `test_*`) and the static checks need. The engines still compile the
real thing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from policygate.rego.lexer import (CLOSE, IDENT, KEYWORDS, NEWLINE, NUMBER, OPEN, OPERATOR,
                                   RAW_STRING, STRING, Token, matching, tokenize)

# Tokens after which a `{` starts a rule body rather than an object or set literal.
_BODY_AFTER = frozenset({"if", "else"})


@dataclass(frozen=True, slots=True)
class Clause:
    """One head/body pair of a rule: the rule itself, an `else` branch or a v0 extra body.

    Spans are token index ranges [start, end); `body` is None for rules without a body.
    `body_brace` says the body is a `{ ... }` block (else it is `if expr`).
    """

    head: tuple[int, int]
    body: tuple[int, int] | None
    body_brace: bool
    keyword: str                    # "" for the rule head, "else" or "body" (v0 extra body)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str                       # "deny", or "a.b" for a ref head
    line: int
    column: int
    start: int                      # token index of the statement
    end: int                        # token index after the statement
    clauses: tuple[Clause, ...]
    default: bool = False
    function: bool = False          # f(x) := ...
    bracket: bool = False           # name[key] ...
    contains: bool = False
    value: bool = False             # has `=` / `:=` in the head
    v0: str | None = None           # why this rule is Rego v0 syntax, None when it is v1


@dataclass(frozen=True, slots=True)
class Import:
    path: tuple[str, ...]           # ("data", "lib", "k8s")
    alias: str                      # the name it binds
    line: int


@dataclass(slots=True)
class Outline:
    package: tuple[str, ...] = ()
    package_line: int = 0
    imports: list[Import] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    source: str = ""

    @property
    def package_name(self) -> str:
        return ".".join(self.package)

    def v0_rules(self) -> list[Rule]:
        return [rule for rule in self.rules if rule.v0 is not None]


def ends_term(token: Token) -> bool:
    if token.kind in (NUMBER, STRING, RAW_STRING):
        return True
    if token.kind == IDENT:
        return token.text not in KEYWORDS or token.text in ("true", "false", "null")
    return token.kind == OPERATOR and token.text in CLOSE


def _statements(tokens: list[Token]) -> list[tuple[int, int]]:
    """Top-level statement spans; a newline ends a statement unless `else` or a v0 extra
    body `{` continues it."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind == NEWLINE:
            if start is not None:
                following = index
                while following < len(tokens) and tokens[following].kind == NEWLINE:
                    following += 1
                nxt = tokens[following] if following < len(tokens) else None
                continues = nxt is not None and (nxt.is_word("else") or (
                    nxt.is_op("{") and ends_term(tokens[index - 1])
                    and tokens[start].text not in ("package", "import")))
                if not continues:
                    spans.append((start, index))
                    start = None
                index = following
                continue
            index += 1
            continue
        if start is None:
            start = index
        if token.kind == OPERATOR and token.text in OPEN:
            index = matching(tokens, index) + 1
            continue
        index += 1
    if start is not None:
        spans.append((start, len(tokens)))
    return spans


def ref_path(tokens: list[Token], index: int, end: int) -> tuple[tuple[str, ...], int]:
    """A dotted reference `a.b["c"]` starting at `index`: its parts and the next index."""
    parts = [tokens[index].text]
    index += 1
    while index < end:
        token = tokens[index]
        if token.is_op(".") and index + 1 < end and tokens[index + 1].kind == IDENT:
            parts.append(tokens[index + 1].text)
            index += 2
        elif (token.is_op("[") and index + 2 < end and tokens[index + 1].kind == STRING
              and tokens[index + 2].is_op("]")):
            parts.append(tokens[index + 1].text[1:-1])
            index += 3
        else:
            break
    return tuple(parts), index


def _clauses(tokens: list[Token], start: int, end: int) -> list[Clause]:
    """Split a rule statement into head/body clauses."""
    clauses: list[Clause] = []
    head_start, keyword = start, ""
    index = start
    while index < end:
        token = tokens[index]
        extra_body = keyword == "body" and index == head_start
        if token.is_op("{") and (extra_body or index > head_start and (
                ends_term(tokens[index - 1]) or tokens[index - 1].text in _BODY_AFTER)
                and not tokens[index - 1].is_word("contains")):
            close = min(matching(tokens, index), end - 1)
            clauses.append(Clause((head_start, index), (index + 1, close), True, keyword))
            index = close + 1
            while index < end and tokens[index].kind == NEWLINE:
                index += 1
            if index < end and tokens[index].is_word("else"):
                head_start, keyword = index, "else"
                index += 1
            elif index < end and tokens[index].is_op("{"):
                head_start, keyword = index, "body"
            else:
                head_start = end
                break
            continue
        if token.is_word("if") and (index + 1 >= end or not tokens[index + 1].is_op("{")):
            # `if expr` without braces: the body runs to the end of the line (or `else`).
            body_end = index + 1
            while body_end < end and not tokens[body_end].is_word("else"):
                if tokens[body_end].kind == OPERATOR and tokens[body_end].text in OPEN:
                    body_end = matching(tokens, body_end)
                body_end += 1
            clauses.append(Clause((head_start, index), (index + 1, min(body_end, end)), False,
                                  keyword))
            index = body_end
            if index < end and tokens[index].is_word("else"):
                head_start, keyword = index, "else"
                index += 1
                continue
            head_start = end
            break
        if token.kind == OPERATOR and token.text in OPEN:
            index = matching(tokens, index) + 1
            continue
        index += 1
    if head_start < end:
        clauses.append(Clause((head_start, end), None, False, keyword))
    return clauses


def _rule(source: str, tokens: list[Token], start: int, end: int) -> Rule | None:
    default = tokens[start].is_word("default")
    first = start + 1 if default else start
    if first >= end or tokens[first].kind != IDENT:
        return None
    parts, after = ref_path(tokens, first, end)
    name = ".".join(parts)
    clauses = _clauses(tokens, first, end)
    head_start, head_end = clauses[0].head
    bracket = after < end and tokens[after].is_op("[")
    function = after < end and tokens[after].is_op("(")
    top = top_level(tokens, head_start, head_end)
    contains = any(t.is_word("contains") for t in top)
    value = any(t.is_op("=", ":=") for t in top)
    v0 = None
    first_head = tokens[first].text
    for clause in clauses:
        top_clause = top_level(tokens, *clause.head)
        has_if = any(t.is_word("if") for t in top_clause) or (
            clause.body is not None and not clause.body_brace)
        if clause.keyword == "body":
            v0 = f"rule `{first_head}` has more than one body (write one rule per body)"
            break
        if clause.body is not None and clause.body_brace and not has_if:
            what = "`else` branch" if clause.keyword == "else" else f"rule head `{_head_text(source, tokens, clause.head)}`"
            v0 = f"{what} has a body without `if`"
            break
    if v0 is None and bracket and not contains and not value and not default:
        v0 = f"partial set rule `{_head_text(source, tokens, clauses[0].head)}` needs `contains`"
    token = tokens[start]
    return Rule(name, token.line, token.column, start, end, tuple(clauses), default, function,
                bracket, contains, value, v0)


def top_level(tokens: list[Token], start: int, end: int) -> list[Token]:
    result = []
    index = start
    while index < end:
        token = tokens[index]
        result.append(token)
        if token.kind == OPERATOR and token.text in OPEN:
            index = matching(tokens, index) + 1
            continue
        index += 1
    return result


def _head_text(source: str, tokens: list[Token], span: tuple[int, int]) -> str:
    text = " ".join(source[tokens[span[0]].start:tokens[span[1] - 1].end].split())
    return text if len(text) <= 60 else text[:57] + "..."


def outline(source: str) -> Outline:
    """Outline a module; raises lexer.LexError on text that cannot be tokenized."""
    tokens = tokenize(source)
    result = Outline(tokens=tokens, source=source)
    for start, end in _statements(tokens):
        first = tokens[start]
        if first.is_word("package"):
            if start + 1 < end and tokens[start + 1].kind == IDENT:
                result.package = ref_path(tokens, start + 1, end)[0]
            result.package_line = first.line
        elif first.is_word("import"):
            if start + 1 < end and tokens[start + 1].kind == IDENT:
                path, after = ref_path(tokens, start + 1, end)
                alias = path[-1]
                if after + 1 < end and tokens[after].is_word("as"):
                    alias = tokens[after + 1].text
                result.imports.append(Import(path, alias, first.line))
        else:
            rule = _rule(source, tokens, start, end)
            if rule is not None:
                result.rules.append(rule)
    return result


