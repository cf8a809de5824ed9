"""What tells a repository has something to render, checked before anything is planned.

A check of plain manifests (the usual pre-commit run) must not pay for importing the
planner, the kustomization reader and the render requests: the names of the files that
start a render, the GitOps markers and the split of the checked paths live here, light.
"""
from __future__ import annotations

import posixpath
from collections.abc import Sequence
from pathlib import Path

from policygate.render.tree import Tree

KUSTOMIZATION_FILES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})
CHART_FILE = "Chart.yaml"
RENDER_FILES = KUSTOMIZATION_FILES | {CHART_FILE}   # a tree without them renders nothing
# The API groups of Argo CD and Flux: a file without them holds no GitOps object.
GITOPS_MARKERS = (b"argoproj.io", b"toolkit.fluxcd.io")


def may_point(content: bytes) -> bool:
    """Could this file hold an Argo CD or Flux object? (a byte search, before parsing)"""
    return any(marker in content for marker in GITOPS_MARKERS)


def _relative(target: str, real_root: Path) -> str | None:
    try:
        relative = Path(target).resolve().relative_to(real_root).as_posix()
    except (ValueError, OSError):
        return None
    return "" if relative == "." else relative


def split_targets(targets: Sequence[str], root: Path, tree: Tree) -> tuple[list[str], list[str]]:
    """(directories, files) of the checked paths, relative to `root`; outside it: neither.
    (Each path is resolved and asked about once: pre-commit passes hundreds.)"""
    real_root = root.resolve()
    directories: list[str] = []
    files: list[str] = []
    for target in targets or (".",):
        relative = _relative(target, real_root)
        if relative is not None:
            (directories if tree.is_dir(relative) else files).append(relative)
    return directories, files


def ancestor_chart(tree: Tree, file: str) -> str | None:
    """The chart directory a file lies in (a template, a values file), if any."""
    directory = posixpath.dirname(file)
    while True:
        candidate = f"{directory}/{CHART_FILE}" if directory else CHART_FILE
        if tree.read_many([candidate])[candidate] is not None:
            return directory
        if not directory:
            return None
        directory = posixpath.dirname(directory)


def has_render_files(tree: Tree, directories: list[str], files: list[str]) -> bool:
    """Could a paths check render anything: a kustomization or chart where the plan
    looks (below the directories; anywhere in the repository for named files, which any
    overlay may consume), or a named file inside a chart?"""
    scope = [""] if files else directories
    return bool(tree.find_named(RENDER_FILES, scope)) or any(
        ancestor_chart(tree, file) is not None for file in files)
