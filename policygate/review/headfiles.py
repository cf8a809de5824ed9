"""Files of the pull request head, as data, for the lines a suggestion rewrites.

A suggestion must rewrite exactly the line the finding is about, so it is built from the
head's own bytes — the bytes that were checked — never from the working tree. Anything
with `read(path) -> bytes | None` will do: prmode.PullRequestSetup.head (git or the
contents API at the head SHA), trusted.GitBaseReader(root, head_sha), or this module's
ChangeSetReader, which reuses what the run already read from git.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from policygate.sources.changes import ChangeSet


class FileReader(Protocol):
    def read(self, path: str) -> bytes | None:
        """The file's bytes at the head, or None when it is not there."""
        ...


class ChangeSetReader:
    """Head files of a ChangeSet: the contents the run loaded, else the git blob by id."""

    def __init__(self, changes: ChangeSet, root: Path | None = None) -> None:
        self.changes = changes
        self.root = root
        self._loaded = {source.display: source.content for source in changes.sources
                        if source.content is not None}
        self._blobs = {change.path: change.new_id for change in changes.changes
                       if not change.deleted}

    def read(self, path: str) -> bytes | None:
        if path in self._loaded:
            return self._loaded[path]
        blob = self._blobs.get(path)
        if blob is None or self.root is None or set(blob) == {"0"}:
            return None
        from policygate.sources import GitError
        from policygate.sources.git import Git

        try:
            content = Git(self.root).read_blobs([blob]).get(blob)
        except GitError:                  # no suggestion then; the comment still goes out
            content = None
        self._loaded[path] = content
        return content
