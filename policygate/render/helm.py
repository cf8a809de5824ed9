"""Render a Helm chart with the real `helm template`, offline, on a private copy.

The chart directory (and any values files named for it) is copied into the render's
private tree; inline values (a Flux HelmRelease's `spec.values`, an Argo CD
Application's `values`/`valuesObject`) are written there as one more `-f` file. Helm
runs with no network and no repositories configured, never with `--dependency-update`:
a dependency that is not vendored in `charts/` is a render failure that says so.
"""
from __future__ import annotations

import functools
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from policygate.render.process import tool_version
from policygate.render.request import Render, RenderRequest, render_finding
from policygate.render.session import Job, RenderSession
from policygate.render.stream import SourcePlaces, chart_file, values_source
from policygate.render.templates import ValuesSource
from policygate.render.tree import Tree

INLINE_VALUES = "__policygate_values__.json"
_INSTALL = ("install helm (https://helm.sh/docs/intro/install/), or render the chart yourself "
            "and pipe it in: helm template {chart} | policygate check -")


@dataclass(frozen=True, slots=True)
class Helm:
    path: str
    version: str


def find_helm(preferred: str | None = None) -> Helm | None:
    path = shutil.which(preferred or "helm")
    return None if path is None else _helm(path)


@functools.cache
def _helm(path: str) -> Helm:
    return Helm(path, tool_version(path, ["version", "--template", "{{.Version}}"],
                                   str.strip))


def _message(stderr: str, tree_dir: Path) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()
             and not line.startswith(("WARNING", "walk.go"))]
    text = " ".join(lines).replace(f"{tree_dir}/", "").replace(str(tree_dir), ".")
    text = re.sub(r"^Error: ", "", text).strip() or "no message"
    if "missing in charts/ directory" in text or "dependencies" in text.lower():
        text += (" (dependencies are never downloaded during a check: run `helm dependency "
                 "build` and commit the charts/ directory)")
    return text


def _release(request: RenderRequest) -> str:
    name = request.options.get("release") or request.directory.rpartition("/")[2] or "release"
    return re.sub(r"[^a-z0-9-]", "-", str(name).lower())[:53].strip("-") or "release"


def chart_name(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    match = re.search(rb"^name:\s*['\"]?([^'\"\s#]+)", raw, re.MULTILINE)
    return match.group(1).decode("utf-8", "replace") if match else None


def add_chart(session: RenderSession, request: RenderRequest, tree: Tree,
              side: str | None = None) -> Render:
    chart = request.directory
    anchor = f"{chart}/Chart.yaml" if chart else "Chart.yaml"
    helm = find_helm(session.tools.helm)
    render = Render(request, "helm", helm.version if helm else "", anchor, side=side)
    files = tree.files_under(chart)
    value_files = [str(v) for v in request.options.get("values_files", ())]
    render.inputs = {p: c for p, c in tree.read_many(files + value_files).items()
                     if c is not None}
    placer = _placer(render, request, chart)
    if helm is None:
        render.failures.append(render_finding(
            "render/unavailable", f"helm is not installed: chart {request.label} is not "
                                  f"checked; " + _INSTALL.format(chart=request.label), anchor))
        return session.add(render, placer, None)
    missing = [v for v in value_files if v not in render.inputs]
    for name in missing:
        render.failures.append(render_finding(
            "render/failed", f"values file {name} for chart {request.label} does not exist "
                             f"in the repository", request.pointers[0].file
            if request.pointers else anchor))
    job_files = dict(render.inputs)
    argv_tail: list[str] = []
    for name in value_files:
        argv_tail += ["--values", name]
    inline = request.options.get("values")
    if inline:
        job_files[INLINE_VALUES] = json.dumps(inline).encode()
        argv_tail += ["--values", INLINE_VALUES]
    namespace = request.options.get("namespace")
    if namespace:
        argv_tail += ["--namespace", str(namespace)]
    argv = [helm.path, "template", _release(request), f"./{chart}" if chart else ".",
            *argv_tail]
    return session.add(render, placer, Job(job_files, lambda tree_dir: argv, _message))


def _placer(render: Render, request: RenderRequest, chart: str) -> SourcePlaces:
    values: list[ValuesSource] = []
    site = request.site
    if request.options.get("values") and site is not None:
        for prefix in request.options.get("values_paths", ()):
            values.append(ValuesSource(site.file, site.document, site.prefix + tuple(prefix)))
    for name in reversed([str(v) for v in request.options.get("values_files", ())]):
        source = values_source(name, render.inputs.get(name))
        if source is not None:
            values.append(source)
    own = f"{chart}/values.yaml" if chart else "values.yaml"
    source = values_source(own, render.inputs.get(own))
    if source is not None:
        values.append(source)
    inputs = render.inputs

    def resolve(written: str) -> str | None:
        path = chart_file(chart, written)
        return path if path in inputs else None

    return SourcePlaces(render.anchor, resolve, inputs.get, lambda template: values)
