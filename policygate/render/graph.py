"""The kustomizations of a tree and what each one consumes, transitively.

An overlay is what a cluster deploys; the base it builds on and the patches it applies
are parts. So the directories rendered are the roots: kustomizations that no other
kustomization in view includes and that are not Components. Every file a build reads
(its closure) is known before kustomize runs: it is copied into the render's private
tree, hashed for the render cache, and used to find every overlay a changed file
re-renders.
"""
from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field

from policygate.render.kustomization import (
    KUSTOMIZATION_FILES, Kustomization, Reference, parse_kustomization, remote_problem)
from policygate.render.tree import Tree

_NAMES = sorted(KUSTOMIZATION_FILES)


@dataclass(slots=True)
class Refusal:
    """A reference a contained render does not follow, and where it is written."""

    kustomization: Kustomization
    reference: Reference


@dataclass(slots=True)
class Closure:
    directory: str
    files: set[str] = field(default_factory=set)         # every input, kustomization files too
    kustomizations: list[Kustomization] = field(default_factory=list)  # the root first
    refusals: list[Refusal] = field(default_factory=list)
    broken: list[Kustomization] = field(default_factory=list)  # unreadable kustomization files


def _join(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory else name


class KustomizeGraph:
    """Kustomizations of one tree, read once and shared by every closure."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self._by_dir: dict[str, Kustomization | None] = {}
        self._closures: dict[str, Closure] = {}

    def discover(self, under: Iterable[str] = ("",)) -> list[str]:
        """Directories holding a kustomization below `under`, read in one batch."""
        files = self.tree.find_named(KUSTOMIZATION_FILES, under)
        self._load_files(files)
        return sorted({posixpath.dirname(f) for f in files})

    def _load_files(self, files: list[str]) -> None:
        contents = self.tree.read_many(files)
        for file in files:  # the first name kustomize would pick, when several exist
            directory = posixpath.dirname(file)
            current = self._by_dir.get(directory)
            if current is None or _NAMES.index(posixpath.basename(file)) < \
                    _NAMES.index(posixpath.basename(current.file)):
                self._by_dir[directory] = parse_kustomization(file, contents[file])

    def kustomization(self, directory: str) -> Kustomization | None:
        if directory not in self._by_dir:
            candidates = [_join(directory, name) for name in _NAMES]
            contents = self.tree.read_many(candidates)
            present = [c for c in candidates if contents[c] is not None]
            self._by_dir[directory] = parse_kustomization(present[0], contents[present[0]]) \
                if present else None
        return self._by_dir[directory]

    def closure(self, directory: str) -> Closure:
        if directory not in self._closures:
            closure = Closure(directory)
            self._walk(directory, closure, set())
            self._closures[directory] = closure
        return self._closures[directory]

    def _walk(self, directory: str, closure: Closure, seen: set[str]) -> None:
        if directory in seen:
            return
        seen.add(directory)
        kustomization = self.kustomization(directory)
        if kustomization is None:
            return
        closure.kustomizations.append(kustomization)
        closure.files.add(kustomization.file)
        if kustomization.problem is not None:
            closure.broken.append(kustomization)
        for reference in kustomization.references:
            if reference.host_like and reference.path is not None \
                    and not self.tree.exists(reference.path):
                reference = dataclasses.replace(reference, path=None, problem=remote_problem(
                    reference.field, reference.written))
            if reference.path is None:
                closure.refusals.append(Refusal(kustomization, reference))
            elif self.tree.is_dir(reference.path):
                self._walk(reference.path, closure, seen)
            else:
                closure.files.add(reference.path)

    def included_dirs(self, directory: str) -> set[str]:
        """Kustomization directories one kustomization includes directly."""
        kustomization = self.kustomization(directory)
        if kustomization is None:
            return set()
        return {r.path for r in kustomization.references
                if r.path is not None and self.tree.is_dir(r.path)
                and self.kustomization(r.path) is not None}

    def roots(self, directories: Iterable[str]) -> list[str]:
        """The directories among these that are deployed, not parts of another."""
        directories = list(directories)
        included = {d for directory in directories for d in self.included_dirs(directory)}
        return [d for d in directories if d not in included and not self._component(d)]

    def _component(self, directory: str) -> bool:
        kustomization = self.kustomization(directory)
        return kustomization is not None and kustomization.component

    def consumed(self, directories: Iterable[str]) -> set[str]:
        """Files that are inputs of these kustomizations: parts, not manifests alone."""
        files: set[str] = set()
        for directory in directories:
            files |= self.closure(directory).files
        return files
