"""Policy files and directories -> the templates and constraints of one run.

Directories are walked for YAML/JSON (hidden directories skipped). In a policy
directory every file must parse: a template that cannot be read is a gate that does not
run. Scanned repository files (`from_repo`) are different — most are not policy, and
their YAML errors are already reported by the scan — so only files that mention
`gatekeeper.sh` are parsed, and unparseable ones are left to the scan.

Across all files, what the cluster would refuse is refused: two templates for one kind,
two constraints with one name, a constraint whose kind no template defines, parameters
that do not fit the template's schema.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from policygate.gatekeeper.constraints import parameter_problem, read_constraint
from policygate.gatekeeper.objects import Constraint, PolicyProblem, Template, policy_kind
from policygate.gatekeeper.templates import read_template
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import Limits
from policygate.rego.policyset import PolicyError

_SUFFIXES = (".yaml", ".yml", ".json")
_MARKER = b"gatekeeper.sh"


@dataclass(slots=True)
class PolicyObjects:
    templates: list[Template] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)


def yaml_files(path: str, display: str) -> list[tuple[str, str]]:
    """(path on disk, display name) of the YAML/JSON files under a file or directory."""
    if os.path.isfile(path):
        return [(path, display)]
    found = []
    for current, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(_SUFFIXES):
                full = os.path.join(current, name)
                shown = os.path.normpath(os.path.join(display, os.path.relpath(full, path)))
                shown = shown.replace(os.sep, "/")
                found.append((full, shown))
    return found


def read_files(files: Iterable[tuple[str, str]], limits: Limits
               ) -> Iterator[tuple[str, bytes | OSError]]:
    """(display, content or the error reading it) of files on disk, at most one byte past
    the size limit (the parser reports what is over it)."""
    for path, display in files:
        try:
            with open(path, "rb") as handle:
                yield display, handle.read(limits.max_file_bytes + 1)
        except OSError as error:
            yield display, error


def load_policy(contents: Iterable[tuple[str, bytes | OSError]], strict: bool,
                limits: Limits = Limits(), extra: PolicyObjects | None = None,
                checked: bool = True) -> PolicyObjects:
    """Read every template and constraint of `contents` — (display, bytes) from disk
    (read_files) or from a commit — plus `extra`, already read, and check them as one
    policy (`checked=False` leaves that to a later call that adds more objects); raises
    PolicyError listing every problem."""
    objects = PolicyObjects(list(extra.templates), list(extra.constraints)) if extra \
        else PolicyObjects()
    problems: list[str] = []
    for display, raw in contents:
        if isinstance(raw, OSError):
            problems.append(f"{display}: cannot read the policy file: {raw.strerror}")
            continue
        if not strict and _MARKER not in raw:
            continue
        parsed = parse_bytes(raw, display, limits)
        if parsed.findings:
            if strict:
                first = parsed.findings[0]
                line = first.location.line if first.location else 1
                problems.append(f"{display}:{line}: cannot read the policy file: {first.message}")
            continue
        for document in parsed.documents:
            kind = policy_kind(document.data)
            try:
                if kind == "template":
                    objects.templates.append(read_template(document, display, parsed.text))
                elif kind == "constraint":
                    objects.constraints.append(read_constraint(document, display))
            except PolicyProblem as problem:
                problems.append(str(problem))
    if checked and not problems:
        problems.extend(check_consistency(objects))
    if problems:
        raise PolicyError(problems)
    return objects


def holds_policy(raw: bytes, display: str, limits: Limits) -> bool:
    """Does a file hold a ConstraintTemplate or a Constraint (that parses)?"""
    if _MARKER not in raw:
        return False
    parsed = parse_bytes(raw, display, limits)
    return not parsed.findings and any(policy_kind(d.data) is not None
                                       for d in parsed.documents)


def check_consistency(objects: PolicyObjects) -> list[str]:
    problems = []
    seen: dict[str, Template] = {}
    for template in objects.templates:
        first = seen.setdefault(template.kind, template)
        if first is not template:
            problems.append(f"{template.origin.at()}: a second ConstraintTemplate for kind "
                            f"{template.kind} (the first is at {first.origin.at()})")
    names: dict[tuple[str, str], Constraint] = {}
    for constraint in objects.constraints:
        earlier = names.setdefault((constraint.kind, constraint.name), constraint)
        if earlier is not constraint:
            problems.append(f"{constraint.origin.at(('metadata', 'name'))}: a second "
                            f"{constraint.kind} named {constraint.name} (the first is at "
                            f"{earlier.origin.at()})")
            continue
        template = seen.get(constraint.kind)
        if template is None:
            problems.append(f"{constraint.origin.at(('kind',))}: no ConstraintTemplate defines "
                            f"kind {constraint.kind} (constraint {constraint.name}); add the "
                            f"template to gatekeeper.dirs")
            continue
        problem = parameter_problem(constraint, template)
        if problem is not None:
            problems.append(str(problem))
    return problems
