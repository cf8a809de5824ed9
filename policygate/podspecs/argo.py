"""Argo Workflows: every template that runs containers is a pod of its own.

A template's pod is the workflow's pod-level fields (hostNetwork, securityContext,
volumes) with the template's on top, the template's container / script / containerSet
containers, its initContainers and sidecars, and the metadata of `podMetadata` and the
template. `templateDefaults` is merged into every template, and a `podSpecPatch` (the
workflow's, then the template's) is applied to the finished pod, as Argo does.
"""
from __future__ import annotations

from typing import Any

from policygate.kubernetes import Container, PodSpec, container
from policygate.model import FieldPath, Resource, mapping, sequence
from policygate.podspecs.compose import compose, merge

_SPECS = {"Workflow": ("spec",), "WorkflowTemplate": ("spec",),
          "ClusterWorkflowTemplate": ("spec",), "CronWorkflow": ("spec", "workflowSpec")}
KINDS = tuple(_SPECS)


def _containers(template: dict[str, Any], path: FieldPath) -> list[Container]:
    found: list[Container | None] = []
    for index, item in enumerate(sequence(template.get("initContainers"))):
        found.append(container("initContainers", index, item, path + ("initContainers", index)))
    for field in ("container", "script"):
        data = template.get(field)
        if isinstance(data, dict):  # Argo names this container "main" unless told otherwise
            found.append(container("containers", 0, {"name": "main", **data}, path + (field,)))
    containers = sequence(mapping(template.get("containerSet")).get("containers"))
    for index, item in enumerate(containers):
        found.append(container("containers", index, item,
                               path + ("containerSet", "containers", index)))
    for index, item in enumerate(sequence(template.get("sidecars"))):
        found.append(container("sidecars", index, item, path + ("sidecars", index)))
    return [c for c in found if c is not None]


def _metadata(spec: dict[str, Any], spec_path: FieldPath, template: dict[str, Any],
              template_path: FieldPath) -> tuple[dict[str, Any], FieldPath]:
    shared = mapping(spec.get("podMetadata"))
    own = mapping(template.get("metadata"))
    annotations = {**mapping(shared.get("annotations")), **mapping(own.get("annotations"))}
    path = template_path + ("metadata",) if own or not shared else spec_path + ("podMetadata",)
    return {"annotations": annotations}, path


def find(resource: Resource) -> list[PodSpec]:
    spec_path = _SPECS[resource.id.kind]
    spec = resource.data
    for key in spec_path:
        spec = mapping(spec.get(key))
    defaults = mapping(spec.get("templateDefaults"))
    pods: list[PodSpec] = []
    for index, template in enumerate(sequence(spec.get("templates"))):
        if not isinstance(template, dict):
            continue
        path = spec_path + ("templates", index)
        if defaults:
            template = merge(defaults, template)
        containers = _containers(template, path)
        if not containers:
            continue  # steps, dag, suspend, resource, http: no containers of the user's
        fields, sources = compose([(spec, spec_path), (template, path)])
        metadata, metadata_path = _metadata(spec, spec_path, template, path)
        pod = PodSpec(resource, fields, path, metadata, metadata_path,
                      _containers=containers, sources=sources)
        pods.append(pod)
        patched = _patched(pod, [(spec.get("podSpecPatch"), spec_path + ("podSpecPatch",)),
                                 (template.get("podSpecPatch"), path + ("podSpecPatch",))])
        if patched is not None:
            pods.append(patched)
    return pods


def _patched(pod: PodSpec, patches: list[tuple[Any, FieldPath]]) -> PodSpec | None:
    """The pod with its podSpecPatch strings applied, located at the (last) patch."""
    texts = [(text, path) for text, path in patches if isinstance(text, str) and text.strip()]
    if not texts:
        return None
    from policygate.parsers.yaml import Limits, parse_yaml

    whole: dict[str, Any] = dict(pod.spec)
    whole["containers"] = [c.data for c in pod.containers() if c.field != "initContainers"]
    whole["initContainers"] = [c.data for c in pod.containers() if c.field == "initContainers"]
    patch_path = texts[-1][1]
    for text, _ in texts:
        parsed = parse_yaml(text, "podSpecPatch", Limits())
        data = parsed.documents[0].data if parsed.documents else None
        if isinstance(data, dict):
            whole = merge(whole, data)
    return PodSpec(pod.resource, whole, patch_path, pod.metadata, pod.metadata_path,
                   patches=pod)
