"""Restricted (v1.22+): drop ALL capabilities, add back at most NET_BIND_SERVICE."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import (
    BASELINE_CAPABILITY_SET, container_security_context, mapping, sequence, show,
    windows_exempt)


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    if not ctx.pss_at_least(1, 22) or windows_exempt(pod, ctx):
        return
    for container in pod.containers():
        path = container.path + ("securityContext", "capabilities")
        capabilities = mapping(container_security_context(container).get("capabilities"))
        drop = capabilities.get("drop")
        if not (isinstance(drop, list) and "ALL" in drop):  # exact, case-sensitive
            state = ("does not drop ALL" if not isinstance(drop, list)
                     else f"drops only {show(drop)}")
            yield Violation(
                f"{container.describe()} {state} (securityContext.capabilities.drop): add "
                f"\"ALL\" to capabilities.drop",
                path + ("drop",),
                fix=None if isinstance(drop, list) else 'drop: ["ALL"]')
        for index, capability in enumerate(sequence(capabilities.get("add"))):
            # Capabilities outside the baseline set are pss/baseline-capabilities' finding
            # (baseline always runs with restricted); report each offending entry once.
            if capability == "NET_BIND_SERVICE" or not (
                    isinstance(capability, str) and capability in BASELINE_CAPABILITY_SET):
                continue
            yield Violation(
                f"{container.describe()} adds capability {show(capability)} "
                f"(securityContext.capabilities.add): remove it; restricted allows adding "
                f"only NET_BIND_SERVICE",
                path + ("add", index))


RULE = Rule(
    id="pss/restricted-capabilities",
    summary="containers must drop all capabilities and add back at most net_bind_service",
    severity=Severity.WARNING,
    scope="pod",
    level="restricted",
    check=check,
    doc=RuleDoc(
        rationale="Even the runtime's default capabilities (CHOWN, DAC_OVERRIDE, SETUID, ...) "
                  "widen what a compromised process can do. Pod Security Standards, "
                  "restricted: Capabilities (v1.22+) — every container must drop \"ALL\" and "
                  "may add back only NET_BIND_SERVICE. Added capabilities outside the "
                  "baseline set are reported by pss/baseline-capabilities, so this rule "
                  "reports only baseline ones other than NET_BIND_SERVICE. Windows pods "
                  "(spec.os.name: windows) are exempt from v1.25.",
        bad="securityContext:\n  capabilities:\n    add: [\"CHOWN\"]  # and no drop",
        good="securityContext:\n  capabilities:\n    drop: [\"ALL\"]\n"
             "    add: [\"NET_BIND_SERVICE\"]",
        fix="Add capabilities.drop: [\"ALL\"] to every container and remove every added "
            "capability except NET_BIND_SERVICE.",
    ),
)
