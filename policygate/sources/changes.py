"""Turn a git range or the index into the files to check, read from git objects.

Only changed files are read and parsed, so the cost follows the size of the change.
Deleted files are kept as a list for later stages (Rego sees them). What is checked, and
against which lines, is decided per path by sources.views (renames from unchecked
places, symlinks inside the repository); submodules and links that leave the repository
are not followed and say so.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policygate.model import Finding
from policygate.sources import GitError
from policygate.sources.diff import FileChange, parse_hunks, parse_raw
from policygate.parsers.yaml import Limits, limit_finding
from policygate.sources.files import SourceFile, is_helm_template, printable, wanted
from policygate.sources.views import View, checked_views
from policygate.sources.git import (
    DIFF_OPTIONS, EMPTY_TREE, Git, Started, missing_base_message, missing_merge_base_message)
from policygate.sources.tree import Tree


@dataclass(slots=True)
class ChangeSet:
    """The change under review: base commit, head (a commit, or None for the index)."""

    base: str
    head: str | None
    changes: list[FileChange]                  # git's own view (what GitHub shows)
    pathspecs: tuple[str, ...] = ()
    sources: list[SourceFile] = field(default_factory=list)
    base_sources: list[SourceFile] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    views: list[View] = field(default_factory=list)  # the gate's view of each source
    listing: Started | None = None             # the head's tree, listed in the background

    def take_listing(self) -> Started | None:
        """The background listing of the head, for the first reader (it is read once)."""
        listing, self.listing = self.listing, None
        return listing

    @property
    def deleted(self) -> list[str]:
        return [change.path for change in self.changes if change.deleted]


def split_range(spec: str) -> tuple[str, str]:
    """`BASE`, `BASE..HEAD` or `BASE...HEAD`; the merge base is used in every form."""
    for separator in ("...", ".."):
        if separator in spec:
            base, head = spec.split(separator, 1)
            return base or "HEAD", head or "HEAD"
    return spec, "HEAD"


def _changes(git: Git, diff_args: Sequence[str], pathspecs: Sequence[str]) -> list[FileChange]:
    raw = git.run("diff", "--raw", "-z", "--no-abbrev", *DIFF_OPTIONS, *diff_args, "--",
                  *pathspecs)
    changes = parse_raw(raw)
    if changes:
        hunks = parse_hunks(git.run("diff", "-U0", *DIFF_OPTIONS, *diff_args, "--", *pathspecs))
        for change in changes:
            change.hunks = hunks.get(change.path, [])
    return changes


def range_changes(git: Git, spec: str, pathspecs: Sequence[str]) -> ChangeSet:
    base, head = split_range(spec)
    head_id = git.commit(head)
    if head_id is None:
        raise GitError(missing_base_message(head, git.is_shallow()))
    listing = Tree.list(git, head_id)  # for symlinks (sources.views), while the diff runs
    try:
        base_id = git.commit(base)
        if base_id is None:
            raise GitError(missing_base_message(base, git.is_shallow()))
        merge_base = git.merge_base(base_id, head_id)
        if merge_base is None:
            raise GitError(missing_merge_base_message(base, git.is_shallow()))
        return ChangeSet(merge_base, head_id, _changes(git, (merge_base, head_id), pathspecs),
                         tuple(pathspecs), listing=listing)
    except GitError:
        listing.stop()
        raise


def staged_changes(git: Git, pathspecs: Sequence[str]) -> ChangeSet:
    """Index against HEAD (against the empty tree before the first commit)."""
    listing = Tree.list(git, None)
    try:
        return ChangeSet(git.commit("HEAD") or EMPTY_TREE, None,
                         _changes(git, ("--cached",), pathspecs), tuple(pathspecs),
                         listing=listing)
    except GitError:
        listing.stop()
        raise


def _wanted(path: str, root: Path, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    return wanted(path, include, exclude) and (bool(include) or not is_helm_template(root / path))


def _scope(pathspecs: Sequence[str]) -> Callable[[str], bool]:
    """Whether a path lies under one of the run's literal pathspecs (all paths without)."""
    prefixes = [spec.removeprefix(":(literal)") for spec in pathspecs]
    if not prefixes or "." in prefixes:
        return lambda path: True
    return lambda path: any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def load_sources(git: Git, changes: ChangeSet, include: tuple[str, ...] = (),
                 exclude: tuple[str, ...] = (), with_base: bool = False,
                 max_bytes: int = Limits().max_file_bytes) -> ChangeSet:
    """Attach the head content of each checked path the change touches (see
    sources.views) and, for `new` mode, the content it had at the base.

    Blobs over the size limit are never read: they become a limit finding, so a huge
    file in a pull request costs nothing."""
    views, notes = checked_views(git, changes.base, changes.head, changes.changes,
                                 lambda path: _wanted(path, git.root, include, exclude),
                                 _scope(changes.pathspecs), changes.take_listing())
    changes.notes.extend(notes)
    ids = [view.head_id for view in views]
    if with_base:
        ids += [view.base_id for view in views if view.base_id is not None]
    sizes = git.blob_sizes(ids)
    oversized = {blob for blob, size in sizes.items() if size > max_bytes}
    blobs = git.read_blobs([blob for blob in ids if blob not in oversized])
    for view in views:
        display = printable(view.path)
        if view.head_id in oversized:
            changes.notes.append(limit_finding(display, "max_file_bytes", max_bytes,
                                               f"file size ({sizes[view.head_id]:,} bytes)"))
            continue
        content = blobs[view.head_id]
        view.touch_all(content)
        changes.sources.append(SourceFile(str(git.root / view.path), display, content,
                                          view.change))
        changes.views.append(view)
        if with_base and view.base_id in blobs:
            changes.base_sources.append(SourceFile(str(git.root / view.path), display,
                                                   blobs[view.base_id]))
    return changes
