"""Templates -> one Rego program that any backend can compile.

What Gatekeeper does to a template's Rego before it runs, done here on tokens:
- v0 -> v1 with the Rego converter (template Rego is v0 unless `source.version: v1`; the
  engines read v1, and OPA's bindings refuse `import rego.v0`);
- network built-ins refused (Gatekeeper has no `http.send` either), unless allowed;
- the rules Gatekeeper enforces: a `violation` rule, libs under `package lib.…`, and no
  data references besides `data.lib` and `data.inventory` (anything else would read
  nothing and make the template pass everything);
- isolation: each template's packages (and its `data.lib` references) move under
  `gk.t<N>`, so two templates may use the same package or lib names, as they may in a
  cluster, and `data.inventory` stays shared.
Every module keeps a map back to its file: an error at any stage names the YAML line.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from policygate.gatekeeper.objects import RegoSource, Template
from policygate.gatekeeper.spans import TextSpan
from policygate.rego.lexer import CLOSE, IDENT, OPEN, RAW_STRING, STRING, Token
from policygate.rego.outline import outline
from policygate.rego.policyset import Module, ModuleProblem, PolicyError, PolicySet, RuleSet, \
    network_problem, parse_module
from policygate.rego.rewrite import prepare

PREFIX = "gk"
RULE = "violation"
_ALLOWED_DATA = ("lib", "inventory")


@dataclass(frozen=True, slots=True)
class EmbeddedModule(Module):
    """A template module after conversion and isolation.

    `text` is what engines compile; `position` answers in the YAML file that holds it."""

    span: TextSpan | None = None

    def position(self, offset: int) -> tuple[int, int]:
        line, column = Module.position(self, offset)
        return self.span.position(line, column) if self.span is not None else (line, column)


@dataclass(frozen=True, slots=True)
class Entry:
    """Where one template's `violation` rule lives in the program."""

    template: Template
    package: str                            # the isolated package, e.g. gk.t0.k8slabels
    index: int                              # its position in rule_sets / entrypoints


@dataclass(slots=True)
class Program:
    modules: list[EmbeddedModule] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)     # by constraint kind
    reads_inventory: bool = False
    # The kinds the templates read from data.inventory (None: any kind), which is all
    # of the cluster around a diff that needs describing (policygate.inventory).
    inventory_kinds: frozenset[str] | None = frozenset()
    files: dict[str, str] = field(default_factory=dict)         # module name -> YAML file

    @property
    def rule_sets(self) -> tuple[RuleSet, ...]:
        ordered = sorted(self.entries.values(), key=lambda e: e.index)
        return tuple(RuleSet(e.package, RULE, "deny", True, (e.template.origin.file,))
                     for e in ordered)

    def policy_set(self, data: dict[str, Any]) -> PolicySet:
        return PolicySet(tuple(self.modules), data, self.rule_sets, (), ())

    def clean(self, problems: Sequence[str]) -> list[str]:
        """Engine messages name modules by their internal names: name the files."""
        cleaned = []
        for problem in problems:
            for name, file in self.files.items():
                problem = problem.replace(name, file)
            cleaned.append(problem)
        return cleaned


def build_program(templates: Sequence[Template], allow_network: bool = False) -> Program:
    """Raises PolicyError listing every template that cannot be compiled."""
    program = Program()
    problems: list[str] = []
    for template in templates:
        if template.rego is None:
            continue
        index = len(program.entries)
        try:
            modules, package, kinds = _template_modules(template, index, program,
                                                        allow_network)
        except ModuleProblem as problem:
            problems.append(str(problem))
            continue
        program.modules.extend(modules)
        program.entries[template.kind] = Entry(template, package, index)
        if kinds != frozenset():
            program.reads_inventory = True
            program.inventory_kinds = None if kinds is None or program.inventory_kinds is None \
                else program.inventory_kinds | kinds
    if problems:
        raise PolicyError(problems)
    return program


def _located(source: RegoSource, line: int, column: int, message: str) -> ModuleProblem:
    """A problem whose str() is `file:line:col: message` in the YAML file."""
    file_line, file_column = source.span.position(line, column)
    return ModuleProblem(file_line, file_column,
                         f"{source.span.file}:{file_line}:{file_column}: {message}")


def _parse(template: Template, source: RegoSource, name: str) -> Module:
    try:
        return parse_module(name, source.text, convert_v0=not template.v1)
    except ModuleProblem as problem:
        message = str(problem)
        if problem.kind == "v0":
            message += (f"; ConstraintTemplate {template.name} declares `version: v1`: write "
                        f"Rego v1 or drop the version to have v0 converted")
        elif problem.kind == "unconvertible":
            message += ("; rewrite the rule in Rego v1 and set `version: \"v1\"` under the "
                        "template's `code[].source`")
        raise _located(source, problem.line, problem.column, message) from None


