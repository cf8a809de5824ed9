"""Renders of a change (`--diff`, `--staged`, pull requests): base and head, compared.

A change to any file a kustomization or chart consumes (a patch, a base resource, a
generator input, a template, the kustomization itself) re-renders every root and
chart in the repository that includes it, at the base commit and at the head (or the
index), both read from git objects. The diff filter then works on rendered objects:

  resource      findings on rendered objects whose rendered form changed (or is new)
  added, diff_context
                findings placed on changed lines of changed files
  file          every finding of an affected render
  nofilter      every render under the paths checked
  new           head findings the base render did not already have (those of the
                combined engines too: the base render is judged by them as well)

An object that the base rendered and the head does not (a resource removed from an
overlay) is a changed resource for approval rules (`changed_resources`). The roots the
change does not touch are rendered only to describe the cluster around it, when a
combined engine reads that (`DiffRenders.context`, policygate.inventory).
"""
from __future__ import annotations

import json
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policygate.model import Finding, ResourceId
from policygate.render.gitops import Pointed, find_pointers, generated_values
from policygate.render.graph import KustomizeGraph
from policygate.render.kustomization import is_kustomization_file
from policygate.render.markers import CHART_FILE, GITOPS_MARKERS, RENDER_FILES, may_point
from policygate.render.plan import chart_of, chart_parts, configured_charts
from policygate.render.request import Render, RenderRequest
from policygate.render.session import Judged, RenderSession, RenderTools
from policygate.render.tree import GitTree, Tree

if TYPE_CHECKING:
    from policygate.config import Config
    from policygate.sources.changes import ChangeSet
    from policygate.sources.diff import FileChange


@dataclass(slots=True)
class Side:
    tree: Tree
    graph: KustomizeGraph
    roots: list[str]
    charts: list[str]


def _side(tree: Tree) -> Side:
    graph = KustomizeGraph(tree)
    directories = graph.discover([""])
    charts = sorted({posixpath.dirname(c) for c in tree.find_named(RENDER_FILES)
                     if c.endswith(CHART_FILE)})
    charts = [c for c in charts if not any(o != c and c.startswith(f"{o}/charts/")
                                           for o in charts)]
    return Side(tree, graph, graph.roots(directories), charts)


def _all_requests(side: Side, pointed: list[Pointed], section: dict[str, Any] | None
                  ) -> dict[str, RenderRequest]:
    """Every render of one side: roots and charts, or what GitOps objects make of them."""
    led = {(p.request.engine, p.request.directory) for p in pointed if p.exists}
    requests = [r for r in _requests(side.roots, side.charts, section)
                if (r.engine, r.directory) not in led]
    requests += [p.request for p in pointed if p.exists]
    return {r.pair_key: r for r in requests}


def _affected(side: Side, request: RenderRequest, changed: set[str], everything: bool,
              under: Sequence[str]) -> bool:
    """Does the change touch this render (a file it consumes, or the GitOps object)?"""
    directory = request.directory
    if everything:
        return not under or any(u == "" or directory == u or directory.startswith(f"{u}/")
                                for u in under)
    if any(p.file in changed for p in request.pointers):
        return True
    if request.engine == "helm":
        values = {str(v) for v in request.options.get("values_files", ())}
        return bool(values & changed) or any(chart_of(p, [directory]) == directory
                                             for p in changed)
    return bool(changed & _reads(side, directory))


def _reads(side: Side, directory: str) -> set[str]:
    """The files a kustomize root reads: its closure, and where links among them lead (a
    kustomization may read a file through a link to it, or to a directory on its path;
    a change there is a change to what the root reads)."""
    files = side.graph.closure(directory).files
    return files | {path for path in side.tree.resolved(files).values() if path}


def _consumed(side: Side) -> set[str]:
    """The files renders consume on one side: parts of objects, never objects alone (a
    kustomization file is not among them: its own settings are judged)."""
    consumed = set()
    for directory in side.graph.discover([""]):
        consumed |= {f for f in side.graph.closure(directory).files
                     if not is_kustomization_file(f)}
    for chart in side.charts:
        consumed |= chart_parts(side.tree, chart)
    return consumed


@dataclass(slots=True)
class Described:
    """What a side of the change looks like to the renders: its tree and what renders
    there (every root and chart, by pair key)."""

    side: Side
    requests: dict[str, RenderRequest]


