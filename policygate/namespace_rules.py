"""The rules of one namespace: Pod Security controls at the namespace's own levels.

Built once per namespace a run meets (`RuleSet.rules_for`); each Pod Security control
gets the severity of the admission mode it falls under, the level and version of that
mode, and a note for its messages saying which level applied and why.
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from policygate.model import Severity
from policygate.namespaces import PREFIX, Admission, NamespaceLevels
from policygate.rules import RuleContext, all_rules

if TYPE_CHECKING:
    from policygate.settings import ActiveRule, RuleSet

_VERBS = {Severity.ERROR: ("enforces", "enforce"), Severity.WARNING: ("warns at", "warn"),
          Severity.NOTE: ("audits at", "audit")}


def _why(namespace: str | None, levels: NamespaceLevels | None, severity: Severity,
         admission: Admission) -> str:
    verb, mode = _VERBS[severity]
    own = getattr(levels, mode) if levels is not None else None
    if own is None:
        setting = "pss.level" if severity is Severity.ERROR else \
            "pss.warn_level" if severity is Severity.WARNING else "config"
        subject = "no metadata.namespace" if namespace is None else \
            f'namespace "{namespace}" has no {mode} label' if levels is not None else \
            f'namespace "{namespace}" has no Pod Security level in the scan or config'
        return f" [{subject}: {setting} {admission.describe()} applies]"
    assert levels is not None
    where = levels.origin if levels.origin.endswith("(pss.namespaces)") else \
        f"label {PREFIX}{mode} on its Namespace at {levels.origin}"
    return f' [namespace "{namespace}" {verb} {admission.describe()}: {where}]'


def namespace_rules(rule_set: RuleSet, namespace: str | None) -> list[ActiveRule]:
    from policygate.settings import ActiveRule

    settings = rule_set.settings
    levels = settings.context.namespaces.levels_for(namespace)
    by_id = {active.rule.id: active for active in rule_set.active}
    contexts: dict[Admission, RuleContext] = {}
    enforce = levels.enforce.level if levels is not None and levels.enforce is not None \
        else settings.context.pss_level
    rules: list[ActiveRule] = []
    for rule in all_rules():
        if rule.level is None:
            if rule.id in by_id:
                rules.append(by_id[rule.id])
            continue
        severity = settings.severity_of(rule, levels)
        mode = settings.pss_mode(rule, levels)
        if severity is None:
            continue
        if mode is None:  # enabled explicitly beyond every level: the run's own context
            rules.append(ActiveRule(rule, severity))
            continue
        admission = mode[1]
        context = contexts.get(admission)
        if context is None:
            context = contexts[admission] = dataclasses.replace(
                settings.context, pss_level=enforce, pss_version=admission.version)
        rules.append(ActiveRule(rule, severity, context,
                                _why(namespace, levels, mode[0], admission)))
    return rules
