"""Which Kubernetes objects a change touches, on either side of the diff.

`changed_resources` conditions need them: adding, editing or deleting a
ClusterRoleBinding all count as touching one. Lines come from the git diff, so a file
with ten objects where one changed touches one object, not ten.
"""
from __future__ import annotations

import posixpath
from pathlib import Path

from policygate.kubernetes import as_resource
from policygate.model import ResourceId
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import Limits
from policygate.sources import GitError
from policygate.parsers import handles
from policygate.sources.changes import ChangeSet, range_changes
from policygate.sources.diff import NULL_ID
from policygate.sources.git import Git


def _resources_in(raw: bytes, path: str, ranges: list[tuple[int, int]]) -> list[ResourceId]:
    found = []
    for document in parse_bytes(raw, path, Limits()).documents:
        resource = as_resource(document)
        if resource is None:
            continue
        if any(start <= document.end_line and document.start_line <= end for start, end in ranges):
            found.append(resource.id)
    return found


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
    manifests = [c for c in changes.changes
                 if handles(posixpath.basename(c.path)) or
                 (c.old_path is not None and handles(posixpath.basename(c.old_path)))]
    ids = [i for c in manifests for i in (c.new_id, c.old_id) if i != NULL_ID]
    limit = Limits().max_file_bytes
    blobs = git.read_blobs([i for i, size in git.blob_sizes(ids).items() if size <= limit])
    touched: list[ResourceId] = []
    for change in manifests:
        if not change.deleted and change.new_id in blobs:
            touched += _resources_in(blobs[change.new_id], change.path, change.touched_lines())
        if change.old_path and change.old_id in blobs:
            ranges = [(1, 10**9)] if change.deleted else change.touched_old_lines()
            touched += _resources_in(blobs[change.old_id], change.old_path, ranges)
    return tuple(dict.fromkeys(touched))
