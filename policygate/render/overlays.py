"""Prepare the render of one kustomization directory: refusals first, then the job.

A kustomization whose inputs include a refused reference (remote, absolute, outside the
repository) is not built at all: the refusal is the finding, on the line that names it.
"""
from __future__ import annotations

import posixpath
from policygate.locate import locate
from policygate.render.graph import KustomizeGraph, Refusal
from policygate.render.kustomization import Kustomization
from policygate.render.kustomize import (
    WRAPPER_DIR, failure_message, find_kustomize, wrapper_kustomization)
from policygate.render.origins import KustomizePlaces
from policygate.render.request import Render, RenderRequest, render_finding
from policygate.render.session import Job, RenderSession
from policygate.render.tree import Tree

_MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def _plain_resources(tree: Tree, graph: KustomizeGraph, directory: str) -> list[str]:
    """What Flux builds for a directory without a kustomization: every manifest below
    it (a subdirectory with its own kustomization counts as that kustomization)."""
    resources: list[str] = []
    nested: set[str] = set()
    for path in tree.files_under(directory):
        parent = posixpath.dirname(path)
        if any(parent == n or parent.startswith(f"{n}/") for n in nested):
            continue
        if parent != directory and graph.kustomization(parent) is not None:
            nested.add(parent)
            resources.append(parent)
        elif path.endswith(_MANIFEST_SUFFIXES):
            resources.append(path)
    return resources


def _inputs(tree: Tree, graph: KustomizeGraph, resources: list[str]
            ) -> tuple[dict[str, bytes], list[Refusal], list[Kustomization]]:
    files: set[str] = set()
    refusals: list[Refusal] = []
    broken: list[Kustomization] = []
    for resource in resources:
        if graph.kustomization(resource) is not None:
            closure = graph.closure(resource)
            files |= closure.files
            refusals += closure.refusals
            broken += closure.broken
        else:
            files.add(resource)
    contents = tree.read_many(sorted(files))
    return {p: c for p, c in contents.items() if c is not None}, refusals, broken


def add_overlay(session: RenderSession, request: RenderRequest, graph: KustomizeGraph,
                tree: Tree) -> Render:
    directory = request.directory
    kustomization = graph.kustomization(directory)
    anchor = kustomization.file if kustomization is not None else \
        (request.pointers[0].file if request.pointers else directory)
    tool = find_kustomize(session.tools.kustomize)
    render = Render(request, tool.name if tool else "kustomize", tool.version if tool else "",
                    anchor)
    resources = [directory] if kustomization is not None else \
        _plain_resources(tree, graph, directory)
    render.inputs, refusals, broken = _inputs(tree, graph, resources)
    placer = KustomizePlaces(render.inputs, anchor, request.site, request.options)
    if tool is None:
        render.failures.append(render_finding(
            "render/unavailable", f"neither kustomize nor kubectl is installed: {request.label} "
                                  f"is not checked (install kubectl, or kustomize)", anchor))
        return session.add(render, placer, None)
    for refusal in refusals:
        document = refusal.kustomization.document
        line = locate(document, refusal.reference.where).line if document is not None else 1
        render.failures.append(render_finding("render/refused", refusal.reference.problem or "",
                                              refusal.kustomization.file, line))
    for kustomization_file in broken:
        render.failures.append(render_finding(
            "render/failed", f"{kustomization_file.file} cannot be read: "
                             f"{kustomization_file.problem}", kustomization_file.file))
    files = dict(render.inputs)
    files[f"{WRAPPER_DIR}/kustomization.yaml"] = wrapper_kustomization(resources,
                                                                      request.options)
    job = Job(files, lambda tree_dir: tool.argv(WRAPPER_DIR), failure_message)
    return session.add(render, placer, job)
