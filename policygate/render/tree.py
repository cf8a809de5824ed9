"""Read a repository's files as of one state: the working tree, a commit or the index.

Rendering needs whole directories of inputs (a kustomization and everything it
consumes), at the base and at the head of a change. Both are read through the same
interface, so the base of a pull request is rendered from git objects exactly like the
head, and a render never sees a file outside the repository: paths are repository-
relative, `..` past the root is refused, and symlinks are followed only inside.
"""
from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from policygate.sources.files import SKIPPED_DIRS
from policygate.sources.links import SUBMODULE_MODE, SYMLINK_MODE, entry_kind, follow


def normalize(directory: str, target: str) -> str | None:
    """`target` (relative to `directory`) as a repository path; None past the root."""
    joined = posixpath.normpath(posixpath.join(directory, target))
    if joined == ".." or joined.startswith("../") or posixpath.isabs(joined):
        return None
    return "" if joined == "." else joined


class Tree(Protocol):
    label: str

    def read_many(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        """Contents of regular files (None: absent, a directory, or leads outside)."""

    def is_dir(self, path: str) -> bool: ...

    def exists(self, path: str) -> bool: ...

    def files_under(self, directory: str) -> list[str]:
        """Every file below a directory, sorted (skipping VCS and dependency folders)."""

    def find_named(self, names: frozenset[str], under: Iterable[str] = ("",)) -> list[str]:
        """Files with one of these base names below the given directories, sorted."""


def _skipped(path: str) -> bool:
    return any(part in SKIPPED_DIRS for part in path.split("/")[:-1])


class DiskTree:
    """The working tree below `root`."""

    label = "working tree"

    def __init__(self, root: Path) -> None:
        self.root = root
        self._real_root = root.resolve()
        self._walked: dict[str, dict[str, list[str]]] = {}

    def _inside(self, path: str) -> Path | None:
        full = self.root / path if path else self.root
        try:
            real = full.resolve(strict=True)
            real.relative_to(self._real_root)
        except (OSError, RuntimeError, ValueError):
            return None
        return real

    def read_many(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        result: dict[str, bytes | None] = {}
        for path in paths:
            real = self._inside(path)
            try:
                result[path] = real.read_bytes() if real is not None and real.is_file() else None
            except OSError:
                result[path] = None
        return result

    def is_dir(self, path: str) -> bool:
        real = self._inside(path)
        return real is not None and real.is_dir()

    def exists(self, path: str) -> bool:
        return self._inside(path) is not None

    def files_under(self, directory: str) -> list[str]:
        found = []
        base = self.root / directory if directory else self.root
        for current, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            relative = Path(current).relative_to(self.root).as_posix()
            for name in sorted(files):
                found.append(name if relative == "." else f"{relative}/{name}")
        return found

    def find_named(self, names: frozenset[str], under: Iterable[str] = ("",)) -> list[str]:
        found: set[str] = set()
        for directory in under:
            for name in names:
                found.update(self._walk(directory).get(name, ()))
        return sorted(found)

    def _walk(self, directory: str) -> dict[str, list[str]]:
        """Every file below a directory by base name; walked once per tree (the check
        asks first whether anything renders, then the planner asks for the same files)."""
        if directory not in self._walked:
            by_name: dict[str, list[str]] = {}
            base = self.root / directory if directory else self.root
            if not base.is_file():
                for current, dirs, files in os.walk(base):
                    dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
                    relative = Path(current).relative_to(self.root).as_posix()
                    for name in files:
                        by_name.setdefault(name, []).append(
                            name if relative == "." else f"{relative}/{name}")
            self._walked[directory] = by_name
        return self._walked[directory]


class _Unread(Exception):
    """A link on the path whose target is not read yet (read in a batch, then again)."""

    def __init__(self, object_id: str) -> None:
        super().__init__(object_id)
        self.object_id = object_id


class GitTree:
    """A commit's tree, or the index (`revision=None`), read through git objects."""

    def __init__(self, git: object, revision: str | None) -> None:
        from policygate.sources.git import Git

        assert isinstance(git, Git)
        self.git = git
        self.revision = revision
        self.label = revision[:12] if revision else "index"
        self._entries: dict[str, tuple[str, str]] | None = None
        self._dirs: set[str] | None = None
        self._by_name: dict[str, list[str]] | None = None
        self._targets: dict[str, bytes] = {}   # link object id -> its target, read once

    @property
    def entries(self) -> dict[str, tuple[str, str]]:
        """path -> (mode, object id), listed once."""
        if self._entries is None:
            entries: dict[str, tuple[str, str]] = {}
            if self.revision is None:
                for record in self.git.run("ls-files", "-s", "-z").split(b"\0"):
                    if record:
                        meta, _, path = record.partition(b"\t")
                        mode, object_id, stage = meta.decode().split()
                        if stage in ("0", "2"):  # an unmerged entry: take "ours"
                            entries[path.decode("utf-8", "surrogateescape")] = (mode, object_id)
            else:
                for record in self.git.run("ls-tree", "-r", "-z", "--full-tree",
                                           self.revision).split(b"\0"):
                    if record:
                        meta, _, path = record.partition(b"\t")
                        mode, _kind, object_id = meta.decode().split()
                        entries[path.decode("utf-8", "surrogateescape")] = (mode, object_id)
            self._entries = entries
        return self._entries

    @property
    def dirs(self) -> set[str]:
        if self._dirs is None:
            dirs = {""}
            for path in self.entries:
                parts = path.split("/")[:-1]
                for index in range(1, len(parts) + 1):
                    dirs.add("/".join(parts[:index]))
            self._dirs = dirs
        return self._dirs

    def _kind(self, path: str) -> str | None:
        entry = self.entries.get(path)
        return entry_kind(entry[0] if entry else None, lambda: path in self.dirs)

    def _target(self, path: str) -> str:
        target = self._targets.get(self.entries[path][1])
        if target is None:
            raise _Unread(self.entries[path][1])
        return target.decode("utf-8", "surrogateescape")

    def _resolve(self, path: str) -> tuple[str | None, str | None]:
        """Follow symlinks inside the tree (sources.links: a kustomization may name a
        directory through a link) -> (the final path, or None when it leads nowhere in
        the tree; the object id of a link whose target is not read yet)."""
        try:
            return follow(path, self._kind, self._target)[0], None
        except _Unread as unread:
            return path, unread.object_id

    def resolved(self, paths: Iterable[str]) -> dict[str, str | None]:
        """Where each path leads through symlinks inside the tree (None: out of it)."""
        paths = list(paths)
        while True:  # read link targets hop by hop, each hop in one batch
            pending = {unread for path in paths for unread in [self._resolve(path)[1]]
                       if unread is not None}
            if not pending:
                break
            self._targets.update(self.git.read_blobs(sorted(pending)))
        return {path: self._resolve(path)[0] for path in paths}

    def read_many(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        targets = self.resolved(paths)
        ids = {target: self.entries[target][1] for target in targets.values()
               if target is not None and target in self.entries
               and self.entries[target][0] not in (SYMLINK_MODE, SUBMODULE_MODE)}
        blobs = self.git.read_blobs(sorted(set(ids.values())))
        return {path: blobs.get(ids[target]) if target in ids else None
                for path, target in targets.items()}

    def is_dir(self, path: str) -> bool:
        return self.resolved([path])[path] in self.dirs

    def exists(self, path: str) -> bool:
        final = self.resolved([path])[path]
        return final in self.entries or final in self.dirs

    def files_under(self, directory: str) -> list[str]:
        """Below a directory named through a link: its target's files, under the name."""
        real = self.resolved([directory])[directory] if directory else ""
        if real is None:
            return []
        prefix = f"{real}/" if real else ""
        named = f"{directory}/" if directory else ""
        return sorted(named + p[len(prefix):] for p in self.entries
                      if p.startswith(prefix) and not _skipped(p)
                      and self.entries[p][0] != SUBMODULE_MODE)

    def grep(self, needles: Iterable[bytes], suffixes: Sequence[str] = ("*.yaml", "*.yml")
             ) -> list[str]:
        """Files (YAML unless told) that contain any of these strings (git grep, fixed
        strings)."""
        patterns = [arg for needle in needles for arg in ("-e", needle.decode())]
        where = [self.revision] if self.revision else ["--cached"]
        output = self.git.run("grep", "-l", "-z", "-F", "-I", *patterns, *where, "--",
                              *suffixes, check=False)
        prefix = f"{self.revision}:" if self.revision else ""
        return sorted(p.decode("utf-8", "surrogateescape").removeprefix(prefix)
                      for p in output.split(b"\0") if p)

    def find_named(self, names: frozenset[str], under: Iterable[str] = ("",)) -> list[str]:
        if self._by_name is None:  # one pass over the listing, for every name asked later
            self._by_name = {}
            for path in self.entries:
                if not _skipped(path):
                    self._by_name.setdefault(path.rpartition("/")[2], []).append(path)
        prefixes = tuple(f"{d}/" if d else "" for d in under)
        return sorted(p for name in names for p in self._by_name.get(name, ())
                      if p.startswith(prefixes))
