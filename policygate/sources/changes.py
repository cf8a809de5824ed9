"""Turn a git range or the index into the files to check, read from git objects.

Only changed files are read and parsed, so the cost follows the size of the change.
Deleted files are kept as a list for later stages (Rego sees them); submodules and
symlinks are not followed and say so.
"""
from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policygate.model import Finding
from policygate.sources import GitError
from policygate.sources.diff import (
    NULL_ID, SUBMODULE_MODE, SYMLINK_MODE, FileChange, parse_hunks, parse_raw)
from policygate.parsers.yaml import Limits, limit_finding
from policygate.sources.files import (
    SourceFile, is_helm_template, printable, skipped_note, wanted)
from policygate.sources.git import (
    DIFF_OPTIONS, EMPTY_TREE, Git, missing_base_message, missing_merge_base_message)


@dataclass(slots=True)
class ChangeSet:
    """The change under review: base commit, head (a commit, or None for the index)."""

    base: str
    head: str | None
    changes: list[FileChange]
    sources: list[SourceFile] = field(default_factory=list)
    base_sources: list[SourceFile] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)

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
    base_id = git.commit(base)
    if base_id is None:
        raise GitError(missing_base_message(base, git.is_shallow()))
    merge_base = git.merge_base(base_id, head_id)
    if merge_base is None:
        raise GitError(missing_merge_base_message(base, git.is_shallow()))
    return ChangeSet(merge_base, head_id, _changes(git, (merge_base, head_id), pathspecs))


def staged_changes(git: Git, pathspecs: Sequence[str]) -> ChangeSet:
    """Index against HEAD (against the empty tree before the first commit)."""
    return ChangeSet(git.commit("HEAD") or EMPTY_TREE, None,
                     _changes(git, ("--cached",), pathspecs))


def _wanted(path: str, root: Path, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    return wanted(path, include, exclude) and (bool(include) or not is_helm_template(root / path))


def _link_outside(path: str, target: bytes) -> bool:
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path),
                                                 target.decode("utf-8", "surrogateescape")))
    return target.startswith(b"/") or resolved == ".." or resolved.startswith("../")


def load_sources(git: Git, changes: ChangeSet, include: tuple[str, ...] = (),
                 exclude: tuple[str, ...] = (), with_base: bool = False,
                 max_bytes: int = Limits().max_file_bytes) -> ChangeSet:
    """Attach the head content of each changed file (and, for `new` mode, the base).

    Blobs over the size limit are never read: they become a limit finding, so a huge
    file in a pull request costs nothing."""
    wanted: list[FileChange] = []
    links: list[FileChange] = []
    for change in changes.changes:
        if change.deleted or not _wanted(change.path, git.root, include, exclude):
            continue
        if change.new_mode == SUBMODULE_MODE:
            changes.notes.append(skipped_note(printable(change.path), "submodule: not checked "
                                              "(check it in its own repository)"))
        elif change.new_mode == SYMLINK_MODE:
            links.append(change)
        else:
            wanted.append(change)
    ids = [c.new_id for c in wanted + links if c.new_id != NULL_ID]
    index_paths = [c for c in wanted + links if c.new_id == NULL_ID]  # unmerged index entries
    if with_base:
        ids += [c.old_id for c in changes.changes if c.old_path and c.old_id != NULL_ID
                and c.old_mode not in (SUBMODULE_MODE, SYMLINK_MODE)
                and _wanted(c.old_path, git.root, include, exclude)]
    sizes = git.blob_sizes(ids)
    oversized = {blob for blob, size in sizes.items() if size > max_bytes}
    blobs = git.read_blobs([blob for blob in ids if blob not in oversized])
    for change in wanted:
        if change.new_id in oversized:
            changes.notes.append(limit_finding(printable(change.path), "max_file_bytes", max_bytes,
                                               f"file size ({sizes[change.new_id]:,} bytes)"))
    for change in index_paths:
        changes.notes.append(skipped_note(printable(change.path),
                                          "unmerged file: resolve the conflict first"))
    for change in links:
        if change.new_id in blobs and _link_outside(change.path, blobs[change.new_id]):
            changes.notes.append(skipped_note(printable(change.path), "symlink to a path "
                                              "outside the repository: not followed"))
    for change in wanted:
        if change.new_id in blobs:
            changes.sources.append(SourceFile(str(git.root / change.path),
                                              printable(change.path), blobs[change.new_id], change))
    if with_base:
        for change in changes.changes:
            if change.old_path and change.old_id in blobs:
                changes.base_sources.append(SourceFile(str(git.root / change.old_path),
                                                       printable(change.old_path),
                                                       blobs[change.old_id]))
    return changes
