"""Baseline: containers must not bind host ports."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc, RuleParam
from policygate.rules.pss._common import as_int, sequence

RULE_ID = "pss/host-ports"


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    allowed = ctx.params_for(RULE_ID).get("allowed", ())
    for container in pod.containers():
        for index, port in enumerate(sequence(container.data.get("ports"))):
            if not isinstance(port, dict):
                continue
            host_port = as_int(port.get("hostPort"))
            # unset and 0 both mean "no host port"; the known list is the team's call
            if host_port is None or host_port == 0 or host_port in allowed:
                continue
            yield Violation(
                f"{container.describe()} uses hostPort {host_port} (ports[{index}].hostPort): "
                f"remove hostPort and expose the port through a Service",
                container.path + ("ports", index, "hostPort"))


RULE = Rule(
    id=RULE_ID,
    summary="containers must not use host ports",
    severity=Severity.ERROR,
    scope="pod",
    level="baseline",
    check=check,
    doc=RuleDoc(
        rationale="A host port binds the container to a port on the node's interfaces, "
                  "bypassing network policy and limiting scheduling. Pod Security Standards, "
                  "baseline: Host Ports — hostPort must be unset, 0, or on a known list in every "
                  "container, init and ephemeral container. The built-in admission controller "
                  "has no known list; the `allowed` parameter is that list (empty by default).",
        bad="ports:\n  - containerPort: 8080\n    hostPort: 8080",
        good="ports:\n  - containerPort: 8080",
        fix="Remove hostPort; publish the port with a Service (ClusterIP, NodePort or "
            "LoadBalancer) or an Ingress.",
    ),
    params=(RuleParam(
        "allowed", {"type": "array", "uniqueItems": True,
                    "items": {"type": "integer", "minimum": 1, "maximum": 65535}},
        "host ports the platform accepts (a node agent's metrics port, say)", "[9100]"),),
)
