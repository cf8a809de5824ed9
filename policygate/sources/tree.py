"""The files of a commit (or of the index) by path, to follow symlinks as a checkout would.

A link inside the repository is checked as the content it points to, under its own name
(what `kubectl apply -f deploy/` reads through it); a link that leaves the repository, is
broken or loops, or names a directory or a submodule, is not followed. Everything is read
from git objects: the working tree is never consulted.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass

from policygate.sources.files import DIRECTORY, INTO_SUBMODULE
from policygate.sources.links import IS_DIRECTORY, IS_FILE, IS_SUBMODULE, entry_kind, follow
from policygate.sources.git import Git, Started


@dataclass(frozen=True, slots=True)
class Entry:
    mode: str
    id: str


@dataclass(frozen=True, slots=True)
class Resolved:
    path: str        # the regular file at the end of the links
    blob: str


class Tree:
    """Entries of one tree, parsed only when a link must be resolved (most trees have no
    links, and listing 10,000 files must cost milliseconds); link targets are read from
    git in one batch, on first use. `known` (link blob id -> target) may be shared with
    another tree of the same repository: the base and the head mostly hold the same
    links, and each target is read once."""

    def __init__(self, git: Git, records: list[bytes], index: bool = False,
                 known: dict[str, str] | None = None) -> None:
        self.git = git
        self.known: dict[str, str] = {} if known is None else known
        self._records = records
        self._index = index
        self._entries: dict[str, Entry] | None = None
        self.links = [self._path(r) for r in records if r.startswith(b"120000 ")
                      and (not index or self._stage(r) == b"0")]
        self._targets: dict[str, str] | None = None
        self._directories: set[str] | None = None

    @staticmethod
    def list(git: Git, commit: str | None) -> Started:
        """Start listing a commit's tree, or the index (None) as the next commit would
        hold it (conflicted entries are left out: the caller reports them as unmerged)."""
        if commit is None:
            return git.start("ls-files", "-s", "-z")
        return git.start("ls-tree", "-r", "-z", "--full-tree", commit)

    @classmethod
    def listed(cls, git: Git, listing: Started, index: bool,
               known: dict[str, str] | None = None) -> Tree:
        return cls(git, listing.output().split(b"\0"), index, known)

    @classmethod
    def of_commit(cls, git: Git, commit: str, known: dict[str, str] | None = None) -> Tree:
        return cls.listed(git, cls.list(git, commit), False, known)

    @staticmethod
    def _path(record: bytes) -> str:
        return record.partition(b"\t")[2].decode("utf-8", "surrogateescape")

    @staticmethod
    def _stage(record: bytes) -> bytes:
        return record.partition(b"\t")[0].rsplit(b" ", 1)[1]

    @property
    def entries(self) -> dict[str, Entry]:
        """Path -> (mode, object id): `ls-tree` prints `mode type id`, `ls-files -s`
        prints `mode id stage`."""
        if self._entries is None:
            self._entries = {}
            for record in self._records:
                if not record or self._index and self._stage(record) != b"0":
                    continue
                meta, _, path = record.partition(b"\t")
                fields = meta.decode().split(" ")
                self._entries[path.decode("utf-8", "surrogateescape")] = Entry(
                    fields[0], fields[1] if self._index else fields[2])
        return self._entries

    def _target(self, link: str) -> str:
        if self._targets is None:
            missing = sorted({self.entries[path].id for path in self.links} - self.known.keys())
            if missing:
                self.known.update({blob: content.decode("utf-8", "surrogateescape")
                                   for blob, content in self.git.read_blobs(missing).items()})
            self._targets = {path: self.known[self.entries[path].id] for path in self.links}
        return self._targets[link]

    def _is_directory(self, path: str) -> bool:
        if self._directories is None:
            self._directories = {parent for name in self.entries
                                 for parent in _parents(name)}
        return path in self._directories

    def _kind(self, path: str) -> str | None:
        entry = self.entries.get(path)
        return entry_kind(entry.mode if entry else None, lambda: self._is_directory(path))

    def resolve(self, path: str) -> Resolved | str:
        """The regular file `path` leads to, or why it is not followed."""
        final, problem = follow(path, self._kind, self._target)
        if final is None:
            assert problem is not None
            return problem
        kind = self._kind(final) if final else IS_DIRECTORY
        if kind == IS_FILE:
            return Resolved(final, self.entries[final].id)
        return INTO_SUBMODULE if kind == IS_SUBMODULE else DIRECTORY


def _parents(path: str) -> list[str]:
    parents = []
    directory = posixpath.dirname(path)
    while directory:
        parents.append(directory)
        directory = posixpath.dirname(directory)
    return parents
