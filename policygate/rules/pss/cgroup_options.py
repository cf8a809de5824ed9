"""Restricted (v1.38+): containers must not get a writable cgroup tree."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import container_security_context, mapping, show

# The upstream check (kubernetes/kubernetes#137568, KEP-5474) is not in a Kubernetes
# release yet; both drafts of it gate it at v1.38.
SINCE = (1, 38)
READ_ONLY = "ReadOnly"


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    if not ctx.pss_at_least(*SINCE):
        return
    for container in pod.containers():
        options = mapping(container_security_context(container).get("cgroupOptions"))
        # An allow-list, as the standard writes it: unset (or null) and ReadOnly pass;
        # Writable, and any other value (even ""), does not.
        if options.get("mountMode") in (None, READ_ONLY):
            continue
        yield Violation(
            f"{container.describe()} sets securityContext.cgroupOptions.mountMode to "
            f"{show(options['mountMode'])}: remove it or set it to ReadOnly",
            container.path + ("securityContext", "cgroupOptions", "mountMode"),
            fix=f"mountMode: {READ_ONLY}")


RULE = Rule(
    id="pss/cgroup-options",
    summary="containers must not mount their cgroup tree writable",
    severity=Severity.WARNING,
    scope="pod",
    level="restricted",
    check=check,
    doc=RuleDoc(
        rationale="A writable cgroup mount lets an unprivileged container create child "
                  "cgroups and move its processes between them, widening what it can do to "
                  "the node's resource controls (cpusets included). Pod Security Standards, "
                  "restricted: Cgroup options (v1.38+) — securityContext.cgroupOptions."
                  "mountMode must be unset or ReadOnly in every container, init container and "
                  "ephemeral container. This follows the pod-security-admission check proposed "
                  "with the field (KEP-5474, kubernetes/kubernetes#137568), which no Kubernetes "
                  "release ships yet. Pinning --pss-version below v1.38 disables the rule.",
        bad="securityContext:\n  cgroupOptions:\n    mountMode: Writable",
        good="securityContext:\n  cgroupOptions:\n    mountMode: ReadOnly",
        fix="Remove cgroupOptions.mountMode (or set it to ReadOnly); a workload that must "
            "manage its own cgroups belongs in a namespace at the baseline level.",
    ),
)