@dataclass
class DiffRenders:
    """The pairs of renders of a change and the filter over their findings."""

    session: RenderSession
    changes: ChangeSet
    mode: str
    head: dict[str, Render] = field(default_factory=dict)   # pair key -> render
    base: dict[str, Render] = field(default_factory=dict)
    consumed: set[str] = field(default_factory=set)
    sides: dict[str, Described] = field(default_factory=dict)  # "head", "base"
    _by_path: dict[str, FileChange] = field(default_factory=dict)

    def context(self, name: str, words: Sequence[bytes] | None
                ) -> tuple[set[str], list[Judged]]:
        """Start the renders of the roots and charts the change does not touch on one
        side, to describe the cluster around it (policygate.inventory) -> (the files
        renders consume there, those renders). `words`: only the renders whose files
        contain one of them can make an object that is needed (None: all are)."""
        described = self.sides[name]
        side, done = described.side, self.head if name == "head" else self.base
        consumed = self.consumed if name == "head" else _consumed(side)
        wanted = [(k, r) for k, r in described.requests.items() if k not in done]
        if words is not None and wanted:
            mentions = set(side.tree.grep(words, ()))
            wanted = [(k, r) for k, r in wanted if _may_hold(side, r, mentions)]
        renders = []
        for _, request in wanted:
            render = _add(self.session, request, side, name)
            render.context = True
            judged = self.session.renders[-1]   # what session.add recorded for it
            assert judged.render is render
            renders.append(judged)
        return consumed, renders

    def keep(self, judged: Judged, findings: list[Finding]) -> list[Finding]:
        if judged.render.side is None:  # a file named whole (pre-commit --all-files)
            return findings
        if judged.render.side == "base":
            return []
        base = self.base.get(judged.render.request.pair_key)
        base_judgement = None
        if base is not None:
            base_judgement = next((j.judgement for j in self.session.renders
                                   if j.render is base), None)
        if self.mode in ("file", "nofilter"):
            return findings
        if self.mode == "new":
            from policygate.filtering import subtract_existing

            return subtract_existing(findings, base_judgement.findings
                                     if base_judgement is not None else [])
        if self.mode == "resource":
            changed = changed_objects(base_judgement.state if base_judgement else {},
                                      judged.judgement.state)
            return [f for f in findings if f.resource is None or f.resource in changed]
        return [f for f in findings if self._on_changed_line(f)]

    def _on_changed_line(self, finding: Finding) -> bool:
        """The gate's view of the file's lines (sources.views: a link has its target's
        hunks, a file renamed from an unchecked place is wholly new); a render input the
        gate does not check on its own is wholly new when git calls it a rename, copy or
        type change, else git's hunks — of the file it leads to, when it is read through
        a link."""
        if not self._by_path:
            self._by_path = {c.path: c for c in self.changes.changes if not c.deleted}
            self._by_path.update({view.path: view.change for view in self.changes.views})
        change = self._by_path.get(finding.file)
        if change is None and "head" in self.sides:
            tree = self.sides["head"].side.tree   # a GitTree, like every side's
            change = self._by_path.get(tree.resolved([finding.file])[finding.file] or "")
        if change is None or finding.location is None:
            return False
        if change.status in "RCT" and not any(v.path == finding.file
                                              for v in self.changes.views):
            return True
        context = 3 if self.mode == "diff_context" else 0
        ranges = change.touched_lines() if context else change.added_lines()
        line = finding.location.line
        return any(start - context <= line <= end + context for start, end in ranges)

    def touched(self) -> tuple[ResourceId, ...]:
        """Rendered objects the change adds, edits or removes (for approval rules)."""
        self.session.queue.drain()
        found: list[ResourceId] = []
        for identity in dict.fromkeys([*self.head, *self.base]):
            head = rendered_state(self.head.get(identity))
            base = rendered_state(self.base.get(identity))
            found += changed_objects(base, head) + [i for i in base if i not in head]
        return tuple(dict.fromkeys(found))


def changed_objects(base: dict[ResourceId, str], head: dict[ResourceId, str]
                    ) -> list[ResourceId]:
    return [identity for identity, state in head.items() if base.get(identity) != state]


def rendered_state(render: Render | None) -> dict[ResourceId, str]:
    """Each rendered Kubernetes object by identity, as canonical JSON (without the
    build annotations): what the cluster would get."""
    from policygate.kubernetes import as_resource
    from policygate.parsers import parse_bytes
    from policygate.parsers.yaml import Limits
    from policygate.render.origins import take_build_annotations

    if render is None or render.output is None or render.failures:
        return {}
    state: dict[ResourceId, str] = {}
    for document in parse_bytes(render.output, render.request.label, Limits()).documents:
        if isinstance(document.data, dict):
            take_build_annotations(document.data)
            resource = as_resource(document)
            if resource is not None:
                state[resource.id] = json.dumps(document.data, sort_keys=True, default=str)
    return state


