"""Which Kubernetes objects a change touches, on either side of the diff.

`changed_resources` conditions need them: adding, editing or deleting a
ClusterRoleBinding all count as touching one. Lines come from the git diff, so a file
with ten objects where one changed touches one object, not ten.
"""
from __future__ import annotations

from pathlib import Path

from policygate.kubernetes import as_resource
from policygate.model import ResourceId
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import Limits
from policygate.sources import GitError
from policygate.sources.changes import load_sources, range_changes
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


def touched_resources(root: Path, base: str, head: str) -> tuple[ResourceId, ...] | None:
    """None when the commits are not available locally (the caller fails closed)."""
    git = Git(root)
    if git.commit(base) is None or git.commit(head) is None:
        return None
    try:
        changes = load_sources(git, range_changes(git, f"{base}...{head}", []), with_base=True)
    except GitError:
        return None
    touched: list[ResourceId] = []
    for source in changes.sources:
        if source.change is not None and source.content is not None:
            touched += _resources_in(source.content, source.display, source.change.touched_lines())
    by_old_path = {c.old_path: c for c in changes.changes if c.old_path}
    for source in changes.base_sources:
        change = by_old_path.get(source.display)
        if change is not None and source.content is not None:
            ranges = [(1, 10**9)] if change.deleted else change.touched_old_lines()
            touched += _resources_in(source.content, source.display, ranges)
    return tuple(dict.fromkeys(touched))
