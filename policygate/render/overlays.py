"""Prepare the render of one kustomization directory: refusals first, then the job.

A kustomization whose inputs include a refused reference (remote, absolute, outside the
repository) is not built at all: the refusal is the finding, on the line that names it.
"""
from __future__ import annotations

import posixpath
from collections.abc import Callable
from policygate.locate import locate
from policygate.render.graph import Closure, KustomizeGraph
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


def _closures(graph: KustomizeGraph, resources: list[str]) -> list[Closure]:
    return [graph.closure(r) for r in resources if graph.kustomization(r) is not None]


def _inputs(tree: Tree, resources: list[str], closures: list[Closure]) -> dict[str, bytes]:
    files = {r for r in resources if not any(c.directory == r for c in closures)}
    for closure in closures:
        files |= closure.files
    contents = tree.read_many(sorted(files))
    return {p: c for p, c in contents.items() if c is not None}


def _failure_place(closures: list[Closure], anchor: str) -> Callable[[str], tuple[str, int]]:
    """kustomize names the file it could not use as it is written: put the failure on
    the line that references it (the longest reference the message quotes)."""
    def place(message: str) -> tuple[str, int]:
        best: tuple[int, str, int] | None = None
        for closure in closures:
            for kustomization in closure.kustomizations:
                for reference in kustomization.references:
                    if reference.written in message and kustomization.document is not None \
                            and (best is None or len(reference.written) > best[0]):
                        line = locate(kustomization.document, reference.where).line
                        best = (len(reference.written), kustomization.file, line)
        return (best[1], best[2]) if best is not None else (anchor, 1)
    return place


def add_overlay(session: RenderSession, request: RenderRequest, graph: KustomizeGraph,
                tree: Tree, side: str | None = None) -> Render:
    directory = request.directory
    kustomization = graph.kustomization(directory)
    anchor = kustomization.file if kustomization is not None else \
        (request.pointers[0].file if request.pointers else directory)
    tool = find_kustomize(session.tools.kustomize)
    render = Render(request, tool.name if tool else "kustomize", tool.version if tool else "",
                    anchor, side=side)
    resources = [directory] if kustomization is not None else \
        _plain_resources(tree, graph, directory)
    closures = _closures(graph, resources)
    render.inputs = _inputs(tree, resources, closures)
    placer = KustomizePlaces(render.inputs, anchor, request.site, request.options)
    if tool is None:
        render.failures.append(render_finding(
            "render/unavailable", f"neither kustomize nor kubectl is installed: {request.label} "
                                  f"is not checked (install kubectl, or kustomize)", anchor))
        return session.add(render, placer, None)
    for refusal in (r for closure in closures for r in closure.refusals):
        document = refusal.kustomization.document
        line = locate(document, refusal.reference.where).line if document is not None else 1
        render.failures.append(render_finding("render/refused", refusal.reference.problem or "",
                                              refusal.kustomization.file, line))
    for kustomization_file in (k for closure in closures for k in closure.broken):
        render.failures.append(render_finding(
            "render/failed", f"{kustomization_file.file} cannot be read: "
                             f"{kustomization_file.problem}", kustomization_file.file))
    files = dict(render.inputs)
    files[f"{WRAPPER_DIR}/kustomization.yaml"] = wrapper_kustomization(resources,
                                                                      request.options)
    job = Job(files, lambda tree_dir: tool.argv(WRAPPER_DIR), failure_message,
              _failure_place(closures, anchor))
    return session.add(render, placer, job)
