"""Restricted (v1.19+): every container must run under a seccomp profile."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import (
    container_security_context, pod_security_context, show, windows_exempt)
from policygate.rules.pss.seccomp_unconfined import valid_profile_type


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    if not ctx.pss_at_least(1, 19) or windows_exempt(pod, ctx):
        return
    pod_profile = pod_security_context(pod).get("seccompProfile")
    pod_type = pod_profile.get("type") if isinstance(pod_profile, dict) else None
    if isinstance(pod_profile, dict) and valid_profile_type(pod_type):
        return  # covers every container that leaves seccompProfile unset
    # Only the "must set" half of the control: an explicit bad type (in the pod or a
    # container) is pss/seccomp-unconfined's finding, which runs whenever this rule does.
    # A container under a pod-level bad type is reported here too, because it has no valid
    # profile of its own (the admission controller counts it as "implicitly bad").
    why = ("the pod sets none" if not isinstance(pod_profile, dict)
           else f"the pod's type {show(pod_type if pod_type is not None else '')} is not valid")
    for container in pod.containers():
        if isinstance(container_security_context(container).get("seccompProfile"), dict):
            continue
        yield Violation(
            f"{container.describe()} has no seccomp profile (securityContext.seccompProfile "
            f"unset and {why}): set seccompProfile.type to RuntimeDefault or Localhost in the "
            f"pod or the container",
            container.path + ("securityContext", "seccompProfile"),
            fix="seccompProfile: {type: RuntimeDefault}")


RULE = Rule(
    id="pss/seccomp-required",
    summary="every container must run with a seccomp profile",
    severity=Severity.WARNING,
    scope="pod",
    level="restricted",
    check=check,
    doc=RuleDoc(
        rationale="Without a seccomp profile a container may use every system call the "
                  "kernel offers, the usual first step of a container escape. Pod Security "
                  "Standards, restricted: Seccomp (v1.19+) — seccompProfile.type must be "
                  "RuntimeDefault or Localhost at the pod level or in every container. This "
                  "rule reports only containers left without a valid profile; an explicit bad "
                  "value such as Unconfined is reported by pss/seccomp-unconfined (baseline), "
                  "which always runs when restricted does. Windows pods (spec.os.name: "
                  "windows) are exempt from v1.25.",
        bad="spec:\n  containers:\n    - name: web\n      image: nginx  # no seccompProfile",
        good="spec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault",
        fix="Set spec.securityContext.seccompProfile.type: RuntimeDefault once at the pod "
            "level (or in every container).",
    ),
)
