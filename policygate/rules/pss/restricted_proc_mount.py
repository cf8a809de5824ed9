"""Restricted (v1.35+): user-namespaced pods still must not unmask /proc."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import user_namespace_exempt
from policygate.rules.pss.proc_mount import unmasked


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    # Exactly the pods pss/proc-mount exempts (hostUsers: false, v1.35+); every other pod
    # is reported by the baseline rule, which always runs with restricted.
    if user_namespace_exempt(pod, ctx):
        yield from unmasked(pod)


RULE = Rule(
    id="pss/restricted-proc-mount",
    summary="containers in user-namespaced pods must not unmask /proc",
    severity=Severity.WARNING,
    scope="pod",
    level="restricted",
    check=check,
    doc=RuleDoc(
        rationale="From v1.35 the baseline level lets pods with hostUsers: false set "
                  "procMount: Unmasked (the user namespace limits the damage); the restricted "
                  "level still forbids it. Pod Security Standards, restricted: /proc Mount "
                  "Type (v1.35+). Other pods are reported by pss/proc-mount.",
        bad="spec:\n  hostUsers: false\n  containers:\n    - name: web\n"
            "      securityContext:\n        procMount: Unmasked",
        good="spec:\n  hostUsers: false\n  containers:\n    - name: web\n"
             "      securityContext:\n        procMount: Default",
        fix="Remove securityContext.procMount or set it to Default.",
    ),
)
