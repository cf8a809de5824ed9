"""The built-in rule registry.

A rule is data plus one check function. Rule modules only describe what is wrong and
where (a field path); severity, selection, location and suppression are decided by the
pipeline, so every rule behaves the same way under config and command-line options.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from policygate.model import Severity, Violation

if TYPE_CHECKING:
    from policygate.namespaces import NamespacePolicy
    from policygate.podspecs.declared import DeclaredPaths


def _namespace_policy() -> NamespacePolicy:
    from policygate.namespaces import NamespacePolicy

    return NamespacePolicy()

# One module per rule (yamllint-style); the order is the order of `policygate rules`.
_RULE_MODULES = (
    "pss.host_process", "pss.host_namespaces", "pss.privileged", "pss.baseline_capabilities",
    "pss.host_path_volumes", "pss.host_ports", "pss.apparmor", "pss.selinux",
    "pss.proc_mount", "pss.seccomp_unconfined", "pss.sysctls", "pss.host_probes",
    "pss.ulimits", "pss.volume_types", "pss.privilege_escalation", "pss.run_as_non_root",
    "pss.run_as_user", "pss.seccomp_required", "pss.restricted_capabilities",
    "pss.restricted_proc_mount", "pss.cgroup_options", "pss.namespace_admission",
    "images.invalid_reference", "images.untrusted_registry", "images.not_pinned",
    "images.latest_tag", "actions.not_pinned", "gitops.untrusted_source",
    "gitops.unpinned_revision", "kubernetes.assumed_pod_spec", "kubernetes.unserved_api_version",
)


@dataclass(slots=True)
class RuleDoc:
    """What `policygate explain` prints: why the rule exists and how to comply."""

    rationale: str
    bad: str
    good: str
    fix: str


@dataclass(frozen=True, slots=True)
class RuleParam:
    """A setting a rule takes under `rules: {<id>: {params: {<name>: ...}}}`; the config
    loader validates the value against `schema`, so a check can trust what it reads."""

    name: str
    schema: dict[str, Any]
    help: str
    example: str          # the YAML flow value `policygate explain` shows


@dataclass(slots=True)
class RuleContext:
    """Settings a check may consult; built once per run from options and config."""

    pss_version: tuple[int, int] | None = None  # None: the latest standard
    pss_level: str = "baseline"                 # the enforced level (some checks differ by level)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Config sections owned by rule families (`images:`, ...), validated by the schema.
    sections: dict[str, Any] = field(default_factory=dict)
    # `kubernetes.pod_spec_paths`: where the team's own kinds keep their pod specs.
    pod_spec_paths: DeclaredPaths | None = None
    # Pod Security levels per namespace (config, Namespace objects, before the change).
    namespaces: NamespacePolicy = field(default_factory=lambda: _namespace_policy())

    def pss_at_least(self, major: int, minor: int) -> bool:
        return self.pss_version is None or self.pss_version >= (major, minor)

    def params_for(self, rule_id: str) -> dict[str, Any]:
        """`params` from the config: the family's, overridden by the rule's own."""
        family = self.params.get(rule_id.partition("/")[0], {})
        return {**family, **self.params.get(rule_id, {})}


@dataclass(slots=True)
class Rule:
    id: str
    summary: str
    severity: Severity
    # "pod": check(PodSpec, ctx); "resource": check(Resource, ctx); "image": check(ImageSite,
    # ctx) for every image reference in any document; any other document kind from
    # policygate.classify ("compose", "workflow", "dockerfile"): check(Document, ctx)
    scope: str
    check: Callable[..., Iterable[Violation]]
    doc: RuleDoc
    level: str | None = None        # Pod Security Standards level, for pss/ rules
    params: tuple[RuleParam, ...] = ()

    @property
    def family(self) -> str:
        return self.id.partition("/")[0]


# Rule IDs produced by the pipeline itself rather than by a check function.
PIPELINE_RULES: dict[str, tuple[Severity, str]] = {
    "parse/invalid-yaml": (Severity.ERROR, "the file is not valid YAML/JSON"),
    "parse/invalid-encoding": (Severity.ERROR, "the file is not valid UTF-8 (or BOM-marked UTF-16/32)"),
    "parse/binary-file": (Severity.NOTE, "binary content in a file that should be text; skipped"),
    "parse/duplicate-key": (Severity.WARNING, "a mapping repeats a key; Kubernetes keeps only the last"),
    "parse/ambiguous-merge": (Severity.WARNING, "a `<<` merge key after an explicit key: kubectl, "
                                                "Helm and Argo CD read the merged value, kustomize "
                                                "the explicit one; both are judged"),
    "parse/limit-exceeded": (Severity.ERROR, "a file exceeds a size, document, depth or alias limit"),
    "parse/unreadable": (Severity.ERROR, "the file could not be read"),
    "render/failed": (Severity.ERROR, "kustomize or helm could not render a directory (its "
                                      "own message, file and exit code)"),
    "render/unavailable": (Severity.ERROR, "a Helm chart or kustomization cannot be checked: "
                                           "its renderer is not installed"),
    "render/refused": (Severity.ERROR, "a kustomization names a remote base, an absolute path "
                                       "or a path outside the repository; a render never "
                                       "follows it"),
    "source/skipped": (Severity.NOTE, "a submodule, an unmerged or special file, or a symlink "
                                      "that leads outside the repository, is broken or names a "
                                      "directory, was not read"),
    "approval/missing": (Severity.ERROR, "an approval rule that applies still lacks approvals"),
    "approval/disapproved": (Severity.ERROR, "a reviewer with blocking rights requested changes"),
    "approval/cannot-verify": (Severity.ERROR, "an approval rule could not be evaluated (team "
                                               "membership, file list); fails closed"),
    "approval/policy-changed": (Severity.WARNING, "the pull request changes the gate's own "
                                                  "config, policies, baseline, CODEOWNERS, "
                                                  "workflows or hooks"),
    "approval/invalid-codeowners": (Severity.WARNING, "a CODEOWNERS line GitHub would skip"),
    "policygate/suppression-without-reason": (
        Severity.WARNING, "a suppression comment or annotation gives no reason"),
    "policygate/unused-suppression": (
        Severity.NOTE, "a suppression or exception matched no finding (or names an unknown rule)"),
    "policygate/expired-exception": (
        Severity.WARNING, "a config exception is past its expiry date (it applies through "
                          "that date) and no longer suppresses anything"),
    "policygate/outdated-baseline": (
        Severity.NOTE, "the baseline file is an older format that does not compare values"),
    "policygate/new-suppression": (
        Severity.ERROR, "a suppression the change adds, without the approval the base config "
                        "asks for (a note outside pull requests)"),
}


@cache
def all_rules() -> tuple[Rule, ...]:
    rules = []
    for name in _RULE_MODULES:
        module = importlib.import_module(f"policygate.rules.{name}")
        rules.append(module.RULE)
    return tuple(rules)


def rule_matches(rule_id: str, pattern: str) -> bool:
    """`pss` selects a family, `pss/privileged` one rule."""
    return rule_id == pattern or rule_id.startswith(pattern.rstrip("/") + "/")


# Families whose rule IDs come from policies at run time, not from the registry.
DYNAMIC_FAMILIES = ("rego", "gatekeeper")


def rule_ids() -> list[str]:
    """Every built-in rule ID: the registry's and the pipeline's."""
    return [rule.id for rule in all_rules()] + list(PIPELINE_RULES)


def known_pattern(pattern: str) -> bool:
    """A rule or family a selection, setting or suppression may name."""
    if pattern.partition("/")[0] in DYNAMIC_FAMILIES:
        return True
    return any(rule_matches(rule_id, pattern) for rule_id in rule_ids())


def unknown_pattern(pattern: str, what: str = "rule or family") -> str:
    """`unknown rule or family 'pss/privilegd' — did you mean 'pss/privileged'? (see …)`."""
    from policygate.suggest import did_you_mean

    ids = rule_ids()
    names = ids + sorted({rule_id.partition("/")[0] for rule_id in ids}) \
        if what == "rule or family" else ids
    return f"unknown {what} {pattern!r}{did_you_mean(pattern, names)} (see `policygate rules`)"
