"""Baseline (v1.37+): containers must not set their own ulimits."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import container_security_context

# The upstream check (kubernetes/kubernetes#137023, KEP-5758) is not in a Kubernetes
# release yet; it is gated where that change gates it, v1.37.
SINCE = (1, 37)


def _set(value: object) -> bool:
    """Set is any mapping (the API's shape, `ulimits: {}` included); a non-empty list is
    the shape of an earlier draft of the field and counts too. null is unset."""
    return isinstance(value, dict) or (isinstance(value, list) and bool(value))


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    if not ctx.pss_at_least(*SINCE):
        return
    for container in pod.containers():
        if _set(container_security_context(container).get("ulimits")):
            yield Violation(
                f"{container.describe()} sets securityContext.ulimits: remove it; only the "
                f"privileged level lets a container raise or pin its own resource limits",
                container.path + ("securityContext", "ulimits"))


RULE = Rule(
    id="pss/ulimits",
    summary="containers must not set their own ulimits",
    severity=Severity.ERROR,
    scope="pod",
    level="baseline",
    check=check,
    doc=RuleDoc(
        rationale="Per-container ulimits (nofile, nproc, memlock, core, stack, ...) let a "
                  "container lift the limits the runtime and node give it, and a high hard "
                  "limit lets it exhaust resources shared with other pods and the node. Pod "
                  "Security Standards, baseline: Ulimits (v1.37+) — securityContext.ulimits "
                  "must be unset in every container, init container and ephemeral container. "
                  "This follows the pod-security-admission check proposed with the ulimits "
                  "field (KEP-5758, kubernetes/kubernetes#137023), which no Kubernetes release "
                  "ships yet. Pinning --pss-version below v1.37 disables the rule.",
        bad="securityContext:\n  ulimits:\n    nofile:\n      soft: 1024\n      hard: 1048576",
        good="securityContext:\n  runAsNonRoot: true  # no ulimits: the runtime's defaults apply",
        fix="Remove securityContext.ulimits and let the container runtime's defaults apply, or "
            "run the workload in a namespace whose enforce level is privileged.",
    ),
)
