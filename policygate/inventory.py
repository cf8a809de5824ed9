"""The cluster one side of a change describes, for the engines that judge all documents
at once.

A diff judges only what the change touches, but Gatekeeper's referential templates
(`data.inventory`), its namespaceSelectors and `--combine` policies ask about the rest
of the cluster too. That cluster is the repository as the deployers build it: the
rendered objects of every kustomize root and chart — those the change does not touch are
rendered for this, through the run's render cache, so an overlay that is the same at the
base and the head renders once — and a file as written only where nothing renders it: a
base, a patch or a chart template is never an object of its own. A side is read once,
and only when an engine asks for it (PolicyEngine.cluster_need), and only as far as it
asks: a template that reads `data.inventory.namespace[ns][_]["Ingress"]` needs the
Ingresses (and the matcher the Namespaces), so only files and renders that can hold one
are read — a file that never names the kind holds no such object (YAML and JSON spell a
kind out; a string with escapes has a backslash, and a file in UTF-16 a NUL byte: those
are read anyway). `--filter-mode new` describes the base too, so that each side's
findings are judged against its own cluster.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from policygate.model import Finding, Severity

if TYPE_CHECKING:
    from policygate.config import Config
    from policygate.engines import DocumentRef, PolicyEngine
    from policygate.gatekeeper.repo import GitFiles
    from policygate.model import Document
    from policygate.parsers.yaml import Limits
    from policygate.render.diffmode import DiffRenders
    from policygate.render.session import Judged
    from policygate.sources.select import SourceSelection

# What an engine reads of the cluster: the kinds of the objects, or every document
# (a --combine policy, a template that reads any kind).
EVERYTHING = frozenset({"*"})
# kustomize makes these kinds without the files naming them.
_GENERATORS = {"ConfigMap": b"configMapGenerator", "Secret": b"secretGenerator"}
MISSING = ("; its objects are missing from the cluster the change is judged against "
           "(Gatekeeper's data.inventory and Namespaces, --combine policies)")


@dataclass(slots=True)
class Inventory:
    """One side of a change as a cluster: its files, minus those the run judges and
    those renders consume, plus the renders of the roots the change does not touch."""

    files: GitFiles
    limits: Limits
    judged: set[str] = field(default_factory=set)
    kinds: frozenset[str] = EVERYTHING       # what the engines read (cluster_need)
    consumed: set[str] = field(default_factory=set)
    renders: list[Judged] = field(default_factory=list)
    head: bool = True           # a failed render is said on the head; the base only compares
    # (name, content) -> its documents: shared by a change's base and head, so a file the
    # change does not touch is parsed once.
    parsed: dict[tuple[str, bytes], list[DocumentRef]] = field(default_factory=dict)
    # The base: a renamed file is judged under its new name, and is the same file as the
    # old name in this state (never twice in the cluster).
    renamed: dict[str, str] = field(default_factory=dict)
    _read: list[DocumentRef] | None = None   # the files' documents, once read

    def read_files(self, poll: Callable[[], None] | None = None) -> list[DocumentRef]:
        """The documents of the side's files (once): called while the renders run,
        `poll` keeps them going."""
        if self._read is not None:
            return self._read
        from policygate.parsers import parse_bytes

        skip = self.judged | {self.renamed[name] for name in self.judged
                              if name in self.renamed}
        names = [name for name, path in self.files.paths.items()
                 if name not in skip and path not in self.consumed]
        words = signs(self.kinds)
        self._read = []
        for name, raw in self.files.contents(names):
            # (the scan reports the unreadable files it checks)
            if not isinstance(raw, bytes) or words is not None and not _may_hold(raw, words):
                continue
            if (name, raw) not in self.parsed:
                self.parsed[name, raw] = _refs(parse_bytes(raw, name, self.limits).documents)
                if poll is not None:
                    poll()
            self._read += self.parsed[name, raw]
        return self._read

    def documents(self) -> list[DocumentRef]:
        """Every document of the side the run does not judge, once the renders are done."""
        from policygate.render.judge import read_output

        refs = list(self.read_files())
        for item in self.renders:
            if item.render.output is not None and not item.render.failures:
                found = _refs(read_output(item.render, item.placer, self.limits)[0].documents)
                item.render.resources = sum(1 for ref in found if ref.kind is not None)
                refs += found
        if self.kinds == EVERYTHING:
            return refs
        return [ref for ref in refs
                if isinstance(ref.data, dict) and ref.data.get("kind") in self.kinds]

    def notes(self) -> list[Finding]:
        """A render that failed leaves its objects out of the cluster: a note says so."""
        if not self.head:
            return []
        return [dataclasses.replace(item.render.failures[0], severity=Severity.NOTE,
                                    message=item.render.failures[0].message + MISSING)
                for item in self.renders if item.render.failures]


def _refs(documents: Sequence[Document]) -> list[DocumentRef]:
    from policygate.classify import KUBERNETES, document_kind
    from policygate.engines import as_ref
    from policygate.kubernetes import as_resource

    refs = []
    for position, document in enumerate(documents):
        kind = document_kind(document)
        resource = as_resource(document) if kind == KUBERNETES else None
        refs.append(as_ref(document, position, kind, resource.id if resource else None))
    return refs


def cluster_need(engines: Sequence[PolicyEngine]) -> frozenset[str] | None:
    """What the combined engines of a run read of the cluster (None: nothing)."""
    needs = [need for engine in engines if engine.combined
             for need in [engine.cluster_need] if need is not None]
    if not needs:
        return None
    return EVERYTHING if EVERYTHING in needs else frozenset().union(*needs)


def signs(kinds: frozenset[str]) -> tuple[bytes, ...] | None:
    """What a file holding an object of one of `kinds` contains (None: any file may)."""
    if kinds == EVERYTHING:
        return None
    return (*(kind.encode() for kind in sorted(kinds)),
            *(_GENERATORS[kind] for kind in sorted(kinds) if kind in _GENERATORS), b"\\")


def _may_hold(raw: bytes, words: tuple[bytes, ...]) -> bool:
    return b"\0" in raw or any(word in raw for word in words)


def change_inventories(root: Path, config: Config, selection: SourceSelection,
                       renders: DiffRenders | None, need: frozenset[str]
                       ) -> tuple[Inventory, Inventory | None]:
    """The head's cluster, and the base's for `new` mode (`selection.base_sources`);
    their renders start now (the scan runs while they do)."""
    from policygate.gatekeeper.repo import GitFiles

    changes = selection.changes
    assert changes is not None
    sides: dict[str, Inventory] = {}
    parsed: dict[tuple[str, bytes], list[DocumentRef]] = {}
    for name, revision, judged in (("head", changes.head, selection.sources),
                                   ("base", changes.base, selection.base_sources)):
        if judged is None:
            break
        tree = renders.sides[name].side.tree if renders is not None else None
        files = GitFiles(root, revision, config.include, config.exclude, tree)
        consumed, context = renders.context(name, signs(need)) if renders is not None \
            else (set(), [])
        sides[name] = Inventory(files, config.limits, {s.display for s in judged}, need,
                                consumed, context, name == "head", parsed)
    if "base" in sides:
        from policygate.sources.files import printable

        sides["base"].renamed = {printable(c.path): printable(c.old_path)
                                 for c in changes.changes if c.status == "R" and c.old_path}
    return sides["head"], sides.get("base")
