"""Kubernetes object model: which documents are objects, and the pods they run.

Every rule about pods goes through `pod_specs`, so a workload kind added to
`policygate.podspecs` is covered by every pod rule at once, with paths that point inside
the right template.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from policygate.model import Document, FieldPath, Resource, ResourceId

if TYPE_CHECKING:
    from policygate.podspecs.declared import DeclaredPaths

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
                    "ephemeralContainers": "ephemeral container", "steps": "step",
                    "sidecars": "sidecar"}


@dataclass(slots=True)
class Container:
    field: str          # containers | initContainers | ephemeralContainers | steps | sidecars
    index: int
    name: str
    data: dict[str, Any]
    path: FieldPath

    def describe(self) -> str:
        """`container "web"`: quoted (JSON-escaped when needed) so any name stays one line."""
        name = self.name
        quoted = f'"{name}"' if name.isprintable() and '"' not in name and "\\" not in name \
            else json.dumps(name, ensure_ascii=False)
        return f"{_CONTAINER_WORDS.get(self.field, 'container')} {quoted}"


def container(field: str, index: int, data: Any, path: FieldPath) -> Container | None:
    """A container entry as the pod rules see it (None for anything but a mapping)."""
    if not isinstance(data, dict):
        return None
    name = data.get("name")
    return Container(field, index, name if isinstance(name, str) else f"#{index}", data, path)


# Where a pod-level field of a composed pod spec is written: one path, or one per list item.
FieldSource = Union[FieldPath, list[FieldPath]]


@dataclass(slots=True)
class PodSpec:
    """A pod spec inside a resource, with the metadata that applies to its pods.

    Most kinds hold a plain PodSpec at one path. Kinds that build the pod from several
    parts (an Argo Workflow's spec and one template, a Tekton TaskRun's podTemplate and
    task steps) pass the composed pod-level fields with `sources` (where each was written)
    and their containers explicitly, so every finding still points at its own line.
    """

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
    sources: dict[str, FieldSource] = field(default_factory=dict)
    # Found by its shape in a kind the gate does not know (kubernetes/assumed-pod-spec).
    assumed: bool = False
    # A pod spec patch (Argo podSpecPatch) is judged merged with the pod it patches;
    # only what the patch adds is its own finding.
    patches: PodSpec | None = None

    def field_path(self, *elements: str | int) -> FieldPath:
        where = self.sources.get(elements[0]) if self.sources and elements else None
        if where is None:
            return self.path + elements
        if isinstance(where, list):
            if len(elements) > 1 and isinstance(elements[1], int) and elements[1] < len(where):
                return where[elements[1]] + elements[2:]
            return self.path + elements
        return where + elements[1:]

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
                built = container(kind, index, item, self.field_path(kind, index))
                if built is not None:
                    yield built


# The pod rules and the image extraction ask for the same resource in a row: keep the
# last answer (holding the resource itself, so a recycled id() cannot be confused).
_LAST: list[tuple[Resource, object, list[PodSpec]]] = []


def pod_specs(resource: Resource, declared: DeclaredPaths | None = None) -> list[PodSpec]:
    """Every pod spec in the resource, with API defaults applied (`policygate.podspecs`).

    `declared` are the config's `kubernetes.pod_spec_paths` for a team's own kinds."""
    if _LAST and _LAST[0][0] is resource and _LAST[0][1] is declared:
        return _LAST[0][2]
    from policygate.podspecs import find_pod_specs

    pods = find_pod_specs(resource, declared)
    _LAST[:] = [(resource, declared, pods)]
    return pods
