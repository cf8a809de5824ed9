"""Baseline: containers keep the default masked /proc."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import container_security_context, show, user_namespace_exempt


def unmasked(pod: PodSpec) -> Iterator[Violation]:
    """Every container whose procMount is set to anything but Default (shared with restricted)."""
    for container in pod.containers():
        context = container_security_context(container)
        if "procMount" not in context or context["procMount"] is None:
            continue
        value = context["procMount"]
        if value != "Default":  # "" is set, and not Default: forbidden
            yield Violation(
                f"{container.describe()} sets securityContext.procMount to {show(value)}, "
                f"exposing the host's /proc: remove the field or set it to Default",
                container.path + ("securityContext", "procMount"),
                fix="procMount: Default")


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    # From v1.35, pods in a user namespace (hostUsers: false) may unmask /proc at baseline;
    # pss/restricted-proc-mount still forbids it for them.
    if user_namespace_exempt(pod, ctx):
        return
    yield from unmasked(pod)


RULE = Rule(
    id="pss/proc-mount",
    summary="containers must not unmask /proc",
    severity=Severity.ERROR,
    scope="pod",
    level="baseline",
    check=check,
    doc=RuleDoc(
        rationale="The default /proc mount masks paths that reveal or change the host kernel's "
                  "state; Unmasked removes that protection. Pod Security Standards, baseline: "
                  "/proc Mount Type — securityContext.procMount must be unset or Default in "
                  "every container. From v1.35, pods with hostUsers: false are exempt at "
                  "baseline (see pss/restricted-proc-mount for the restricted level).",
        bad="securityContext:\n  procMount: Unmasked",
        good="securityContext:\n  procMount: Default",
        fix="Remove securityContext.procMount or set it to Default.",
    ),
)
