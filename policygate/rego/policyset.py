"""Load a policy set: Rego modules, data files and the Conftest rules to evaluate.

Loading is where v0 syntax is caught (refused with the fix, or converted with
`--v0-compatible`), where namespaces are resolved to packages, and where a typo that
would make the gate check nothing (a namespace without policies, a data file that is
not a mapping) becomes an error instead of a silent pass.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policygate.rego.convert import conversion_edits
from policygate.rego.edits import EditedText, apply_edits
from policygate.rego.lexer import LexError, position_of
from policygate.rego.outline import Outline, outline

# Conftest's rule names: exactly these, or these plus `_suffix`.
EXCEPTION_RULE = "exception"
CONTEXT_ROOT = "policygate"  # data.policygate: the run's context


class PolicyError(Exception):
    """Problems that stop the run (exit 2); one `file:line:col: message` per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class Module:
    path: str                       # as reported: relative to the repository root
    source: str                     # the text as written
    outline: Outline                # of `text`
    # Rewrites of the source, in order (the v0 → v1 conversion, if asked for and
    # needed; Gatekeeper's isolation); each keeps positions.
    layers: tuple[EditedText, ...] = ()
    converted: bool = False         # the module was v0

    @property
    def name(self) -> str:
        """What engines call the module (and name in their messages)."""
        return self.path

    @property
    def package(self) -> str:
        return self.outline.package_name

    @property
    def text(self) -> str:
        """The v1 text engines compile."""
        return self.layers[-1].text if self.layers else self.source

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) in the file as written of a character offset in `text`."""
        for layer in reversed(self.layers):
            offset = layer.original_offset(offset)
        return position_of(self.source, offset)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """One Conftest rule of one package, e.g. `deny_privileged` in `main`."""

    package: str
    name: str
    kind: str                       # "deny" | "warn" | "exception"
    partial_set: bool               # `contains` rules are always defined (maybe empty)
    files: tuple[str, ...]

    @property
    def ref(self) -> str:
        return f"data.{self.package}.{self.name}"

    @property
    def suffix(self) -> str:
        """The name an `exception` rule uses: `privileged` for `deny_privileged`."""
        return self.name.partition("_")[2]


@dataclass(frozen=True, slots=True)
class PolicySet:
    modules: tuple[Module, ...]
    data: dict[str, Any] = field(default_factory=dict)
    rule_sets: tuple[RuleSet, ...] = ()
    notices: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ("main",)

    @property
    def uses_context(self) -> bool:
        """Does any module read data.policygate (then engines get it per document)?"""
        return any(_reads_context(module.outline) for module in self.modules)


@dataclass(frozen=True, slots=True)
class Sources:
    """Where a policy set comes from, already merged from options and config."""

    policies: tuple[tuple[str, str], ...] = ()     # (path on disk, display name)
    data: tuple[tuple[str, str], ...] = ()
    namespaces: tuple[str, ...] = ("main",)
    all_namespaces: bool = False
    v0_compatible: bool = False
    library: tuple[str, ...] = ()                  # shipped policies enabled by name
    allow_network: bool = False                    # rego.allow_network: http.send & co.


def library_dir() -> Path:
    """The shipped policy library: packaged next to this module, or the repository's
    `policies/` in a source checkout."""
    packaged = Path(__file__).parent / "library"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "policies"


def library_names() -> list[str]:
    directory = library_dir()
    if not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.glob("*.rego")
                  if not p.stem.endswith("_test") and not p.stem.startswith("_"))


def rego_files(path: str, include_tests: bool) -> list[str]:
    """`.rego` files under a file or directory, sorted, hidden directories skipped."""
    if os.path.isfile(path):
        return [path]
    found = []
    for current, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".rego") and (include_tests or not name.endswith("_test.rego")):
                found.append(os.path.join(current, name))
    return found


class ModuleProblem(ValueError):
    """A module that cannot be read as Rego v1: where (in its text) and why.

    `kind` is "syntax", "v0" (v0 syntax, conversion not asked for) or "unconvertible"
    (v0 syntax the converter does not handle); callers add the fix that fits where the
    module lives (a .rego file, or Rego inside a ConstraintTemplate)."""

    def __init__(self, line: int, column: int, message: str, kind: str = "syntax") -> None:
        super().__init__(message)
        self.line, self.column, self.kind = line, column, kind


def parse_module(display: str, source: str, convert_v0: bool) -> Module:
    """Outline one module's text; v0 rules are converted (`convert_v0`) or refused.

    One place decides what a module is, for .rego files and for Rego embedded in
    other documents (Gatekeeper templates) alike. Raises ModuleProblem."""
    try:
        shape = outline(source)
    except LexError as error:
        raise ModuleProblem(error.line, error.column, f"rego_parse_error: {error}") from None
    if not shape.package:
        raise ModuleProblem(1, 1, "rego_parse_error: the module has no `package` line")
    v0 = shape.v0_rules()
    if not v0:
        return Module(display, source, shape)
    if not convert_v0:
        first = v0[0]
        more = f" (and {len(v0) - 1} more rules)" if len(v0) > 1 else ""
        raise ModuleProblem(first.line, first.column, f"Rego v0 syntax: {first.v0}{more}", "v0")
    converted = apply_edits(source, conversion_edits(shape))
    shape = outline(converted.text)
    left = shape.v0_rules()
    if left:
        line, column = position_of(source, converted.original_offset(
            shape.tokens[left[0].start].start))
        raise ModuleProblem(line, column, f"cannot convert this v0 rule automatically "
                                          f"({left[0].v0})", "unconvertible")
    return Module(display, source, shape, (converted,), True)


def network_problem(module: Module) -> ModuleProblem | None:
    """A call of a network built-in, refused unless `rego.allow_network` (builtins.py)."""
    from policygate.rego.builtins import network_calls

    calls = network_calls(module.outline.tokens)
    if not calls:
        return None
    token, name = calls[0]
    line, column = module.position(token.start)
    return ModuleProblem(line, column, f"{name} reaches the network from a policy, which a "
                                       f"gate must not do; set rego.allow_network: true to "
                                       f"allow it", "network")


def read_modules(files: Iterable[tuple[str, str]], v0_compatible: bool,
                 allow_network: bool = False) -> tuple[list[Module], list[str]]:
    """Read and outline modules; v0 modules are converted or refused, network built-ins
    refused unless allowed. Returns the modules and notices (one per converted file);
    raises PolicyError listing every bad file."""
    modules: list[Module] = []
    problems: list[str] = []
    notices: list[str] = []
    for path, display in files:
        try:
            with open(path, encoding="utf-8") as handle:
                source = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            problems.append(f"{display}: cannot read the policy: {reason}")
            continue
        try:
            module = parse_module(display, source, v0_compatible)
            refused = None if allow_network else network_problem(module)
            if refused is not None:
                raise refused
        except ModuleProblem as problem:
            where = f"{display}:{problem.line}:{problem.column}: {problem}"
            if problem.kind == "v0":
                where += (f"; policygate reads Rego v1 like OPA 1.x: convert the file with "
                          f"`opa fmt --v0-v1 --write {display}`, or pass --v0-compatible "
                          f"(policies.v0_compatible: true) to convert it on the fly")
            elif problem.kind == "unconvertible":
                where += f"; convert it with `opa fmt --v0-v1 --write {display}`"
            problems.append(where)
            continue
        if module.converted:
            notices.append(f"{display}: Rego v0 syntax converted to v1 for this run "
                           f"(--v0-compatible); `opa fmt --v0-v1 --write {display}` makes "
                           f"it permanent")
        modules.append(module)
    if problems:
        raise PolicyError(problems)
    return modules, notices


DATA_SUFFIXES = (".json", ".yaml", ".yml")


def load_data(files: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Merge JSON/YAML data files under `data`, like `conftest --data`."""
    from pathlib import Path

    from policygate.parsers import parse_bytes
    from policygate.parsers.yaml import Limits
    from policygate.sources.files import walk_files

    limits = Limits()
    merged: dict[str, Any] = {}
    problems: list[str] = []
    for path, display in files:
        paths = [path] if os.path.isfile(path) else [
            str(file) for file in walk_files(Path(path)) if file.name.endswith(DATA_SUFFIXES)]
        if not paths and not os.path.exists(path):
            problems.append(f"{display}: data file not found")
        for file in paths:
            shown = display if file == path else \
                f"{display.rstrip('/')}/{Path(file).relative_to(path).as_posix()}"
            try:
                with open(file, "rb") as handle:
                    raw = handle.read(limits.max_file_bytes + 1)
            except OSError as error:
                problems.append(f"{shown}: cannot read the data file: {error.strerror}")
                continue
            # The same safe, bounded reader as manifests: limits, encodings, and values
            # typed as Kubernetes would type them.
            parsed = parse_bytes(raw, shown, limits)
            if parsed.findings:
                problem = parsed.findings[0]
                problems.append(f"{shown}:{problem.location.line}:{problem.location.column}: "
                                f"invalid data file: {problem.message}")
                continue
            if len(parsed.documents) > 1:
                problems.append(f"{shown}:{parsed.documents[1].start_line}:1: a data file must "
                                f"hold one document")
                continue
            content = parsed.documents[0].data if parsed.documents else None
            if content is None:
                continue
            if not isinstance(content, dict):
                problems.append(f"{shown}:1:1: a data file must hold a mapping (its keys become "
                                f"data.<key>), not a {type(content).__name__}")
                continue
            if CONTEXT_ROOT in content:
                problems.append(f"{shown}: the key `{CONTEXT_ROOT}` is reserved for the run "
                                f"context (data.policygate); rename it")
                continue
            _merge(merged, _json_safe(content), shown, problems)
    if problems:
        raise PolicyError(problems)
    return merged