def _may_hold(side: Side, request: RenderRequest, mentions: set[str]) -> bool:
    """Can this render make an object that is needed? kustomize only passes on the
    objects of its files (and what its generators make), so not when none of its files
    is among the `mentions`; a chart's templates are not read here: it may."""
    if request.engine != "kustomize" or side.graph.kustomization(request.directory) is None:
        return True
    return bool(mentions & _reads(side, request.directory))


def _add(session: RenderSession, request: RenderRequest, side: Side, name: str) -> Render:
    from policygate.render.helm import add_chart
    from policygate.render.overlays import add_overlay

    if request.engine == "helm":
        return add_chart(session, request, side.tree, name)
    return add_overlay(session, request, side.graph, side.tree, name)


def _requests(roots: list[str], charts: list[str], section: dict[str, Any] | None
              ) -> list[RenderRequest]:
    configured = configured_charts(section)
    requests = [RenderRequest("kustomize", root) for root in roots]
    for chart in charts:
        requests += [RenderRequest("helm", chart, options, namespace=options.get("namespace"))
                     for options in configured.get(chart) or [{}]]
    return requests


def prepare_diff_renders(root: Path, config: Config, changes: ChangeSet, mode: str,
                         targets: Sequence[str], trees: tuple[GitTree, GitTree] | None = None
                         ) -> DiffRenders | None:
    """Plan and start the base and head renders of a change; None without any.
    `trees` are the (head, base) trees when the caller has listed them already."""
    from policygate.render.start import this_repository
    from policygate.sources.git import Git

    if trees is None:
        git = Git(root)
        trees = GitTree(git, changes.head), GitTree(git, changes.base)
    changed = changed_paths(changes)
    head, base = _side(trees[0]), _side(trees[1])
    section = config.sections.get("render") or {}
    head_pointed: list[Pointed] = []
    base_pointed: list[Pointed] = []
    anything = head.roots or head.charts or base.roots or base.charts
    if section.get("gitops", True) and (anything or any(
            may_point(c) for c in head.tree.read_many(sorted(changed)).values() if c)):
        repository = this_repository(section, root)
        head_pointed = find_pointers(head.tree, head.tree.grep(GITOPS_MARKERS), repository,
                                     generated_values(head.graph))
        base_pointed = find_pointers(base.tree, base.tree.grep(GITOPS_MARKERS), repository,
                                     generated_values(base.graph))
    if not (anything or head_pointed):
        return None
    under = ["" if u == "." else u for u in (
        posixpath.normpath(Path(t).resolve().relative_to(root.resolve()).as_posix())
        for t in targets if _inside(Path(t), root))]
    everything = mode == "nofilter"
    head_all = _all_requests(head, head_pointed, section)
    base_all = _all_requests(base, base_pointed, section)
    affected = [k for k, r in head_all.items() if _affected(head, r, changed, everything, under)]
    affected += [k for k, r in base_all.items() if k not in affected and not everything
                 and _affected(base, r, changed, False, under)]
    session = RenderSession(config.limits, RenderTools.from_config(section))
    renders = DiffRenders(session, changes, mode, consumed=_consumed(head),
                          sides={"head": Described(head, head_all),
                                 "base": Described(base, base_all)})
    for key in affected:
        if key in head_all:
            renders.head[key] = _add(session, head_all[key], head, "head")
        if key in base_all and not everything:
            renders.base[key] = _add(session, base_all[key], base, "base")
    session.keep = renders.keep
    return renders


def changed_paths(changes: ChangeSet) -> set[str]:
    """Every path whose content the change alters: git's changes (both sides of a rename)
    and the gate's views (a link whose target changed, also outside the paths the diff
    was limited to)."""
    changed = {c.path for c in changes.changes} | {c.old_path for c in changes.changes
                                                   if c.old_path}
    return changed | {view.path for view in changes.views}


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def rendered_touched(root: Path, config: Config, changes: ChangeSet) -> tuple[ResourceId, ...]:
    """The rendered objects a change touches, for `policygate approvals` (which renders
    nothing else)."""
    renders = prepare_diff_renders(root, config, changes, "resource", ())
    if renders is None:
        return ()
    try:
        return renders.touched()
    finally:
        renders.session.close()
