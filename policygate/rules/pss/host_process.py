"""Baseline: no Windows HostProcess containers."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import mapping, setters


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    # No precedence: a pod-level true is reported even when every container sets false.
    for setter in setters(pod):
        if mapping(setter.context.get("windowsOptions")).get("hostProcess") is True:
            yield Violation(
                f"{setter.who} sets securityContext.windowsOptions.hostProcess=true, which "
                f"gives it the Windows node's privileges: remove the field or set it to false",
                setter.field_path("windowsOptions", "hostProcess"),
                fix="hostProcess: false")


RULE = Rule(
    id="pss/host-process",
    summary="pods and containers must not run as windows host processes",
    severity=Severity.ERROR,
    scope="pod",
    level="baseline",
    check=check,
    doc=RuleDoc(
        rationale="A Windows HostProcess container runs directly on the host with the host's "
                  "network and file system, as a node administrator would. Pod Security "
                  "Standards, baseline: HostProcess (spec.securityContext.windowsOptions."
                  "hostProcess and the same field in every container, init and ephemeral "
                  "container).",
        bad="securityContext:\n  windowsOptions:\n    hostProcess: true",
        good="securityContext:\n  windowsOptions:\n    hostProcess: false",
        fix="Remove windowsOptions.hostProcess (or set it to false) at the pod level and in "
            "every container.",
    ),
)
