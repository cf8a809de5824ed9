"""Restricted (v1.23+): nothing may ask for user ID 0."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import as_int, setters, user_namespace_exempt


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    if not ctx.pss_at_least(1, 23) or user_namespace_exempt(pod, ctx):
        return
    # No precedence: a pod-level 0 fails even when every container sets another UID.
    for setter in setters(pod):
        if as_int(setter.context.get("runAsUser")) == 0:
            yield Violation(
                f"{setter.who} sets securityContext.runAsUser=0 (root): remove it or use a "
                f"non-zero UID such as 1000",
                setter.field_path("runAsUser"))


RULE = Rule(
    id="pss/run-as-user",
    summary="pods and containers must not run as user id 0",
    severity=Severity.WARNING,
    scope="pod",
    level="restricted",
    check=check,
    doc=RuleDoc(
        rationale="runAsUser: 0 runs the container as root regardless of the image's USER. "
                  "Pod Security Standards, restricted: Running as Non-root user (v1.23+) — "
                  "spec.securityContext.runAsUser and every container's runAsUser must be "
                  "unset or non-zero. From v1.35, pods with hostUsers: false are exempt.",
        bad="securityContext:\n  runAsUser: 0",
        good="securityContext:\n  runAsUser: 1000\n  runAsNonRoot: true",
        fix="Remove runAsUser: 0 or set a non-zero UID the image supports.",
    ),
)
