"""The cluster one side of a change describes, for the engines that judge all documents
at once.

A diff judges only what the change touches, but Gatekeeper's referential templates
(`data.inventory`), its namespaceSelectors and `--combine` policies ask about the rest
of the cluster too. That cluster is the repository as the deployers build it: the
rendered objects of every kustomize root and chart — those the change does not touch are
rendered for this, through the run's render cache, so an overlay that is the same at the
base and the head renders once — and a file as written only where nothing renders it: a
base, a patch or a chart template is never an object of its own. A side is read once,
and only when an engine asks for it (PolicyEngine.cluster_need); `--filter-mode new`
describes the base too, so that each side's findings are judged against its own cluster.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
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
    from policygate.sources.changes import ChangeSet

NAMESPACES = "namespaces"   # an engine needs the Namespaces only (namespaceSelector)
EVERYTHING = "everything"   # ... every object (data.inventory, a --combine policy)
MISSING = ("; its objects are missing from the cluster the change is judged against "
           "(Gatekeeper's data.inventory and Namespaces, --combine policies)")


@dataclass(slots=True)
class Inventory:
    """One side of a change as a cluster: its files, minus what renders consume, plus
    the renders of the roots the change does not touch (`renders`)."""

    files: GitFiles
    limits: Limits
    consumed: set[str] = field(default_factory=set)
    renders: list[Judged] = field(default_factory=list)
    head: bool = True           # a failed render is said on the head; the base only compares
    # (name, content) -> its documents: shared by a change's base and head, so a file the
    # change does not touch is parsed once.
    parsed: dict[tuple[str, bytes], list[DocumentRef]] = field(default_factory=dict)
    # The base: a renamed file is judged under its new name, and is the same file as the
    # old name in this state (never twice in the cluster).
    renamed: dict[str, str] = field(default_factory=dict)

    def documents(self, skip: set[str]) -> list[DocumentRef]:
        """Every document of the side but the files in `skip` (those the run judges)."""
        from policygate.parsers import parse_bytes
        from policygate.render.judge import read_output

        limits = self.limits
        skip = skip | {self.renamed[name] for name in skip if name in self.renamed}
        names = [name for name, path in self.files.paths.items()
                 if name not in skip and path not in self.consumed]
        refs: list[DocumentRef] = []
        for name, raw in self.files.contents(names):
            if not isinstance(raw, bytes):
                continue  # the scan reports unreadable files it checks
            if (name, raw) not in self.parsed:
                self.parsed[name, raw] = _refs(parse_bytes(raw, name, limits).documents)
            refs += self.parsed[name, raw]
        for item in self.renders:
            if item.render.output is not None and not item.render.failures:
                found = _refs(read_output(item.render, item.placer, limits)[0].documents)
                item.render.resources = sum(1 for ref in found if ref.kind is not None)
                refs += found
        return refs

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


def cluster_need(engines: Sequence[PolicyEngine]) -> str | None:
    """How much of the cluster the combined engines of a run read (None: nothing)."""
    needs = {engine.cluster_need for engine in engines if engine.combined}
    return EVERYTHING if EVERYTHING in needs else NAMESPACES if NAMESPACES in needs else None


def change_inventories(root: Path, config: Config, changes: ChangeSet,
                       renders: DiffRenders | None, need: str, with_base: bool
                       ) -> tuple[Inventory, Inventory | None]:
    """The head's cluster, and the base's for `new` mode; their renders start now (the
    scan runs while they do)."""
    from policygate.gatekeeper.repo import GitFiles

    sides: dict[str, Inventory] = {}
    parsed: dict[tuple[str, bytes], list[DocumentRef]] = {}
    for name, revision in (("head", changes.head), ("base", changes.base)):
        if name == "base" and not with_base:
            break
        tree = renders.sides[name].side.tree if renders is not None else None
        files = GitFiles(root, revision, config.include, config.exclude, tree)
        consumed, context = renders.context(name, need == NAMESPACES) if renders is not None \
            else (set(), [])
        sides[name] = Inventory(files, config.limits, consumed, context, name == "head", parsed)
    if "base" in sides:
        from policygate.sources.files import printable

        sides["base"].renamed = {printable(c.path): printable(c.old_path)
                                 for c in changes.changes if c.status == "R" and c.old_path}
    return sides["head"], sides.get("base")
