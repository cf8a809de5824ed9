"""Tekton Pipelines: a Task's steps and sidecars run in one pod.

Step fields come from the `stepTemplate` with the step's own on top. A TaskRun's or
PipelineRun's `podTemplate` supplies the pod-level fields (a PipelineRun's per-task
`taskRunSpecs` override it); Task specs embedded in runs and Pipelines are judged where
they are written. A run that only references a Task elsewhere is still judged for its
podTemplate.
"""
from __future__ import annotations

from typing import Any

from policygate.kubernetes import Container, PodSpec, container
from policygate.model import FieldPath, Resource, mapping, sequence
from policygate.podspecs.compose import compose, merge

KINDS = ("Task", "ClusterTask", "TaskRun", "Pipeline", "PipelineRun")

Part = tuple[Any, FieldPath]


def _steps(task: dict[str, Any], path: FieldPath) -> list[Container]:
    template = mapping(task.get("stepTemplate"))
    found: list[Container | None] = []
    for index, step in enumerate(sequence(task.get("steps"))):
        data = merge(template, step) if template and isinstance(step, dict) else step
        found.append(container("steps", index, data, path + ("steps", index)))
    for index, sidecar in enumerate(sequence(task.get("sidecars"))):
        found.append(container("sidecars", index, sidecar, path + ("sidecars", index)))
    return [c for c in found if c is not None]


def _pod(resource: Resource, task: Any, task_path: FieldPath | None,
         pod_parts: list[Part]) -> list[PodSpec]:
    task = mapping(task)
    containers = _steps(task, task_path) if task_path is not None else []
    parts = pod_parts + ([(task, task_path)] if task_path is not None else [])
    fields, sources = compose(parts)
    if not containers and not fields:
        return []
    base = task_path if task_path is not None else pod_parts[-1][1] if pod_parts else ("spec",)
    return [PodSpec(resource, fields, base, {}, base[:-1] + ("metadata",),
                    _containers=containers, sources=sources)]


def _pipeline_tasks(pipeline: Any, path: FieldPath) -> list[tuple[str | None, Any, FieldPath]]:
    found = []
    for section in ("tasks", "finally"):
        for index, task in enumerate(sequence(mapping(pipeline).get(section))):
            task = mapping(task)
            if "taskSpec" in task:
                name = task.get("name")
                found.append((name if isinstance(name, str) else None, task["taskSpec"],
                              path + (section, index, "taskSpec")))
    return found


def _run_template(spec: dict[str, Any]) -> Part:
    if "podTemplate" in spec:
        return spec["podTemplate"], ("spec", "podTemplate")
    run = mapping(spec.get("taskRunTemplate"))
    return run.get("podTemplate"), ("spec", "taskRunTemplate", "podTemplate")


def _task_templates(spec: dict[str, Any]) -> dict[str, Part]:
    """PipelineRun `taskRunSpecs`: a pod template per pipeline task."""
    found: dict[str, Part] = {}
    for index, entry in enumerate(sequence(spec.get("taskRunSpecs"))):
        entry = mapping(entry)
        name = entry.get("pipelineTaskName")
        for key in ("podTemplate", "taskPodTemplate"):
            if isinstance(name, str) and key in entry:
                found[name] = (entry[key], ("spec", "taskRunSpecs", index, key))
    return found


def find(resource: Resource) -> list[PodSpec]:
    kind, spec = resource.id.kind, mapping(resource.data.get("spec"))
    if kind in ("Task", "ClusterTask"):
        return _pod(resource, spec, ("spec",), [])
    if kind == "TaskRun":
        template = [(spec.get("podTemplate"), ("spec", "podTemplate"))]
        task_path = ("spec", "taskSpec") if "taskSpec" in spec else None
        return _pod(resource, spec.get("taskSpec"), task_path, template)
    if kind == "Pipeline":
        return [pod for _, task, path in _pipeline_tasks(spec, ("spec",))
                for pod in _pod(resource, task, path, [])]
    template = _run_template(spec)
    per_task = _task_templates(spec)
    tasks = _pipeline_tasks(spec.get("pipelineSpec"), ("spec", "pipelineSpec"))
    pods = [pod for name, task, path in tasks
            for pod in _pod(resource, task, path,
                            [template] + ([per_task[name]] if name in per_task else []))]
    return pods or _pod(resource, None, None, [template])
