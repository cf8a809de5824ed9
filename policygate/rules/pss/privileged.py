"""Baseline: no privileged containers."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import container_security_context


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    for container in pod.containers():
        if container_security_context(container).get("privileged") is True:
            yield Violation(
                f"{container.describe()} runs privileged (securityContext.privileged=true): "
                f"remove the field or set it to false",
                container.path + ("securityContext", "privileged"),
                fix="privileged: false")


RULE = Rule(
    id="pss/privileged",
    summary="containers must not run privileged",
    severity=Severity.ERROR,
    scope="pod",
    level="baseline",
    check=check,
    doc=RuleDoc(
        rationale="A privileged container has every capability and all host devices; it can "
                  "take over the node. Pod Security Standards, baseline: Privileged Containers.",
        bad="securityContext:\n  privileged: true",
        good="securityContext:\n  privileged: false",
        fix="Remove securityContext.privileged or set it to false; grant only the specific "
            "capabilities the workload needs.",
    ),
)
