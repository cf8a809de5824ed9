"""Rego v0 → v1, on tokens: what `opa fmt --v0-v1` does for the idioms policies use.

Only run with `--v0-compatible` (`policies.v0_compatible`) and for Gatekeeper templates:
OPA 1.x reads v1 (its Python bindings have no v0 switch and refuse `import rego.v0`), and
one text for every engine means one meaning, so a v0 module is otherwise refused. The
rewrite is a list of `Edit`s on the original text, so compile errors still point at the
lines the user wrote.

Handled: partial set rules `deny[msg] { … }` → `deny contains msg if { … }` (whatever
the key expression, brackets and comprehensions included); `if` before every body of
complete rules, partial objects, functions and `else` branches; v0's several bodies for
one head → one rule per body; the removed built-ins `any`, `all` and `re_match`.
"""
from __future__ import annotations

from policygate.rego.edits import Edit
from policygate.rego.lexer import IDENT, NEWLINE, Token, matching
from policygate.rego.outline import Outline, Rule, ref_path, top_level

_ANY = ("count([__pg_x | some __pg_x in (", "); __pg_x == true]) > 0")
_ALL = ("count([__pg_x | some __pg_x in (", "); __pg_x != true]) == 0")


def conversion_edits(module: Outline) -> list[Edit]:
    """Edits that turn a v0 module into v1; empty for a module that is already v1."""
    edits: list[Edit] = []
    for rule in module.rules:
        if rule.v0 is not None:
            edits.extend(_rule_edits(module, rule))
    edits.extend(_builtin_edits(module.tokens))
    return edits


def _rule_edits(module: Outline, rule: Rule) -> list[Edit]:
    tokens, source = module.tokens, module.source
    edits: list[Edit] = []
    first = rule.start + 1 if rule.default else rule.start
    _, after = ref_path(tokens, first, rule.end)
    head_start, head_end = rule.clauses[0].head
    head = source[tokens[head_start].start:tokens[head_end - 1].end]
    if rule.bracket and not rule.contains and not rule.value and not rule.default:
        close = matching(tokens, after)
        key = source[tokens[after].end:tokens[close].start]
        edits.append(Edit(tokens[after].start, tokens[after].end, " contains "))
        edits.append(Edit(tokens[close].start, tokens[close].end, ""))
        head = source[tokens[head_start].start:tokens[after].start] + " contains " + key.strip()
        head = " ".join(head.split()) if "\n" not in key else head
    for clause in rule.clauses:
        if clause.body is None or not clause.body_brace:
            continue
        brace = tokens[clause.body[0] - 1]
        if clause.keyword == "body":
            edits.append(Edit(brace.start, brace.start, f"\n{head} if "))
        elif not any(t.is_word("if") for t in top_level(tokens, *clause.head)):
            edits.append(Edit(brace.start, brace.start, "if "))
    return edits


def _builtin_edits(tokens: list[Token]) -> list[Edit]:
    edits: list[Edit] = []
    for index, token in enumerate(tokens):
        if token.kind != IDENT or index + 1 >= len(tokens) or not tokens[index + 1].is_op("("):
            continue
        if index > 0 and tokens[index - 1].is_op("."):
            continue
        if token.text in ("any", "all"):
            opening, closing = _ANY if token.text == "any" else _ALL
            close = matching(tokens, index + 1)
            if close >= len(tokens):
                continue
            if index > 0 and not (tokens[index - 1].kind == NEWLINE
                                  or tokens[index - 1].is_op(";", "{") or tokens[index - 1].is_word("not")):
                # Inside a larger expression: keep the comparison grouped. (Never at the
                # start of a line: regorus reads `(` after a newline as a call.)
                opening, closing = "(" + opening, closing + ")"
            edits.append(Edit(token.start, tokens[index + 1].end, opening))
            edits.append(Edit(tokens[close].start, tokens[close].end, closing))
        elif token.text == "re_match":
            edits.append(Edit(token.start, token.end, "regex.match"))
    return edits
