"""Decide what a run renders, and which files are judged only through those renders.

Paths mode: the kustomization roots and the charts below the directories checked,
plus, for files named one by one (pre-commit), every root and chart in the repository
that consumes one of them. A file a render consumes (a patch, a base resource, a
generator input, a chart template) is not judged on its own; a kustomization file is,
since its own settings (`images:`) are rules' business too.
"""
from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policygate.model import Finding
from policygate.render.graph import KustomizeGraph
from policygate.render.kustomization import is_kustomization_file
from policygate.render.markers import CHART_FILE, ancestor_chart, split_targets
from policygate.render.request import RenderRequest
from policygate.render.tree import DiskTree, Tree


@dataclass(slots=True)
class RenderPlan:
    tree: Tree
    graph: KustomizeGraph
    requests: list[RenderRequest] = field(default_factory=list)
    consumed: set[str] = field(default_factory=set)
    notes: list[Finding] = field(default_factory=list)

    def add(self, request: RenderRequest) -> None:
        """One render per directory and options, whoever asks (pointers are merged)."""
        for existing in self.requests:
            if existing.identity == request.identity:
                existing.pointers.extend(p for p in request.pointers
                                         if p not in existing.pointers)
                return
        self.requests.append(request)


def chart_of(path: str, charts: Sequence[str]) -> str | None:
    """The innermost chart directory holding `path` (a template, values file...)."""
    best = None
    for chart in charts:
        if chart == "" or path == chart or path.startswith(f"{chart}/"):
            if best is None or len(chart) > len(best):
                best = chart
    return best


def chart_parts(tree: Tree, chart: str) -> set[str]:
    """The files of a chart that are never manifests on their own: templates and the
    bundled subcharts (Go templates, not YAML)."""
    prefix = f"{chart}/" if chart else ""
    return {path for path in tree.files_under(chart)
            if path[len(prefix):].startswith(("templates/", "charts/"))}


def plan_paths(targets: Sequence[str], root: Path, section: dict[str, Any] | None = None
               ) -> RenderPlan:
    """What to render when checking paths on disk (below `root`, the repository)."""
    tree = DiskTree(root)
    return plan_targets(*split_targets(targets, root, tree), tree, section)


def plan_targets(directories: list[str], files: list[str], tree: Tree,
                 section: dict[str, Any] | None) -> RenderPlan:
    """What to render for checked paths already split (markers.split_targets)."""
    graph = KustomizeGraph(tree)
    plan = RenderPlan(tree, graph)
    in_scope = graph.discover(directories) if directories else []
    everywhere = graph.discover([""]) if files else in_scope
    roots = graph.roots(in_scope)
    if files:
        named = set(files)
        for directory in graph.roots(everywhere):
            if directory not in roots and named & graph.closure(directory).files:
                roots.append(directory)
    for directory in roots:
        plan.add(RenderRequest("kustomize", directory))
    plan.consumed |= {f for f in graph.consumed(everywhere) if not is_kustomization_file(f)}
    _plan_charts(plan, directories, files, configured_charts(section))
    return plan


def configured_charts(section: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """`render.helm.charts` by chart directory: the render options of each entry."""
    from policygate.render.request import chart_options

    charts: dict[str, list[dict[str, Any]]] = {}
    for entry in ((section or {}).get("helm") or {}).get("charts") or ():
        path = posixpath.normpath(entry["path"]).strip("/")
        charts.setdefault("" if path == "." else path, []).append(chart_options(
            list(entry.get("values") or ()), None, entry.get("release"), entry.get("namespace")))
    return charts


def _plan_charts(plan: RenderPlan, directories: list[str], files: list[str],
                 configured: dict[str, list[dict[str, Any]]]) -> None:
    tree = plan.tree
    charts = sorted({posixpath.dirname(c) for c in tree.find_named(frozenset({CHART_FILE}),
                                                                   directories)})
    if files:
        for file in files:
            chart = ancestor_chart(tree, file)
            if chart is not None and chart not in charts:
                charts.append(chart)
    for chart in charts:
        if _inside_other_chart(chart, charts):
            continue  # a subchart is rendered as part of its parent
        for options in configured.get(chart) or [{}]:
            plan.add(RenderRequest("helm", chart, options, namespace=options.get("namespace")))
        plan.consumed |= chart_parts(tree, chart)


def _inside_other_chart(chart: str, charts: list[str]) -> bool:
    return any(other != chart and chart.startswith(f"{other}/charts/") for other in charts)


def apply_pointers(plan: RenderPlan, pointed: list[Any], known_repository: bool) -> None:
    """Render what GitOps objects point at, with their options, instead of the bare
    directory; a pointer to a directory missing from this repository is a finding when
    the object names this repository for sure."""
    from policygate.render.request import render_finding

    for item in pointed:
        request = item.request
        pointer = request.pointers[0]
        if not item.exists:
            if known_repository:
                plan.notes.append(render_finding(
                    "render/failed", f"{pointer.kind} {pointer.name} deploys "
                                     f"{request.label}, which is not a "
                                     f"{'chart' if request.engine == 'helm' else 'directory'} "
                                     f"in this repository", pointer.file, pointer.line))
            continue
        plan.requests = [r for r in plan.requests if r.pointers or not (
            r.engine == request.engine and r.directory == request.directory)]
        plan.add(request)
        if request.engine == "helm":
            plan.consumed |= chart_parts(plan.tree, request.directory)
        else:
            plan.consumed |= {f for f in plan.graph.closure(request.directory).files
                              if not is_kustomization_file(f)}
