"""Baseline: containers may add only the default container runtime capabilities."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import (
    BASELINE_CAPABILITIES, BASELINE_CAPABILITY_SET, container_security_context, mapping,
    sequence, show, windows_exempt)

_ALLOWED = ", ".join(BASELINE_CAPABILITIES)


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    # When restricted is enforced, the admission controller replaces this check by
    # capabilities_restricted, which from v1.25 admits Windows pods unconditionally.
    if ctx.pss_level == "restricted" and windows_exempt(pod, ctx):
        return
    for container in pod.containers():
        capabilities = mapping(container_security_context(container).get("capabilities"))
        for index, capability in enumerate(sequence(capabilities.get("add"))):
            # Exact match: "CAP_SYS_ADMIN", "chown" and "ALL" are all outside the list.
            if isinstance(capability, str) and capability in BASELINE_CAPABILITY_SET:
                continue
            yield Violation(
                f"{container.describe()} adds capability {show(capability)} "
                f"(securityContext.capabilities.add): remove it; baseline allows only "
                f"{_ALLOWED}",
                container.path + ("securityContext", "capabilities", "add", index))


RULE = Rule(
    id="pss/baseline-capabilities",
    summary="containers must not add capabilities beyond the baseline set",
    severity=Severity.ERROR,
    scope="pod",
    level="baseline",
    check=check,
    doc=RuleDoc(
        rationale="Capabilities such as SYS_ADMIN, NET_ADMIN, NET_RAW or SYS_PTRACE let a "
                  "container escape or attack the node and its neighbours. Pod Security "
                  "Standards, baseline: Capabilities — securityContext.capabilities.add may "
                  f"hold only {_ALLOWED} (exact names, no CAP_ prefix). The stricter "
                  "restricted rule is pss/restricted-capabilities.",
        bad="securityContext:\n  capabilities:\n    add: [\"SYS_ADMIN\", \"NET_RAW\"]",
        good="securityContext:\n  capabilities:\n    drop: [\"ALL\"]\n"
             "    add: [\"NET_BIND_SERVICE\"]",
        fix="Remove every capability outside the baseline set from capabilities.add; if the "
            "workload truly needs one, run it in a namespace with a privileged policy.",
    ),
)
