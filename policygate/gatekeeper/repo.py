"""The repository's files as of one state, for what is read beyond the checked files.

`gatekeeper.from_repo` policy objects and a diff's described cluster (`data.inventory`,
the Namespaces, the rest of a `--combine` input: policygate.inventory, which adds what
renders make of the files) come from every file a full check would read — but not from
the same state. The policy is the gate: in pull-request mode it is the base commit's, so a pull
request cannot weaken, delete or dry-run the constraint that judges it (its own versions
are data, and changing them is `approval/policy-changed`). The cluster is what the change
produces: the change's head (a commit, or the index for `--staged`), read from git
objects like the checked files themselves — never a working tree that may hold the base
(a `pull_request_target` checkout) or edits nobody committed. A plain check reads the
working tree for both.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from policygate.gatekeeper.loader import holds_policy, read_files
from policygate.parsers.yaml import Limits
from policygate.sources.files import collect, printable, wanted

if TYPE_CHECKING:
    from policygate.render.tree import GitTree

MARKER = b"gatekeeper.sh"
_SUFFIXES = ("*.yaml", "*.yml", "*.json")
_CHUNK = 512  # blobs read per batch: memory stays bounded in large repositories


class RepoFiles(Protocol):
    label: str

    def names(self) -> list[str]:
        """Display names of every file a full check would read, in this state."""
        ...

    def contents(self, names: Iterable[str]) -> Iterator[tuple[str, bytes | OSError]]:
        """(name, content) of those files (an error for a file that cannot be read)."""
        ...

    def marked(self) -> list[str]:
        """The names whose content mentions `gatekeeper.sh` (may hold policy objects)."""
        ...


def policy_files(state: RepoFiles, limits: Limits) -> list[tuple[str, bytes]]:
    """The files of a state that hold ConstraintTemplates or Constraints, with content."""
    return [(name, raw) for name, raw in state.contents(state.marked())
            if isinstance(raw, bytes) and holds_policy(raw, name, limits)]


class DiskFiles:
    """The working tree, as `policygate check .` walks it."""

    label = "working tree"

    def __init__(self, root: Path | None, include: tuple[str, ...], exclude: tuple[str, ...],
                 limits: Limits) -> None:
        self.root, self.include, self.exclude, self.limits = root, include, exclude, limits
        self._paths: dict[str, str] | None = None

    @property
    def paths(self) -> dict[str, str]:
        if self._paths is None:
            top = str(self.root) if self.root is not None else "."
            sources, _ = collect((top,), self.root, self.include, self.exclude)
            self._paths = {source.display: source.path for source in sources}
        return self._paths

    def names(self) -> list[str]:
        return list(self.paths)

    def contents(self, names: Iterable[str]) -> Iterator[tuple[str, bytes | OSError]]:
        return read_files(((self.paths[name], name) for name in names), self.limits)

    def marked(self) -> list[str]:
        return [name for name, raw in self.contents(self.names())
                if isinstance(raw, bytes) and MARKER in raw]


class GitFiles:
    """A commit's tree, or the index (`revision` None), read from git objects."""

    def __init__(self, root: Path, revision: str | None, include: tuple[str, ...],
                 exclude: tuple[str, ...], tree: GitTree | None = None) -> None:
        """`tree`: the state's tree when the caller has listed it already."""
        from policygate.render.tree import GitTree
        from policygate.sources.git import Git

        self.tree = tree if tree is not None else GitTree(Git(root), revision)
        self.label = self.tree.label
        self.include, self.exclude = include, exclude
        self._paths: dict[str, str] | None = None

    @property
    def paths(self) -> dict[str, str]:
        if self._paths is None:
            from policygate.render.markers import CHART_FILE

            # (the tree's index by base name: the render planner has usually built it)
            charts = {path.rpartition("/")[0]
                      for path in self.tree.find_named(frozenset({CHART_FILE}))}
            self._paths = {printable(path): path for path in self.tree.files_under("")
                           if wanted(path, self.include, self.exclude)
                           and not _helm_template(path, charts)}
        return self._paths

    def names(self) -> list[str]:
        return list(self.paths)

    def contents(self, names: Iterable[str]) -> Iterator[tuple[str, bytes | OSError]]:
        names = list(names)
        for start in range(0, len(names), _CHUNK):
            chunk = {self.paths[name]: name for name in names[start:start + _CHUNK]}
            for path, content in self.tree.read_many(chunk).items():
                if content is not None:  # a link leading out of the tree is not read
                    yield chunk[path], content

    def marked(self) -> list[str]:
        found = set(self.tree.grep([MARKER], _SUFFIXES))
        return [name for name, path in self.paths.items() if path in found]


def _helm_template(path: str, charts: set[str]) -> bool:
    """Below a chart's `templates/` (Go templates, never read as YAML by a full check)."""
    parts = path.split("/")
    return any(parts[index] == "templates" and "/".join(parts[:index]) in charts
               for index in range(len(parts) - 1))
