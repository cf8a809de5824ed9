"""Baseline (v1.34+): probes and lifecycle hooks must not target another host."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import mapping, show

_HANDLERS = ("httpGet", "tcpSocket")  # grpc has no host; exec and sleep are not checked


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    if not ctx.pss_at_least(1, 34):
        return
    for container in pod.containers():
        places: list[tuple[tuple[str, ...], object]] = [
            ((probe,), container.data.get(probe))
            for probe in ("livenessProbe", "readinessProbe", "startupProbe")]
        lifecycle = mapping(container.data.get("lifecycle"))
        places += [(("lifecycle", hook), lifecycle.get(hook)) for hook in ("postStart", "preStop")]
        for prefix, handler in places:
            for action in _HANDLERS:
                host = mapping(mapping(handler).get(action)).get("host")
                if host in (None, ""):  # empty means the pod's own IP: allowed
                    continue
                field = ".".join(prefix + (action, "host"))
                yield Violation(
                    f"{container.describe()} sets {field} to {show(host)}: remove host so the "
                    f"kubelet targets the pod's own IP (even localhost is not allowed)",
                    container.path + prefix + (action, "host"))


RULE = Rule(
    id="pss/host-probes",
    summary="probes and lifecycle hooks must not set a host",
    severity=Severity.ERROR,
    scope="pod",
    level="baseline",
    check=check,
    doc=RuleDoc(
        rationale="The kubelet runs probes and lifecycle hooks from the node; a host field "
                  "makes it send requests to any address the node can reach (a server-side "
                  "request forgery vector). Pod Security Standards, baseline: Host Probes / "
                  "Lifecycle Hooks (v1.34+) — httpGet.host and tcpSocket.host in liveness, "
                  "readiness and startup probes and in postStart/preStop hooks must be unset "
                  "or empty. Pinning --pss-version below v1.34 disables the rule.",
        bad="livenessProbe:\n  httpGet:\n    host: 10.0.0.1\n    path: /healthz\n    port: 8080",
        good="livenessProbe:\n  httpGet:\n    path: /healthz\n    port: 8080",
        fix="Remove host from the probe or hook; the kubelet then targets the pod's IP. Send a "
            "Host header with httpGet.httpHeaders if the server needs one.",
    ),
)
