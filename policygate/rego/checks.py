"""Static checks for mistakes that regopy accepts silently and then evaluates to nothing.

OPA refuses these at compile time; rego-cpp 1.5.2 compiles them and a `deny` rule then
quietly produces no results — a false pass. So before handing a policy set to regopy we
look for the three we have seen: a call to a function that does not exist, a variable
in a rule head that nothing in the body binds, and a user function called with an
iterated argument (`f(x[_])`, which regopy cannot compile and does not explain).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from policygate.rego.lexer import IDENT, KEYWORDS, Token, matching
from policygate.rego.outline import Outline, Rule

_ROOTS = frozenset({"input", "data", "_"})


@dataclass(frozen=True, slots=True)
class Problem:
    offset: int                     # character offset in the module text
    message: str


@dataclass(frozen=True, slots=True)
class _Name:
    """A dotted name in an expression: `c.name`, `object.get`; call says `(` follows."""

    parts: tuple[str, ...]
    token: Token
    call: bool
    end: int


def _names(tokens: list[Token], start: int, end: int) -> Iterable[_Name]:
    index = start
    while index < end:
        token = tokens[index]
        if token.kind != IDENT or (index > 0 and tokens[index - 1].is_op(".")):
            index += 1
            continue
        parts = [token.text]
        following = index + 1
        while following + 1 < end and tokens[following].is_op(".") \
                and tokens[following + 1].kind == IDENT:
            parts.append(tokens[following + 1].text)
            following += 2
        call = following < end and tokens[following].is_op("(")
        yield _Name(tuple(parts), token, call, following)
        index = following


def _comprehension_spans(tokens: list[Token], start: int, end: int) -> list[tuple[int, int]]:
    """Token spans of `[x | …]`, `{x | …}`, `{k: v | …}`: their variables are local."""
    spans = []
    for index in range(start, end):
        if tokens[index].is_op("[", "{"):
            close = matching(tokens, index)
            depth = 0
            for inner in range(index + 1, min(close, end)):
                token = tokens[inner]
                if token.kind == "op" and token.text in "([{":
                    depth += 1
                elif token.kind == "op" and token.text in ")]}":
                    depth -= 1
                elif depth == 0 and token.is_op("|"):
                    spans.append((index, close))
                    break
    return spans


def _variables(tokens: list[Token], start: int, end: int, known: set[str],
               skip_comprehensions: bool = False) -> dict[str, Token]:
    found: dict[str, Token] = {}
    local = _comprehension_spans(tokens, start, end) if skip_comprehensions else []
    for name in _names(tokens, start, end):
        position = tokens.index(name.token, start, end) if local else 0
        if any(low < position < high for low, high in local):
            continue
        root = name.parts[0]
        if name.call or root in KEYWORDS or root in _ROOTS or root in known:
            continue
        found.setdefault(root, name.token)
    return found


class _Package:
    """What a package defines across all its files: rule and function names."""

    def __init__(self) -> None:
        self.rules: set[str] = set()
        self.functions: set[str] = set()


def check_policy_set(modules: list[Outline],
                     is_builtin: Callable[[str], bool]) -> list[tuple[int, Problem]]:
    """(index of the module, problem) for each problem, in module order."""
    packages: dict[tuple[str, ...], _Package] = {}
    for module in modules:
        package = packages.setdefault(module.package, _Package())
        package.rules |= {rule.name.partition(".")[0] for rule in module.rules}
        package.functions |= module.function_names()
    problems: list[tuple[int, Problem]] = []
    for index, module in enumerate(modules):
        problems.extend((index, p) for p in _check_module(module, packages, is_builtin))
    return problems


def _check_module(module: Outline, packages: dict[tuple[str, ...], _Package],
                  is_builtin: Callable[[str], bool]) -> list[Problem]:
    tokens = module.tokens
    own = packages[module.package]
    aliases = {imported.alias: imported.path for imported in module.imports}
    known = own.rules | set(aliases)
    problems: list[Problem] = []

    def function_exists(parts: tuple[str, ...]) -> bool:
        name = ".".join(parts)
        if is_builtin(name) or (len(parts) == 1 and parts[0] in own.functions):
            return True
        path = parts
        if parts[0] in aliases and parts[0] != "data":
            path = aliases[parts[0]] + parts[1:]
        if path[0] == "data" and len(path) >= 3:
            target = packages.get(path[1:-1])
            return target is not None and path[-1] in target.functions
        return False

    for rule in module.rules:
        defined = tokens[_name_start(rule)]
        for clause in rule.clauses:
            spans = [clause.head] + ([clause.body] if clause.body else [])
            for start, end in spans:
                for name in _names(tokens, start, end):
                    if not name.call or name.token is defined or name.parts[0] in KEYWORDS:
                        continue
                    if not function_exists(name.parts):
                        problems.append(Problem(
                            name.token.start,
                            f"rego_type_error: undefined function {'.'.join(name.parts)}"))
                    elif len(name.parts) == 1 and name.parts[0] in own.functions:
                        problems.extend(_iterated_arguments(tokens, name))
        problems.extend(_unsafe_head(tokens, rule, known))
    return problems


def _name_start(rule: Rule) -> int:
    return rule.start + 1 if rule.default else rule.start


def _iterated_arguments(tokens: list[Token], name: _Name) -> list[Problem]:
    close = matching(tokens, name.end)
    for index in range(name.end + 1, close - 1):
        if tokens[index].is_op("[") and tokens[index + 1].is_word("_") \
                and tokens[index + 2].is_op("]"):
            call = ".".join(name.parts)
            return [Problem(name.token.start,
                            f"regopy cannot compile a call of {call} with an iterated "
                            f"argument (`[_]`): bind the element first, e.g. "
                            f"`some v in xs` then `{call}(v)`")]
    return []


def _unsafe_head(tokens: list[Token], rule: Rule, known: set[str]) -> list[Problem]:
    """Variables in a head (the key after `contains`, a value after `:=`) that no body
    binds: OPA's rego_unsafe_var_error."""
    problems: list[Problem] = []
    start = _name_start(rule)
    arguments: set[str] = set()
    if rule.function:
        opening = start + 1
        while not tokens[opening].is_op("("):
            opening += 1
        arguments = set(_variables(tokens, opening + 1, matching(tokens, opening), known))
    for clause in rule.clauses:
        head_start, head_end = clause.head
        if clause.keyword == "":
            head_start = start + 1
            while head_start < head_end and (tokens[head_start].is_op(".")
                                             or tokens[head_start - 1].is_op(".")):
                head_start += 1
            if rule.function:
                head_start = matching(tokens, head_start) + 1
        head_vars = _variables(tokens, head_start, head_end, known, skip_comprehensions=True)
        body_vars: set[str] = set()
        if clause.body is not None:
            body_vars = set(_variables(tokens, clause.body[0], clause.body[1], set()))
        for variable, token in head_vars.items():
            if variable not in body_vars and variable not in arguments:
                problems.append(Problem(token.start,
                                        f"rego_unsafe_var_error: var {variable} is unsafe"))
    return problems