def _template_modules(template: Template, index: int, program: Program,
                      allow_network: bool = False
                      ) -> tuple[list[EmbeddedModule], str, frozenset[str] | None]:
    """(the isolated modules, the main package, the kinds read from data.inventory:
    empty when it is not read, None when any kind may be)."""
    assert template.rego is not None
    base = f"gatekeeper/t{index}"
    sources = [(template.rego, f"{base}/{template.kind}.rego")] + [
        (lib, f"{base}/lib{number}.rego") for number, lib in enumerate(template.libs)]
    parsed = [(source, _parse(template, source, name)) for source, name in sources]
    for source, module in parsed:
        refused = None if allow_network else network_problem(module)
        if refused is not None:
            raise _located(source, refused.line, refused.column,
                           f"ConstraintTemplate {template.name}: {refused}")
    main_source, main = parsed[0]
    if not any(rule.name == RULE for rule in main.outline.rules):
        raise _located(main_source, main.outline.package_line or 1, 1,
                       f"ConstraintTemplate {template.name}: the Rego has no `{RULE}` rule "
                       f"(Gatekeeper requires it)")
    for source, module in parsed[1:]:
        if module.outline.package[:1] != ("lib",) or len(module.outline.package) < 2:
            raise _located(source, module.outline.package_line or 1, 1,
                           f"ConstraintTemplate {template.name}: a lib's package must start "
                           f"with `lib.` (package {module.package or '?'})")
    roots = frozenset(m.outline.package[0] for _, m in parsed)
    if "inventory" in roots:
        raise _located(main_source, main.outline.package_line or 1, 1,
                       "a template package may not be named `inventory` (that is Gatekeeper's "
                       "data.inventory)")
    kinds: frozenset[str] | None = frozenset()
    for source, module in parsed:
        bad = _data_reference(module, roots)
        if bad is not None:
            token, root = bad
            line, column = module.position(token.start)
            raise _located(source, line, column,
                           f"ConstraintTemplate {template.name}: data.{root} is not available "
                           f"to templates (Gatekeeper allows data.lib and data.inventory)")
        read = inventory_kinds(module.outline.tokens)
        kinds = None if read is None or kinds is None else kinds | read
    prefix = f"{PREFIX}.t{index}"
    result = []
    for (source, module), (_, name) in zip(parsed, sources):
        step = EmbeddedModule(name, module.source, module.outline, module.layers,
                              module.converted, source.span)
        isolated = prepare([step], False, prefix, roots)[0].edited
        result.append(EmbeddedModule(name, module.source, outline(isolated.text),
                                     module.layers + (isolated,), module.converted,
                                     source.span))
        program.files[name] = source.span.file
    return result, f"{prefix}.{main.package}", kinds


def _data_roots(tokens: list[Token]) -> list[tuple[int, str, int]]:
    """Every `data.<root>` / `data["<root>"]` reference: (the `data` token's index, root,
    the index of the token after the root)."""
    found = []
    for index, token in enumerate(tokens[:-2]):
        if not token.is_word("data") or (index > 0 and tokens[index - 1].is_op(".")):
            continue
        following, name = tokens[index + 1], tokens[index + 2]
        if following.is_op(".") and name.kind == IDENT:
            found.append((index, name.text, index + 3))
        elif following.is_op("[") and name.kind == STRING and index + 3 < len(tokens) \
                and tokens[index + 3].is_op("]"):
            found.append((index, name.text[1:-1], index + 4))
    return found


def _ref_terms(tokens: list[Token], index: int) -> list[str | None]:
    """The terms of a reference from `index` on (`.name` or `[term]`): each as its
    string when it is a literal, else None (a variable, `_`, an expression)."""
    terms: list[str | None] = []
    while index < len(tokens):
        token = tokens[index]
        if token.is_op(".") and index + 1 < len(tokens) and tokens[index + 1].kind == IDENT:
            terms.append(tokens[index + 1].text)
            index += 2
        elif token.is_op("["):
            depth, end = 0, index
            for end in range(index, len(tokens)):
                depth += tokens[end].is_op(*OPEN) - tokens[end].is_op(*CLOSE)
                if depth == 0:
                    break
            inner = tokens[index + 1:end]
            literal = len(inner) == 1 and inner[0].kind in (STRING, RAW_STRING)
            terms.append(_string(inner[0]) if literal else None)
            index = end + 1
        else:
            break
    return terms


def _string(token: Token) -> str | None:
    if token.kind == RAW_STRING:
        return token.text[1:-1]
    try:
        value = json.loads(token.text)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


# data.inventory.namespace[ns][groupversion][kind][name], .cluster[groupversion][kind][name]
_KIND_TERM = {"namespace": 3, "cluster": 2}


def inventory_kinds(tokens: list[Token]) -> frozenset[str] | None:
    """The kinds a module reads from data.inventory — a reference that names the kind as
    a string (`data.inventory.namespace[ns][_]["Ingress"]`) reads that kind only —
    or None when a reference could reach any kind (a variable kind, `data.inventory`
    bound or passed whole)."""
    kinds: set[str] = set()
    for _, root, after in _data_roots(tokens):
        if root != "inventory":
            continue
        terms = _ref_terms(tokens, after)
        position = _KIND_TERM.get(terms[0] or "") if terms else None
        if position is None or len(terms) <= position or terms[position] is None:
            return None
        kinds.add(terms[position])
    return frozenset(kinds)


def _data_reference(module: Module, roots: frozenset[str]) -> tuple[Token, str] | None:
    """The first data reference Gatekeeper would refuse, if any."""
    own = set(module.outline.package[:1])
    tokens = module.outline.tokens
    for index, root, _ in _data_roots(tokens):
        if root not in _ALLOWED_DATA and root not in own and root not in roots:
            return tokens[index], root
    return None
