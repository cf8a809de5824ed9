"""Baseline: no sharing of the host's network, PID or IPC namespace."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc

_NAMESPACES = (("hostNetwork", "network"), ("hostPID", "process (PID)"), ("hostIPC", "IPC"))


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    for field, namespace in _NAMESPACES:
        if pod.spec.get(field) is True:
            yield Violation(
                f"pod shares the host's {namespace} namespace ({field}=true): remove the "
                f"field or set it to false",
                pod.field_path(field),
                fix=f"{field}: false")


RULE = Rule(
    id="pss/host-namespaces",
    summary="pods must not share the host's network, pid or ipc namespace",
    severity=Severity.ERROR,
    scope="pod",
    level="baseline",
    check=check,
    doc=RuleDoc(
        rationale="A pod in the host's network namespace sees and binds every node interface; "
                  "in the host's PID or IPC namespace it can inspect and signal node processes "
                  "and read their shared memory. Pod Security Standards, baseline: Host "
                  "Namespaces (spec.hostNetwork, spec.hostPID, spec.hostIPC).",
        bad="spec:\n  hostNetwork: true\n  hostPID: true",
        good="spec:\n  hostNetwork: false  # or leave the fields out",
        fix="Remove hostNetwork, hostPID and hostIPC (or set them to false); expose ports "
            "through a Service instead of the host network.",
    ),
)
