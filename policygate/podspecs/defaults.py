"""API server defaulting that changes a Pod Security verdict.

Admission judges the object after defaulting, and the Pod Security Standards' own
conformance fixtures rely on it: a volume written with no source is an `emptyDir`
(allowed by restricted), and in the host network a container port's `hostPort`
defaults to its `containerPort` (pkg/apis/core/v1 defaults). The written data is left
alone — Rego policies and locations see the manifest as written; the pod rules see what
the cluster will run. Copies are made only when a default applies.
"""
from __future__ import annotations

from typing import Any

from policygate.kubernetes import Container, PodSpec

# Every source a corev1.VolumeSource can name.
VOLUME_SOURCES = frozenset({
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
    "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder",
    "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume",
    "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO",
    "storageos", "csi", "ephemeral", "image"})


def _sourceless(volume: Any) -> bool:
    return isinstance(volume, dict) and not any(
        volume[source] is not None for source in VOLUME_SOURCES.intersection(volume))


def _defaulted_volumes(volumes: list[Any]) -> list[Any]:
    return [{**volume, "emptyDir": {}} if _sourceless(volume) else volume for volume in volumes]


def _defaulted_port(port: Any) -> bool:
    """A port whose hostPort the API server fills in (with its containerPort)."""
    return isinstance(port, dict) and port.get("hostPort") in (None, 0) \
        and port.get("containerPort") is not None


def _defaulted_ports(data: dict[str, Any]) -> dict[str, Any]:
    ports = data.get("ports")
    if not isinstance(ports, list) or not any(_defaulted_port(port) for port in ports):
        return data
    return {**data, "ports": [{**port, "hostPort": port["containerPort"]}
                              if _defaulted_port(port) else port for port in ports]}


def apply_defaults(pod: PodSpec) -> PodSpec:
    volumes = pod.spec.get("volumes")
    if isinstance(volumes, list) and any(_sourceless(volume) for volume in volumes):
        pod.spec = {**pod.spec, "volumes": _defaulted_volumes(volumes)}
    if pod.spec.get("hostNetwork") is True:
        pod._containers = [
            Container(c.field, c.index, c.name, _defaulted_ports(c.data), c.path)
            if c.field in ("containers", "initContainers", "steps", "sidecars") else c
            for c in pod.containers()]
    return pod
