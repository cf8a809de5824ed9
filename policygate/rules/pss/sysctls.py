"""Baseline: only namespaced, safe sysctls."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import mapping, pod_security_context, sequence, show

# (policy version, names added then); the allowed set at a version is cumulative.
SAFE_SYSCTLS: tuple[tuple[tuple[int, int], tuple[str, ...]], ...] = (
    ((1, 0), ("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
              "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
              "net.ipv4.ip_unprivileged_port_start")),
    ((1, 27), ("net.ipv4.ip_local_reserved_ports",)),
    ((1, 29), ("net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
               "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes")),
    ((1, 32), ("net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem")),
    ((1, 37), ("net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat")),
)


def allowed_sysctls(ctx: RuleContext) -> tuple[str, ...]:
    return tuple(name for version, names in SAFE_SYSCTLS if ctx.pss_at_least(*version)
                 for name in names)


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    allowed = allowed_sysctls(ctx)
    for index, sysctl in enumerate(sequence(pod_security_context(pod).get("sysctls"))):
        if not isinstance(sysctl, dict):
            continue
        name = mapping(sysctl).get("name")
        if isinstance(name, str) and name in allowed:
            continue
        # An empty or missing name is forbidden too (it is not "unset").
        yield Violation(
            f"pod sets sysctl {show(name if name is not None else '')} "
            f"(securityContext.sysctls[{index}].name): remove it; this Pod Security "
            f"Standards version allows only {', '.join(allowed)}",
            pod.field_path("securityContext", "sysctls", index, "name"))


RULE = Rule(
    id="pss/sysctls",
    summary="pods may set only the safe, namespaced sysctls",
    severity=Severity.ERROR,
    scope="pod",
    level="baseline",
    check=check,
    doc=RuleDoc(
        rationale="Most sysctls are node-wide or let a pod starve the node's kernel resources. "
                  "Pod Security Standards, baseline: Sysctls — spec.securityContext.sysctls may "
                  "name only kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, "
                  "net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, "
                  "net.ipv4.ip_unprivileged_port_start, plus net.ipv4.ip_local_reserved_ports "
                  "(v1.27+), net.ipv4.tcp_keepalive_time/_intvl/_probes and tcp_fin_timeout "
                  "(v1.29+), net.ipv4.tcp_rmem and tcp_wmem (v1.32+), "
                  "net.ipv4.tcp_slow_start_after_idle and tcp_notsent_lowat (v1.37+).",
        bad="securityContext:\n  sysctls:\n    - name: kernel.msgmax\n      value: \"65536\"",
        good="securityContext:\n  sysctls:\n    - name: net.ipv4.ip_local_port_range\n"
             "      value: \"1024 65535\"",
        fix="Remove the sysctl, or set it on the nodes (kubelet --allowed-unsafe-sysctls with a "
            "privileged namespace) if the workload really needs it.",
    ),
)
