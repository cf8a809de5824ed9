"""Read the gate's own files from the trusted base commit, never from the PR head.

A pull request could otherwise weaken its own gate: drop an approval rule, add an
exception, delete a policy. Everything that defines the gate (config, CODEOWNERS,
policies) is read through a BaseReader bound to the base commit.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from policygate.sources import GitError
from policygate.sources.git import Git, missing_base_message


class BaseReader(Protocol):
    commit: str

    def read(self, path: str) -> bytes | None:
        """The file at the base commit, or None when it does not exist there."""
        ...

    def list_dir(self, directory: str) -> list[str]:
        """Every file below a directory at the base commit ([] when there is none)."""
        ...


class GitBaseReader:
    """Base files through `git cat-file`, from the local clone."""

    def __init__(self, root: Path, commit: str) -> None:
        self.git = Git(root)
        resolved = self.git.commit(commit)
        if resolved is None:
            raise GitError(missing_base_message(commit, self.git.is_shallow()))
        self.commit = resolved
        self._cache: dict[str, bytes | None] = {}

    def read(self, path: str) -> bytes | None:
        if path not in self._cache:
            self._cache.update(self.git.read_paths(self.commit, [path]))
        return self._cache[path]

    def list_dir(self, directory: str) -> list[str]:
        """Files under a directory at the base commit (for policy directories)."""
        output = self.git.run("ls-tree", "-r", "-z", "--name-only", self.commit, "--",
                              directory.rstrip("/") + "/")
        return [name.decode("utf-8", "surrogateescape") for name in output.split(b"\0") if name]
