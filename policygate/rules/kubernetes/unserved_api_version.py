"""A workload kind under an apiVersion the API server does not serve for it."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.model import Resource, Severity, Violation
from policygate.podspecs.served import unserved
from policygate.rules import Rule, RuleContext, RuleDoc


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    served = unserved(resource.id.api_version, resource.id.kind)
    if served is not None:
        yield Violation(
            f"{resource.id.api_version} is not an apiVersion Kubernetes serves for "
            f"{resource.id.kind} (served: {', '.join(served)}): the API server refuses it; its "
            f"pods were checked as a {resource.id.kind} — fix the apiVersion",
            ("apiVersion",))


RULE = Rule(
    id="kubernetes/unserved-api-version",
    summary="a workload kind under an apiVersion the API server does not serve for it",
    severity=Severity.WARNING,
    scope="resource",
    check=check,
    doc=RuleDoc(
        rationale="A typo in apiVersion (`apps/v1beta3`, `app/v1`, `v1` for a Deployment) "
                  "makes the API server refuse the object, and a gate that skipped it would "
                  "report it as checked. Once the typo is fixed the workload reaches the "
                  "cluster; the gate judges its pods as the kind it names now and warns.",
        bad="apiVersion: apps/v1beta3\nkind: Deployment",
        good="apiVersion: apps/v1\nkind: Deployment",
        fix="Use an apiVersion the cluster serves for the kind (`kubectl api-resources` lists "
            "them).",
    ),
)
