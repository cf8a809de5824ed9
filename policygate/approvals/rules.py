"""The `approvals:` section of .policygate.yaml as typed rules and a policy tree.

The schema has already validated the shape; this module adds what a schema cannot say
(every name in `policy` must be a defined rule, names are unique) and records the
line of each rule so findings can point at it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from policygate.config import Config, ConfigError


@dataclass(frozen=True, slots=True)
class FileMatch:
    paths: tuple[str, ...]
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Principals:
    users: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.users or self.teams)


@dataclass(frozen=True, slots=True)
class Conditions:
    """A rule's `if`: every condition given must hold."""

    changed_files: FileMatch | None = None
    only_changed_files: FileMatch | None = None
    targets_branch: tuple[str, ...] = ()
    has_labels: tuple[str, ...] = ()
    has_author_in: Principals | None = None
    changed_kinds: tuple[str, ...] = ()
    changed_namespaces: tuple[str, ...] = ()
    policy_changed: bool | None = None
    # The change adds suppressions (of these rules or families; () = of any rule).
    adds_suppressions: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Requirement:
    count: int = 1
    approvers: Principals = Principals()
    codeowners: bool = False


@dataclass(frozen=True, slots=True)
class Options:
    allow_author: bool = False
    allow_contributor: bool = False
    invalidate_on_push: bool = True


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    name: str
    conditions: Conditions
    requires: Requirement
    options: Options
    line: int = 1


@dataclass(frozen=True, slots=True)
class PolicyNode:
    """`and`/`or` over children, or a leaf naming a rule."""

    operator: str                          # "and" | "or" | "rule"
    children: tuple[PolicyNode, ...] = ()
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class ApprovalConfig:
    rules: dict[str, ApprovalRule]
    policy: PolicyNode
    disapproval: Principals = Principals()
    teams: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fail_when_nothing_applies: bool = True
    gate_files: tuple[str, ...] = ()
    config_path: str = ".policygate.yaml"
    policy_line: int = 1


PolicySpec = Union[str, list[Any], dict[str, Any]]


def _file_match(value: Any) -> FileMatch | None:
    if value is None:
        return None
    if isinstance(value, list):
        return FileMatch(tuple(value))
    return FileMatch(tuple(value["paths"]), tuple(value.get("ignore") or ()))


def _principals(value: Any) -> Principals:
    value = value or {}
    return Principals(tuple(value.get("users") or ()), tuple(value.get("teams") or ()))


def _suppression_filter(value: Any, where: str) -> tuple[str, ...] | None:
    """`adds_suppressions: true` -> () (any rule); `{rules: [...]}` -> those patterns. A
    misspelt rule would make the condition never hold, so unknown names are an error."""
    if value is None:
        return None
    if value is True:
        return ()
    from policygate.rules import known_pattern, unknown_pattern

    for pattern in value["rules"]:
        if not known_pattern(pattern):
            raise ConfigError(f"{where}: `adds_suppressions` names an {unknown_pattern(pattern)}")
    return tuple(value["rules"])


def _rule(entry: dict[str, Any], line: int, where: str) -> ApprovalRule:
    conditions = entry.get("if") or {}
    resources = conditions.get("changed_resources") or {}
    requires = entry.get("requires") or {}
    options = entry.get("options") or {}
    approvers = _principals(requires)
    return ApprovalRule(
        name=entry["name"],
        conditions=Conditions(
            changed_files=_file_match(conditions.get("changed_files")),
            only_changed_files=_file_match(conditions.get("only_changed_files")),
            targets_branch=tuple(conditions.get("targets_branch") or ()),
            has_labels=tuple(conditions.get("has_labels") or ()),
            has_author_in=_principals(conditions["has_author_in"])
            if "has_author_in" in conditions else None,
            changed_kinds=tuple(resources.get("kinds") or ()),
            changed_namespaces=tuple(resources.get("namespaces") or ()),
            policy_changed=conditions.get("policy_changed"),
            adds_suppressions=_suppression_filter(conditions.get("adds_suppressions"), where)),
        requires=Requirement(count=requires.get("count", 1), approvers=approvers,
                             codeowners=bool(requires.get("codeowners", False))),
        options=Options(allow_author=bool(options.get("allow_author", False)),
                        allow_contributor=bool(options.get("allow_contributor", False)),
                        invalidate_on_push=bool(options.get("invalidate_on_push", True))),
        line=line)


def _policy(spec: PolicySpec, names: set[str], where: str) -> PolicyNode:
    if isinstance(spec, str):
        if spec not in names:
            raise ConfigError(f"{where}: `approvals.policy` names rule {spec!r}, which is not "
                              f"defined under approvals.rules")
        return PolicyNode("rule", rule=spec)
    if isinstance(spec, list):
        return PolicyNode("and", tuple(_policy(item, names, where) for item in spec))
    operator, children = next(iter(spec.items()))
    return PolicyNode(operator, tuple(_policy(item, names, where) for item in children))


def approval_config(config: Config) -> ApprovalConfig | None:
    """None when the config has no `approvals:` section (approvals are not checked)."""
    section = config.sections.get("approvals")
    if section is None:
        return None
    path = config.path or ".policygate.yaml"
    rules: dict[str, ApprovalRule] = {}
    for index, entry in enumerate(section.get("rules") or ()):
        line = config.line_of("approvals", "rules", index)
        if entry["name"] in rules:
            raise ConfigError(f"{path}:{line}: approval rule name {entry['name']!r} is used twice")
        rules[entry["name"]] = _rule(entry, line, f"{path}:{line}")
    policy_line = config.line_of("approvals", "policy")
    if "policy" in section and section["policy"] is not None:
        policy = _policy(section["policy"], set(rules), f"{path}:{policy_line}")
    else:
        policy = PolicyNode("and", tuple(PolicyNode("rule", rule=name) for name in rules))
    return ApprovalConfig(
        rules=rules, policy=policy, disapproval=_principals(section.get("disapproval")),
        teams={team: tuple(members) for team, members in (section.get("teams") or {}).items()},
        fail_when_nothing_applies=section.get("if_no_rule_applies", "fail") == "fail",
        gate_files=tuple(section.get("gate_files") or ()), config_path=path,
        policy_line=policy_line)
