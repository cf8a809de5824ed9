"""A Namespace whose Pod Security admission label is weaker than the gate requires, or
that a change weakens."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.model import FieldPath, Resource, Severity, Violation
from policygate.namespaces import PREFIX, namespace_levels, rank
from policygate.rules import Rule, RuleContext, RuleDoc

_LABELS: FieldPath = ("metadata", "labels")
_ENFORCE: FieldPath = _LABELS + (PREFIX + "enforce",)


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    levels = namespace_levels(resource.document)
    if levels is None:
        return
    name, policy = levels.name, ctx.namespaces
    if name in policy.exempt:
        return
    for problem in levels.problems:
        yield Violation(f'Namespace "{name}": {problem}', _LABELS)
    configured = policy.configured.get(name)
    if configured is not None and configured.enforce is not None:
        required, why = configured.enforce.level, configured.origin
    else:
        required, why = ctx.pss_level, "pss.level"
    enforce = levels.enforce
    now = enforce.describe() if enforce is not None else \
        "no enforce label (the cluster default, privileged unless configured otherwise)"
    before = policy.previous.get(name)
    if before is not None and before.enforce is not None and (
            enforce is None or enforce.strength() < before.enforce.strength()):
        yield Violation(
            f'this change lowers Namespace "{name}" from enforce {before.enforce.describe()} to '
            f"{now}: pods that were refused will be admitted — keep `{PREFIX}enforce: "
            f"{before.enforce.level}`, or get the change approved and exempt the namespace "
            f"(pss.exempt_namespaces)", _ENFORCE if enforce is not None else _LABELS)
        return
    if enforce is None and rank(required) > 0:
        yield Violation(
            f'Namespace "{name}" has {now}, and {why} requires {required}: add the label '
            f"`{PREFIX}enforce: {required}`", _LABELS)
    elif enforce is not None and rank(enforce.level) < rank(required):
        what = "any pod may run there, privileged or not" if enforce.level == "privileged" \
            else f"pods that break {required} are admitted"
        yield Violation(
            f'Namespace "{name}" enforces {enforce.describe()}, below the {required} that {why} '
            f"requires: {what} — set `{PREFIX}enforce: {required}`, or exempt the namespace "
            f"(pss.exempt_namespaces)", _ENFORCE)


RULE = Rule(
    id="pss/namespace-admission",
    summary="namespaces must enforce the required pod security level, and a change must not "
            "lower it",
    severity=Severity.ERROR,
    scope="resource",
    check=check,
    doc=RuleDoc(
        rationale="Pod Security Admission enforces the level written on each Namespace "
                  "(pod-security.kubernetes.io/enforce). A Namespace labelled privileged, "
                  "or without the label (the cluster default, usually privileged), admits "
                  "any pod, including ones created outside git; a change that lowers or "
                  "removes the label weakens every workload in it at once. The required "
                  "level is pss.namespaces[<name>] or else pss.level; kube-system and the "
                  "namespaces in pss.exempt_namespaces are not judged. The gate also judges "
                  "each workload at its namespace's level (see README, Pod Security "
                  "Standards).",
        bad="apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n"
            "    pod-security.kubernetes.io/enforce: privileged",
        good="apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n"
             "    pod-security.kubernetes.io/enforce: restricted\n"
             "    pod-security.kubernetes.io/enforce-version: v1.33",
        fix="Label the Namespace with the required level (pod-security.kubernetes.io/enforce); "
            "for namespaces that must run privileged pods (CNI, node agents), list them under "
            "pss.exempt_namespaces with the approval of the platform team.",
    ),
)
