"""Kubernetes object model: which documents are objects, and where their pods are.

Every rule about pods goes through `pod_specs`, so a workload kind added here is
covered by every pod rule at once, with paths that point inside the right template.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from policygate.model import Document, FieldPath, Resource, ResourceId, value_at

# kind -> (API groups it may come from, path from the object root to the PodSpec).
# "" is the core group; None accepts any group (built-in kinds are unambiguous).
_POD_SPEC_PATHS: dict[str, tuple[frozenset[str] | None, FieldPath]] = {
    "Pod": (frozenset({""}), ("spec",)),
    "PodTemplate": (frozenset({""}), ("template", "spec")),
    "ReplicationController": (frozenset({""}), ("spec", "template", "spec")),
    "Deployment": (frozenset({"apps", "extensions"}), ("spec", "template", "spec")),
    "ReplicaSet": (frozenset({"apps", "extensions"}), ("spec", "template", "spec")),
    "StatefulSet": (frozenset({"apps"}), ("spec", "template", "spec")),
    "DaemonSet": (frozenset({"apps", "extensions"}), ("spec", "template", "spec")),
    "Job": (frozenset({"batch"}), ("spec", "template", "spec")),
    "CronJob": (frozenset({"batch"}), ("spec", "jobTemplate", "spec", "template", "spec")),
    "Rollout": (frozenset({"argoproj.io"}), ("spec", "template", "spec")),
    # OpenShift serves DeploymentConfig from apps.openshift.io and, historically, from v1.
    "DeploymentConfig": (frozenset({"apps.openshift.io", ""}), ("spec", "template", "spec")),
}

CONTAINER_FIELDS = ("containers", "initContainers", "ephemeralContainers")


def api_group(api_version: str) -> str:
    return api_version.rpartition("/")[0] if "/" in api_version else ""


def is_object(data: Any) -> bool:
    """A Kubernetes object is a mapping with a non-empty string apiVersion and kind."""
    if not isinstance(data, dict):
        return False
    api_version, kind = data.get("apiVersion"), data.get("kind")
    return isinstance(api_version, str) and isinstance(kind, str) and bool(api_version) \
        and bool(kind)


def as_resource(document: Document) -> Resource | None:
    data = document.data
    if not is_object(data):
        return None
    api_version, kind = data["apiVersion"], data["kind"]
    metadata = data.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    name = metadata.get("name") or metadata.get("generateName")
    namespace = metadata.get("namespace")
    return Resource(document, ResourceId(api_version, kind,
                                         namespace if isinstance(namespace, str) else None,
                                         name if isinstance(name, str) else None))


_CONTAINER_WORDS = {"containers": "container", "initContainers": "init container",
                    "ephemeralContainers": "ephemeral container"}


@dataclass(slots=True)
class Container:
    field: str          # containers | initContainers | ephemeralContainers
    index: int
    name: str
    data: dict[str, Any]
    path: FieldPath

    def describe(self) -> str:
        """`container "web"`: quoted (JSON-escaped when needed) so any name stays one line."""
        name = self.name
        quoted = f'"{name}"' if name.isprintable() and '"' not in name and "\\" not in name \
            else json.dumps(name, ensure_ascii=False)
        return f"{_CONTAINER_WORDS[self.field]} {quoted}"


@dataclass(slots=True)
class PodSpec:
    """A pod spec inside a resource, with the metadata that applies to its pods."""

    resource: Resource
    spec: dict[str, Any]
    path: FieldPath
    metadata: dict[str, Any]
    metadata_path: FieldPath
    # Every pod rule walks the containers: they are built once per pod spec, not per rule.
    _containers: list[Container] | None = None
    # Per-pod values a rule family derives once and all its rules share (e.g. the pod's
    # and containers' security contexts for the pss/ rules), keyed by the family's name.
    shared: dict[str, Any] = field(default_factory=dict)

    def field_path(self, *elements: str | int) -> FieldPath:
        return self.path + elements

    @property
    def annotations(self) -> dict[str, Any]:
        value = self.metadata.get("annotations")
        return value if isinstance(value, dict) else {}

    @property
    def is_windows(self) -> bool:
        os_spec = self.spec.get("os")
        return isinstance(os_spec, dict) and os_spec.get("name") == "windows"

    def containers(self) -> list[Container]:
        if self._containers is None:
            self._containers = list(self._build_containers())
        return self._containers

    def _build_containers(self) -> Iterator[Container]:
        for kind in CONTAINER_FIELDS:
            items = self.spec.get(kind)
            if not isinstance(items, list):
                continue
            for index, item in enumerate(items):
                if isinstance(item, dict):
                    name = item.get("name")
                    name = name if isinstance(name, str) else f"#{index}"
                    yield Container(kind, index, name, item, self.path + (kind, index))



# The pod rules and the image extraction ask for the same resource in a row: keep the
# last answer (holding the resource itself, so a recycled id() cannot be confused).
_LAST: list[tuple[Resource, list[PodSpec]]] = []


def pod_specs(resource: Resource) -> list[PodSpec]:
    if _LAST and _LAST[0][0] is resource:
        return _LAST[0][1]
    pods = _pod_specs(resource)
    _LAST[:] = [(resource, pods)]
    return pods


def _pod_specs(resource: Resource) -> list[PodSpec]:
    entry = _POD_SPEC_PATHS.get(resource.id.kind)
    if entry is None:
        return []
    groups, path = entry
    if groups is not None and api_group(resource.id.api_version) not in groups:
        return []
    spec = value_at(resource.data, path)
    if not isinstance(spec, dict):
        return []
    metadata_path = path[:-1] + ("metadata",)
    metadata = value_at(resource.data, metadata_path)
    return [PodSpec(resource, spec, path, metadata if isinstance(metadata, dict) else {},
                    metadata_path)]
