"""Restricted: containers must be required to run as a non-root user."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import (
    container_security_context, pod_security_context, show, user_namespace_exempt)


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    # From v1.35, pods in a user namespace (hostUsers: false) are exempt: root in the pod
    # is not root on the node.
    if user_namespace_exempt(pod, ctx):
        return
    pod_value = pod_security_context(pod).get("runAsNonRoot")
    if pod_value is False:
        # Reported even when every container sets true (no precedence for explicit false).
        yield Violation(
            "pod sets securityContext.runAsNonRoot=false: set it to true",
            pod.field_path("securityContext", "runAsNonRoot"),
            fix="runAsNonRoot: true")
    for container in pod.containers():
        value = container_security_context(container).get("runAsNonRoot")
        path = container.path + ("securityContext", "runAsNonRoot")
        if value is True:
            continue
        if value is False:
            # An explicit false wins over a pod-level true.
            yield Violation(
                f"{container.describe()} sets securityContext.runAsNonRoot=false: set it to "
                f"true", path, fix="runAsNonRoot: true")
        elif pod_value is not True:
            # Unset (or not a boolean) and not covered by a pod-level true.
            inherited = ("and the pod sets it to false" if pod_value is False
                         else "and neither does the pod" if pod_value is None
                         else f"and the pod sets it to {show(pod_value)}")
            yield Violation(
                f"{container.describe()} does not set securityContext.runAsNonRoot=true "
                f"{inherited}: set runAsNonRoot: true in the container or the pod",
                path, fix="runAsNonRoot: true")


RULE = Rule(
    id="pss/run-as-non-root",
    summary="containers must be required to run as non-root",
    severity=Severity.WARNING,
    scope="pod",
    level="restricted",
    check=check,
    doc=RuleDoc(
        rationale="A container running as root is one kernel bug or misconfiguration away "
                  "from root on the node; runAsNonRoot makes the kubelet refuse to start a "
                  "container whose user is 0. Pod Security Standards, restricted: Running as "
                  "Non-root — spec.securityContext.runAsNonRoot must not be false, and every "
                  "container must set it to true or inherit true from the pod; an explicit "
                  "container false fails even under a pod-level true. From v1.35, pods with "
                  "hostUsers: false are exempt.",
        bad="securityContext:\n  runAsUser: 1000  # runAsNonRoot unset",
        good="spec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 1000",
        fix="Set securityContext.runAsNonRoot: true at the pod level (and remove any "
            "runAsNonRoot: false from containers); give the image a non-root USER.",
    ),
)
