"""Move iterated references out of built-in calls: what regopy cannot evaluate in place.

rego-cpp 1.5.2 (regopy) mishandles a reference that iterates inside a call's arguments:
- `startswith(image, input.parameters.repos[_])` does not compile (and says nothing);
- with a named index, `startswith(image, repos[i])` compiles and evaluates to nothing —
  a silent false pass.
Both are everyday Rego — OPA iterates the reference and calls once per element — and
Gatekeeper templates are full of them. The same meaning, written so regopy gets it
right, binds the element first:

    __pg_h1 := input.parameters.repos[_]
    startswith(image, __pg_h1)

which is what OPA's compiler does internally. The rewrite is only applied where it
keeps the meaning exactly: positive expressions of a rule body in braces (not after
`not`, which means "no element", not inside comprehensions, not with `with`).
Elsewhere the reference stays as written and regopy's compile error stays visible.
Edits keep positions (policygate.rego.edits), so errors still point at the source.
"""
from __future__ import annotations

from policygate.rego.edits import Edit
from policygate.rego.lexer import CLOSE, IDENT, KEYWORDS, NEWLINE, OPEN, Token, matching
from policygate.rego.outline import Outline

HOISTED = "__pg_h"
_SKIP_STATEMENTS = ("not", "some", "every", "default", "import", "package")


def hoist_edits(module: Outline) -> list[Edit]:
    """Edits that hoist iterated call arguments; empty when nothing needs it."""
    edits: list[Edit] = []
    counter = [0]
    for rule in module.rules:
        for clause in rule.clauses:
            if clause.body is None or not clause.body_brace:
                continue
            for start, end in _statements(module.tokens, *clause.body):
                edits.extend(_statement_edits(module, start, end, counter))
    return edits


def _statements(tokens: list[Token], start: int, end: int) -> list[tuple[int, int]]:
    """Top-level expressions of a body: split at newlines and `;` outside brackets."""
    spans, first, index = [], None, start
    while index < end:
        token = tokens[index]
        if token.kind == NEWLINE or token.is_op(";"):
            if first is not None:
                spans.append((first, index))
                first = None
            index += 1
            continue
        if first is None:
            first = index
        index = matching(tokens, index) + 1 if token.kind == "op" and token.text in OPEN \
            else index + 1
    if first is not None:
        spans.append((first, min(index, end)))
    return spans


def _statement_edits(module: Outline, start: int, end: int, counter: list[int]) -> list[Edit]:
    tokens = module.tokens
    if tokens[start].kind == IDENT and tokens[start].text in _SKIP_STATEMENTS:
        return []
    if any(t.is_word("with") for t in tokens[start:end]):
        return []
    refs = []
    index = start
    while index < end:
        if _is_call(tokens, index, end):
            opening = index + 1
            while not tokens[opening].is_op("("):
                opening += 2            # dotted names: regex.match(
            close = min(matching(tokens, opening), end)
            refs.extend(_iterated_refs(tokens, opening + 1, close))
            index = close + 1
            continue
        index += 1
    if not refs:
        return []
    source = module.source
    # A statement after `;` stays on its line; one on its own line gets lines before it.
    inline = start > 0 and tokens[start - 1].is_op(";")
    separator = "; " if inline else "\n" + " " * (tokens[start].column - 1)
    edits = []
    prefix = []
    for first, last in refs:
        counter[0] += 1
        name = f"{HOISTED}{counter[0]}"
        prefix.append(f"{name} := {source[tokens[first].start:tokens[last].end]}{separator}")
        edits.append(Edit(tokens[first].start, tokens[last].end, name))
    edits.append(Edit(tokens[start].start, tokens[start].start, "".join(prefix)))
    return edits


def _is_call(tokens: list[Token], index: int, end: int) -> bool:
    """A call to a built-in or function: `name(` or `a.b(` (not a rule head)."""
    token = tokens[index]
    if token.kind != IDENT or token.text in KEYWORDS or (index and tokens[index - 1].is_op(".")):
        return False
    following = index + 1
    while following + 1 < end and tokens[following].is_op(".") \
            and tokens[following + 1].kind == IDENT:
        following += 2
    return following < end and tokens[following].is_op("(")


def _comprehension(tokens: list[Token], index: int) -> bool:
    close = matching(tokens, index)
    depth = 0
    for inner in range(index + 1, min(close, len(tokens))):
        token = tokens[inner]
        if token.kind == "op" and token.text in OPEN:
            depth += 1
        elif token.kind == "op" and token.text in CLOSE:
            depth -= 1
        elif depth == 0 and token.is_op("|"):
            return True
    return False


def _iterated_refs(tokens: list[Token], start: int, end: int) -> list[tuple[int, int]]:
    """(first, last) token indexes of references with a `[var]`/`[_]` step in a span."""
    found = []
    index = start
    while index < end:
        token = tokens[index]
        if token.kind == "op" and token.text in "[{" and _comprehension(tokens, index):
            index = matching(tokens, index) + 1
            continue
        if token.kind == IDENT and token.text not in KEYWORDS \
                and not (index and tokens[index - 1].is_op(".")):
            last, iterates = _ref_end(tokens, index, end)
            if iterates and not tokens[last + 1 if last + 1 < len(tokens) else last].is_op("("):
                found.append((index, last))
            index = last + 1
            continue
        index += 1
    return found


def _ref_end(tokens: list[Token], index: int, end: int) -> tuple[int, bool]:
    """The last token of the reference starting at `index`, and whether it iterates."""
    last, iterates = index, False
    position = index + 1
    while position < end:
        token = tokens[position]
        if token.is_op(".") and position + 1 < end and tokens[position + 1].kind == IDENT:
            last = position = position + 1
            position += 1
        elif token.is_op("["):
            close = matching(tokens, position)
            if close >= end:
                break
            inner = tokens[position + 1:close]
            if len(inner) == 1 and inner[0].kind == IDENT and inner[0].text not in KEYWORDS:
                iterates = True
            last = position = close
            position += 1
        else:
            break
    return last, iterates
