"""Constructs regorus reads differently from OPA, refused before it evaluates them.

regorus (gordon-to-regorus 0.13.0) is the engine where OPA's cannot be installed. Where
it would give a different answer from the same text, silently or with a confusing
error, the policy is refused on regorus with the construct, the line and the fix
(`--engine opa`, an OPA server). The differences it reports by itself at run time
(built-in errors, unknown functions) become error findings (policygate.rego.engine); the
full list is in the README ("Engines") and tests/rego/test_differential.py.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from policygate.rego.lexer import NEWLINE
from policygate.rego.outline import ends_term
from policygate.rego.policyset import Module, ModuleProblem, PolicyError

_FIX = "or run it with --engine opa or an OPA server (--opa-url)"


def refuse_on_regorus(modules: Sequence[Module],
                      display: Callable[[Module], str] = lambda m: m.path) -> None:
    """Raises PolicyError (`file:line:col: message` each) for what regorus misreads."""
    problems = [f"{display(module)}:{p.line}:{p.column}: {p}"
                for module in modules for p in regorus_problems(module)]
    if problems:
        raise PolicyError(problems)


def regorus_problems(module: Module) -> list[ModuleProblem]:
    problems = []
    tokens = module.outline.tokens
    for index in range(1, len(tokens) - 1):
        if tokens[index].kind == NEWLINE and tokens[index + 1].is_op("(") and \
                ends_term(tokens[index - 1]):
            line, column = module.position(tokens[index + 1].start)
            problems.append(ModuleProblem(line, column, (
                f"a line that starts with `(` after a line that ends with a value: regorus "
                f"reads it as a call of that value (OPA as a new expression); join the lines "
                f"or reorder the expression, {_FIX}"), "regorus"))
    for rule in module.outline.rules:
        if rule.function and not rule.value and rule.clauses[0].body is None:
            token = tokens[rule.start]
            line, column = module.position(token.start)
            problems.append(ModuleProblem(line, column, (
                f"function `{rule.name}` has neither a body nor a value (OPA reads it as "
                f"`:= true`, regorus refuses it): write `{rule.name}(...) := true`, {_FIX}"),
                "regorus"))
    return problems
