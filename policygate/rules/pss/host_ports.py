"""Baseline: containers must not bind host ports."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import as_int, sequence


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    for container in pod.containers():
        for index, port in enumerate(sequence(container.data.get("ports"))):
            if not isinstance(port, dict):
                continue
            host_port = as_int(port.get("hostPort"))
            if host_port is None or host_port == 0:  # unset and 0 both mean "no host port"
                continue
            yield Violation(
                f"{container.describe()} uses hostPort {host_port} (ports[{index}].hostPort): "
                f"remove hostPort and expose the port through a Service",
                container.path + ("ports", index, "hostPort"))


RULE = Rule(
    id="pss/host-ports",
    summary="containers must not use host ports",
    severity=Severity.ERROR,
    scope="pod",
    level="baseline",
    check=check,
    doc=RuleDoc(
        rationale="A host port binds the container to a port on the node's interfaces, "
                  "bypassing network policy and limiting scheduling. Pod Security Standards, "
                  "baseline: Host Ports — hostPort must be unset or 0 in every container, init "
                  "and ephemeral container (there is no allow-list).",
        bad="ports:\n  - containerPort: 8080\n    hostPort: 8080",
        good="ports:\n  - containerPort: 8080",
        fix="Remove hostPort; publish the port with a Service (ClusterIP, NodePort or "
            "LoadBalancer) or an Ingress.",
    ),
)
