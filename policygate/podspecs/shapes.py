"""Pod specs found by their shape in kinds the gate does not know.

A custom resource that runs pods is never silently fine: any mapping whose `containers`
is a list of objects with an `image` is judged as a pod spec (under `spec`, in any
template), and the resource gets a `kubernetes/assumed-pod-spec` note naming the path, so
the team can confirm it with `kubernetes.pod_spec_paths` or see what was assumed.
"""
from __future__ import annotations

from typing import Any

from policygate.kubernetes import PodSpec, api_group
from policygate.model import FieldPath, Resource
from policygate.podspecs.simple import pod_at

_MAX_DEPTH = 12
_SKIPPED = frozenset({"metadata", "status"})


def builtin_group(group: str) -> bool:
    """Kubernetes' own API groups: every kind in them that runs pods is known."""
    return "." not in group or (group.endswith(".k8s.io") and not group.endswith("x-k8s.io"))


def _pod_shaped(data: dict[str, Any]) -> bool:
    containers = data.get("containers")
    return isinstance(containers, list) and any(
        isinstance(item, dict) and "image" in item for item in containers)


def _find(data: Any, path: FieldPath, found: list[FieldPath]) -> None:
    if len(path) > _MAX_DEPTH:
        return
    if isinstance(data, dict):
        if _pod_shaped(data):
            found.append(path)
            return
        for key, value in data.items():
            if isinstance(value, (dict, list)) and not (not path and key in _SKIPPED):
                _find(value, path + (key,), found)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            if isinstance(item, (dict, list)):
                _find(item, path + (index,), found)


def assumed_pods(resource: Resource) -> list[PodSpec]:
    if builtin_group(api_group(resource.id.api_version)):
        return []
    found: list[FieldPath] = []
    _find(resource.data, (), found)
    return [pod for path in found
            for pod in pod_at(resource, path, path[:-1] + ("metadata",), assumed=True)]
