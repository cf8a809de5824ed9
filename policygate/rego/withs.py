"""`with input as …` / `with data.x as …` in unit tests, without regopy's `with`.

regopy 1.5.2 crashes (SIGSEGV) when a rule that calls a built-in such as `sprintf` is
evaluated under `with` — that is, in nearly every real unit test. So the test runner
takes the `with` clauses out of a test rule and applies them itself: the values are
evaluated as package-level rules of the test's own module (so they may use its
constants and imports), the input becomes the interpreter's input and data overrides
are added as base data. That matches `with` for tests that use one input (and any
number of data overrides); a test that needs two different inputs, or mocks a
function, is reported as an error that says how to write it.
"""
from __future__ import annotations

from dataclasses import dataclass

from policygate.rego.edits import Edit, apply_edits
from policygate.rego.lexer import CLOSE, IDENT, NEWLINE, OPEN, Token
from policygate.rego.outline import Rule

HELPER = "__policygate_with_"


@dataclass(frozen=True, slots=True)
class TestPlan:
    """How to run one test: the module text without its `with`s, and what they set."""

    text: str                               # the test's module, rewritten
    targets: tuple[tuple[str, ...], ...]    # ("input",) / ("data", "x", "y") per helper
    helpers: tuple[str, ...]                # package-level rules holding the values
    problem: str | None = None              # why the test cannot run this way


def _clause_end(tokens: list[Token], index: int, end: int) -> int:
    """Index after the value expression of a `with` clause starting its value at `index`."""
    depth = 0
    while index < end:
        token = tokens[index]
        if token.kind == "op" and token.text in OPEN:
            depth += 1
        elif token.kind == "op" and token.text in CLOSE:
            if depth == 0:
                return index
            depth -= 1
        elif depth == 0 and (token.kind == NEWLINE or token.is_op(";") or token.is_word("with")):
            return index
        index += 1
    return index


def _with_clauses(source: str, tokens: list[Token], rule: Rule,
                  edits: list[Edit]) -> tuple[dict[tuple[str, ...], str], str | None]:
    """Append edits that delete the rule's `with` clauses; return target → value text."""
    values: dict[tuple[str, ...], str] = {}
    for clause in rule.clauses:
        if clause.body is None:
            continue
        index, end = clause.body
        while index < end:
            if not tokens[index].is_word("with"):
                index += 1
                continue
            as_index = index + 1
            while as_index < end and not tokens[as_index].is_word("as"):
                as_index += 1
            target = tuple(t.text.strip('"') for t in tokens[index + 1:as_index]
                           if t.kind in (IDENT, "string"))
            value_end = _clause_end(tokens, as_index + 1, end)
            if as_index >= end or value_end == as_index + 1:
                return values, "a `with` clause without `as VALUE`"
            value = source[tokens[as_index + 1].start:tokens[value_end - 1].end]
            edits.append(Edit(tokens[index].start, tokens[value_end - 1].end, ""))
            index = value_end
            if not target or target[0] not in ("input", "data"):
                return values, (f"`with {'.'.join(target)}` mocks a function or rule; policygate "
                                f"test (regopy) supports `with input as …` and `with data.… as …`")
            previous = values.get(target)
            if previous is not None and " ".join(previous.split()) != " ".join(value.split()):
                return values, (f"the test sets `{'.'.join(target)}` to two different values "
                                f"with `with`; regopy cannot evaluate `with`, so policygate runs "
                                f"each test with one input: split it into one test per input")
            values[target] = value
    return values, None


def is_test(rule: Rule) -> bool:
    return rule.name.startswith(("test_", "todo_test_"))


def strip_withs(source: str, tokens: list[Token], rules: list[Rule]) -> str:
    """The module with every test rule's `with` clauses removed (regopy compiles the
    whole module for each query, and a `with` anywhere in it can crash the query)."""
    edits: list[Edit] = []
    for rule in rules:
        if is_test(rule):
            _with_clauses(source, tokens, rule, edits)
    return apply_edits(source, edits).text if edits else source


def plan_test(source: str, tokens: list[Token], rules: list[Rule], test: Rule) -> TestPlan:
    edits: list[Edit] = []
    values: dict[tuple[str, ...], str] = {}
    problem = None
    for rule in rules:
        if not is_test(rule):
            continue
        found, trouble = _with_clauses(source, tokens, rule, edits)
        if rule is test:
            values, problem = found, trouble
    edited = apply_edits(source, edits).text
    if problem or not values:
        return TestPlan(edited, (), (), problem)
    helpers = tuple(f"{HELPER}{position}" for position in range(len(values)))
    lines = [f"{name} := {value}" for name, value in zip(helpers, values.values())]
    text = edited.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    return TestPlan(text, tuple(values), helpers)


def nest(path: tuple[str, ...], value: object) -> object:
    """{"a": {"b": value}} for ("a", "b")."""
    for key in reversed(path):
        value = {key: value}
    return value
