"""Read the gate's own files from the trusted base commit, never from the PR head.

A pull request could otherwise weaken its own gate: drop an approval rule, add an
exception, delete a policy. Everything that defines the gate (config, CODEOWNERS,
policies) is read through a BaseReader bound to the base commit.
"""
from __future__ import annotations

import os
import posixpath
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from policygate.config import normalize_path
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


class GateInputError(Exception):
    """A policy input named for a pull-request run that the base commit does not have."""


def repo_path(given: str, root: Path | None, start: Path | None = None) -> str | None:
    """`given` (relative to `start`, default the current directory) as a normalised
    repository-relative path; None when it lies outside the repository (a runner's own
    file, which no pull request can change)."""
    if root is None:
        return None
    absolute = Path(os.path.abspath((start or Path.cwd()) / given))
    try:
        return normalize_path(absolute.relative_to(root).as_posix())
    except ValueError:
        return None


def _missing(option: str, path: str, commit: str, in_head: bool) -> GateInputError:
    if in_head:
        return GateInputError(
            f"{option} {path}: exists only in the pull request, not in its base commit "
            f"{commit[:12]}: a pull request cannot bring the policy that judges it — merge "
            f"it first, then it applies to the pull requests after it")
    return GateInputError(f"{option} {path}: not found in the base commit {commit[:12]}")


class BaseInputs:
    """The gate's own files for a pull-request run, read from the base commit.

    Every input the run names — the config, Rego policies and data, Gatekeeper objects,
    the baseline — is read from the base through `reader`, never from the working tree
    or the head, whatever the command line says; policy files are written to a private
    temporary tree that the engines load like a checkout. A path inside the repository
    that the base lacks is an error, and says when the head has it."""

    def __init__(self, reader: BaseReader, head: BaseReader | None, root: Path | None) -> None:
        self.reader, self.head, self.root = reader, head, root
        self.paths: list[str] = []          # repository paths read: the gate's files
        self._tree: tempfile.TemporaryDirectory[str] | None = None

    @property
    def tree(self) -> Path:
        if self._tree is None:
            self._tree = tempfile.TemporaryDirectory(prefix="policygate-base-")
        return Path(self._tree.name)

    def close(self) -> None:
        if self._tree is not None:
            self._tree.cleanup()

    def _in_head(self, path: str) -> bool:
        if self.head is not None:
            return self.head.read(path) is not None or bool(self.head.list_dir(path))
        return self.root is not None and (self.root / path).exists()

    def read(self, option: str, path: str) -> bytes:
        """One file at the base (repository-relative path)."""
        content = self.reader.read(path)
        if content is None:
            raise _missing(option, path, self.reader.commit, self._in_head(path))
        self.paths.append(path)
        return content

    def materialize(self, option: str, path: str) -> None:
        """A file or directory at the base, written below `tree` under its own path."""
        names = [path] if self.reader.read(path) is not None else self.reader.list_dir(path)
        if not names:
            raise _missing(option, path, self.reader.commit, self._in_head(path))
        for name in names:
            content = self.reader.read(name)
            if content is not None:
                target = self.tree / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
        self.paths.append(path)

    def section_paths(self, option: str, values: Sequence[str],
                      config_dir: str | None = None) -> list[str]:
        """Policy paths for a config section whose directory is `tree`: repository paths
        (materialized from the base), or absolute paths outside the repository. `values`
        are relative to the current directory (command-line options) or, with
        `config_dir`, to the config file's directory (its own entries)."""
        resolved = []
        for value in values:
            if config_dir is not None and not os.path.isabs(value):
                relative: str | None = normalize_path(posixpath.join(config_dir, value))
                if relative == ".." or relative.startswith("../"):
                    relative = None
                outside = os.path.abspath((self.root or Path.cwd()) / config_dir / value)
            else:
                relative = repo_path(value, self.root)
                outside = os.path.abspath(value)
            if relative is not None:
                self.materialize(option, relative)
            resolved.append(relative if relative is not None else outside)
        return resolved
