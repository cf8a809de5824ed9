"""The runner's entry to rendering: plan the renders of a check and start them.

Files a render consumes leave the plain scan here (a patch is never judged alone, a
template never parsed as YAML), and the renders start before the scan so both run at
once. Nothing is imported or started for a repository with nothing to render.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policygate.render.markers import has_render_files, may_point, split_targets
from policygate.render.tree import DiskTree

if TYPE_CHECKING:
    from policygate.config import Config
    from policygate.render.diffmode import DiffRenders
    from policygate.render.gitops import Repository
    from policygate.render.plan import RenderPlan
    from policygate.render.session import RenderSession
    from policygate.sources.select import SourceSelection
    from policygate.sources.streams import Stream


_SOURCE_COMMENT = b"# Source: "


def start_plan(plan: RenderPlan, config: Config) -> RenderSession:
    from policygate.render.helm import add_chart
    from policygate.render.overlays import add_overlay
    from policygate.render.session import RenderSession, RenderTools

    session = RenderSession(config.limits, RenderTools.from_config(config.sections.get("render")))
    for request in plan.requests:
        if request.engine == "helm":
            add_chart(session, request, plan.tree)
        else:
            add_overlay(session, request, plan.graph, plan.tree)
    return session


def this_repository(section: dict[str, Any], root: Path | None) -> Repository:
    from policygate.render.gitops import Repository, git_remote_urls

    urls = section.get("repositories") or (git_remote_urls(root) if root is not None else [])
    return Repository(urls)


def prepare_renders(targets: Sequence[str], root: Path | None, config: Config,
                    selection: SourceSelection, streams: Sequence[Stream] = ()
                    ) -> RenderSession | None:
    """Plan and start the renders of a paths check; None when there is nothing to render.

    Streams are checked like files, except that a rendered stream (`# Source:` comments,
    as `helm template` writes) is judged as a render: its findings go to the templates."""
    from policygate.sources.files import SourceFile, skipped_note, wanted

    base = root or Path.cwd()
    tree = DiskTree(base)
    section = config.sections.get("render") or {}
    candidates = _pointer_files(tree, selection) if section.get("gitops", True) else []
    directories, files = split_targets(targets, base, tree) if targets else ([], [])
    plan = _plan(directories, files, tree, section) if candidates or (
        targets and has_render_files(tree, directories, files)) else None
    if candidates:
        from policygate.render.gitops import find_pointers, generated_values
        from policygate.render.plan import apply_pointers

        repository = this_repository(section, root)
        pointed = find_pointers(plan.tree, candidates, repository, generated_values(plan.graph))
        apply_pointers(plan, pointed, bool(repository.urls))
        selection.notes += plan.notes
    rendered = []
    for stream in streams:
        if not wanted(stream.display, (), config.exclude, named=True):
            selection.notes.append(skipped_note(stream.display, "excluded by paths.exclude"))
        elif stream.content.startswith(_SOURCE_COMMENT) or \
                b"\n" + _SOURCE_COMMENT in stream.content:
            rendered.append(stream)
        else:
            selection.sources.append(SourceFile(stream.display, stream.display, stream.content))
    if plan is None and rendered:
        plan = _plan([], [], tree, section)
    if plan is None:
        return None
    selection.sources = [s for s in selection.sources if s.display not in plan.consumed]
    if not plan.requests and not rendered:
        return None
    session = start_plan(plan, config)
    if rendered:
        from policygate.render.stream import add_stream

        for stream in rendered:
            add_stream(session, stream, plan.tree)
    return session


def _plan(directories: list[str], files: list[str], tree: DiskTree, section: dict[str, Any]
          ) -> RenderPlan:
    """The render plan of the checked paths (none: nothing but what GitOps objects lead
    to); imported only for a repository with something to render."""
    from policygate.render.graph import KustomizeGraph
    from policygate.render.plan import RenderPlan, plan_targets

    return plan_targets(directories, files, tree, section) if directories or files else \
        RenderPlan(tree, KustomizeGraph(tree))


def _pointer_files(tree: DiskTree, selection: SourceSelection) -> list[str]:
    """Scanned YAML files that may hold an Argo CD or Flux object (a byte search)."""
    names = [s.display for s in selection.sources if s.display.endswith((".yaml", ".yml"))]
    return [name for name, content in tree.read_many(names).items()
            if content is not None and may_point(content)]


def prepare_change_renders(root: Path, config: Config, selection: SourceSelection, mode: str,
                           targets: Sequence[str]) -> DiffRenders | None:
    """The base and head renders of a change (`--diff`, `--staged`, pull requests).

    A change in a repository without kustomizations or charts, that adds no GitOps
    object, costs one listing of the head tree and nothing else."""
    from policygate.render.markers import RENDER_FILES
    from policygate.render.tree import GitTree
    from policygate.sources.git import Git

    changes = selection.changes
    assert changes is not None
    git = Git(root)
    trees = GitTree(git, changes.head), GitTree(git, changes.base)
    # The base has a render file only if the head has one or the change removed it.
    touched = {p.rpartition("/")[2] for c in changes.changes for p in (c.path, c.old_path) if p}
    if not trees[0].find_named(RENDER_FILES) and not touched & RENDER_FILES and not any(
            s.content is not None and may_point(s.content) for s in selection.sources):
        return None
    from policygate.render.diffmode import prepare_diff_renders

    renders = prepare_diff_renders(root, config, changes, mode, targets, trees)
    if renders is None:
        return None
    whole = [s.display for s in selection.sources if s.change is None]
    selection.sources = [s for s in selection.sources if s.display not in renders.consumed]
    if selection.base_sources is not None:
        selection.base_sources = [s for s in selection.base_sources
                                  if s.display not in renders.consumed]
    renders.session.problem_files = {c.path for c in changes.changes}
    if whole:
        _add_whole_files(renders, root, config, selection, whole)
    return renders


def _add_whole_files(renders: DiffRenders, root: Path, config: Config,
                     selection: SourceSelection, whole: list[str]) -> None:
    """`--staged FILES` checks a named file without staged changes whole, from disk
    (pre-commit run --all-files): so are the renders that consume it."""
    from policygate.render.helm import add_chart
    from policygate.render.overlays import add_overlay
    from policygate.render.plan import plan_paths

    plan = plan_paths(whole, root, config.sections.get("render"))
    done = {(r.request.engine, r.request.directory) for r in renders.head.values()}
    for request in plan.requests:
        if (request.engine, request.directory) in done:
            continue
        if request.engine == "helm":
            add_chart(renders.session, request, plan.tree)
        else:
            add_overlay(renders.session, request, plan.graph, plan.tree)
    selection.sources = [s for s in selection.sources if s.display not in plan.consumed]