def _merge(target: dict[str, Any], content: dict[str, Any], shown: str, problems: list[str],
           prefix: str = "data") -> None:
    for key, value in content.items():
        if key in target and isinstance(target[key], dict) and isinstance(value, dict):
            _merge(target[key], value, shown, problems, f"{prefix}.{key}")
        elif key in target and target[key] != value:
            problems.append(f"{shown}: {prefix}.{key} is already set by another data file")
        else:
            target[key] = value


def _json_safe(value: Any) -> Any:
    """YAML can hold things JSON cannot (dates, non-string keys): make it plain JSON."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else json.dumps(k) if not isinstance(k, float) else str(k):
                _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    return str(value)


_RULE_NAME = re.compile(r"(deny|violation|warn)(_[A-Za-z0-9_]+)?\Z")


def rule_sets(modules: Sequence[Module], namespaces: Sequence[str]) -> list[RuleSet]:
    """The Conftest rules (deny/violation/warn[_x], exception) of the given packages."""
    found: dict[tuple[str, str], RuleSet] = {}
    for module in modules:
        if module.package not in namespaces:
            continue
        for rule in module.outline.rules:
            name = rule.name
            match = _RULE_NAME.match(name)
            if match:
                kind = "warn" if match.group(1) == "warn" else "deny"
            elif name == EXCEPTION_RULE:
                kind = "exception"
            else:
                continue
            key = (module.package, name)
            previous = found.get(key)
            files = (previous.files if previous else ()) + (
                (module.path,) if not previous or module.path not in previous.files else ())
            found[key] = RuleSet(module.package, name, kind,
                                 rule.contains or bool(previous and previous.partial_set), files)
    return sorted(found.values(), key=lambda r: (r.package, r.kind != "exception", r.name))


def resolve_namespaces(modules: Sequence[Module], sources: Sources,
                       library_packages: Sequence[str]) -> list[str]:
    packages = sorted({m.package for m in modules})
    if sources.all_namespaces:
        return packages
    wanted = list(dict.fromkeys(list(sources.namespaces) + list(library_packages)))
    user_packages = {m.package for m in modules if m.package not in library_packages}
    if sources.policies and user_packages:
        missing = [n for n in sources.namespaces if not rule_sets(
            [m for m in modules if m.package == n], [n])]
        if len(missing) == len(sources.namespaces):
            raise PolicyError([
                f"no deny, violation or warn rules in namespace "
                f"{', '.join(repr(n) for n in missing)}; the policies define packages "
                f"{', '.join(sorted(user_packages))}: pass --namespace PACKAGE (repeatable) "
                f"or --all-namespaces (policies.namespaces / policies.all_namespaces)"])
    return wanted


def load_policy_set(sources: Sources) -> PolicySet:
    files: list[tuple[str, str]] = []
    problems: list[str] = []
    for path, shown in sources.policies:
        if not os.path.exists(path):
            problems.append(f"{shown}: policy directory or file not found")
            continue
        found = rego_files(path, include_tests=False)
        if not found:
            problems.append(f"{shown}: no .rego files found")
        files.extend((file, shown if file == path else
                      Path(shown, os.path.relpath(file, path)).as_posix()) for file in found)
    available = library_names()
    library_files = []
    for name in sources.library:
        if name not in available:
            problems.append(f"unknown library policy {name!r} in policies.library "
                            f"(available: {', '.join(available) or 'none'})")
            continue
        path = str(library_dir() / f"{name}.rego")
        library_files.append((path, f"policygate:library/{name}.rego"))
    if problems:
        raise PolicyError(problems)
    if library_files:  # the helpers the library policies import (`_workloads.rego`)
        library_files[:0] = [(str(p), f"policygate:library/{p.name}")
                             for p in sorted(library_dir().glob("_*.rego"))]
    modules, notices = read_modules(files + library_files, sources.v0_compatible,
                                    sources.allow_network)
    _check_duplicate_packages_library(modules, library_files)
    library_packages = sorted({m.package for m in modules
                               if m.path.startswith("policygate:library/")})
    namespaces = resolve_namespaces(modules, sources, library_packages)
    data = load_data(sources.data)
    sets = rule_sets(modules, namespaces)
    return PolicySet(tuple(modules), data, tuple(sets), tuple(notices), tuple(namespaces))


def _check_duplicate_packages_library(modules: Sequence[Module],
                                      library_files: Sequence[tuple[str, str]]) -> None:
    """A user package that reuses a library package would merge rules silently."""
    library = {m.package for m in modules if m.path.startswith("policygate:library/")}
    clashes = [m for m in modules if m.package in library
               and not m.path.startswith("policygate:library/")]
    if clashes:
        raise PolicyError([f"{m.path}:{m.outline.package_line}:1: package {m.package} is the "
                           f"package of an enabled library policy; rename the package"
                           for m in clashes])


def _reads_context(module: Outline) -> bool:
    tokens = module.tokens
    for index, token in enumerate(tokens[:-2]):
        if token.is_word("data") and (index == 0 or not tokens[index - 1].is_op(".")):
            following = tokens[index + 1]
            if following.is_op(".") and tokens[index + 2].is_word(CONTEXT_ROOT):
                return True
            if following.is_op("[") and tokens[index + 2].text in (f'"{CONTEXT_ROOT}"',):
                return True
    return False
