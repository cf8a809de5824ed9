"""Baseline: no hostPath volumes."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import sequence, show, volume_name


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    for index, volume in enumerate(sequence(pod.spec.get("volumes"))):
        if not isinstance(volume, dict):
            continue
        host_path = volume.get("hostPath")
        if isinstance(host_path, dict):  # `hostPath: {}` is set; `hostPath: null` is not
            where = f" {show(host_path['path'])}" if "path" in host_path else ""
            yield Violation(
                f"volume {show(volume_name(volume, index))} mounts the host path{where} "
                f"(hostPath): use an emptyDir, configMap, secret or persistentVolumeClaim "
                f"volume instead",
                pod.field_path("volumes", index, "hostPath"))


RULE = Rule(
    id="pss/host-path-volumes",
    summary="pods must not mount host path volumes",
    severity=Severity.ERROR,
    scope="pod",
    level="baseline",
    check=check,
    doc=RuleDoc(
        rationale="A hostPath volume exposes the node's file system to the pod: the kubelet's "
                  "credentials, the container runtime socket, other pods' data. Pod Security "
                  "Standards, baseline: HostPath Volumes (spec.volumes[*].hostPath). At the "
                  "restricted level this rule also covers hostPath for pss/volume-types.",
        bad="volumes:\n  - name: docker\n    hostPath:\n      path: /var/run/docker.sock",
        good="volumes:\n  - name: cache\n    emptyDir: {}",
        fix="Replace the hostPath volume with emptyDir, configMap, secret, projected or a "
            "persistentVolumeClaim; node agents that need the host belong in a namespace "
            "with a privileged policy.",
    ),
)
