"""Which Kubernetes objects a change touches, on either side of the diff.

`changed_resources` conditions need them: adding, editing or deleting a
ClusterRoleBinding all count as touching one. Lines come from the git diff, so a file
with ten objects where one changed touches one object, not ten. The head side is what
the check judges (sources.views: links as their targets, files renamed or copied in as
wholly new); a rename or copy touches everything in the file on both sides, because
moving `deploy/prod/netpol.yaml` to `docs/` removes the NetworkPolicy from where it was.
"""
from __future__ import annotations

import posixpath
from pathlib import Path

from policygate.filtering import touched
from policygate.kubernetes import as_resource
from policygate.model import ResourceId
from policygate.parsers import handles, parse_bytes
from policygate.parsers.yaml import Limits
from policygate.sources import GitError
from policygate.sources.changes import ChangeSet, range_changes
from policygate.sources.diff import NULL_ID, SUBMODULE_MODE, SYMLINK_MODE
from policygate.sources.git import Git
from policygate.sources.views import checked_views

Ranges = list[tuple[int, int]]
_EVERYTHING: Ranges = [(1, 10**9)]


def _resources_in(raw: bytes, path: str, ranges: Ranges) -> list[ResourceId]:
    found = []
    for document in parse_bytes(raw, path, Limits()).documents:
        resource = as_resource(document)
        if resource is not None and touched(document, ranges):
            found.append(resource.id)
    return found


def _manifest(path: str | None) -> bool:
    return path is not None and handles(posixpath.basename(path))


def touched_resources(root: Path, base: str, head: str,
                      changes: ChangeSet | None = None) -> tuple[ResourceId, ...] | None:
    """None when the commits are not available locally (the caller fails closed).

    `changes` is the diff the run already computed for the same commits, if any."""
    git = Git(root)
    if changes is None:
        if git.commit(base) is None or git.commit(head) is None:
            return None
        try:
            changes = range_changes(git, f"{base}...{head}", [])
        except GitError:
            return None
    views, _ = checked_views(git, changes.base, changes.head, changes.changes, _manifest,
                             lambda path: True, changes.take_listing())
    moved = {c.path for c in changes.changes if c.status in "RC"}
    own = {id(c) for c in changes.changes}
    sides: list[tuple[str, str, Ranges]] = []   # (blob, path, touched lines)
    for view in views:
        whole = view.whole or view.path in moved
        sides.append((view.head_id, view.path, _EVERYTHING if whole else view.change.touched_lines()))
        if view.base_id is not None and id(view.change) not in own:  # links, type changes
            sides.append((view.base_id, view.path,
                          _EVERYTHING if view.whole else view.change.touched_old_lines()))
    for change in changes.changes:  # the old side of git's own changes, in place or moved
        if _manifest(change.old_path) and change.old_id != NULL_ID and \
                change.old_mode not in (SUBMODULE_MODE, SYMLINK_MODE):
            whole = change.status in "DRCT"
            sides.append((change.old_id, change.old_path or "",
                          _EVERYTHING if whole else change.touched_old_lines()))
    limit = Limits().max_file_bytes
    ids = [blob for blob, _, _ in sides]
    blobs = git.read_blobs([i for i, size in git.blob_sizes(ids).items() if size <= limit])
    found: list[ResourceId] = []
    for blob, path, ranges in sides:
        if blob in blobs:
            found += _resources_in(blobs[blob], path, ranges)
    return tuple(dict.fromkeys(found))
