"""Restricted (v1.8+): containers must forbid privilege escalation explicitly."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import container_security_context, show, windows_exempt


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    if not ctx.pss_at_least(1, 8) or windows_exempt(pod, ctx):
        return
    for container in pod.containers():
        value = container_security_context(container).get("allowPrivilegeEscalation")
        if value is False:
            continue
        # Unset counts as allowed escalation; the path names the missing field and the
        # locate stage puts it on the nearest existing parent.
        state = ("does not set it" if value is None
                 else f"sets it to {show(value)}")
        yield Violation(
            f"{container.describe()} must set securityContext.allowPrivilegeEscalation=false "
            f"but {state}: add allowPrivilegeEscalation: false",
            container.path + ("securityContext", "allowPrivilegeEscalation"),
            fix="allowPrivilegeEscalation: false")


RULE = Rule(
    id="pss/privilege-escalation",
    summary="containers must explicitly disallow privilege escalation",
    severity=Severity.WARNING,
    scope="pod",
    level="restricted",
    check=check,
    doc=RuleDoc(
        rationale="Without no_new_privs a process can gain privileges through setuid binaries "
                  "or file capabilities; unset means allowed. Pod Security Standards, "
                  "restricted: Privilege Escalation (v1.8+) — every container, init and "
                  "ephemeral container must set securityContext.allowPrivilegeEscalation to "
                  "false. Windows pods (spec.os.name: windows) are exempt from v1.25.",
        bad="securityContext:\n  runAsNonRoot: true  # allowPrivilegeEscalation unset",
        good="securityContext:\n  allowPrivilegeEscalation: false",
        fix="Add allowPrivilegeEscalation: false to every container's securityContext.",
    ),
)
