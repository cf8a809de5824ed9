"""The interface between the pipeline and policy engines that are not built-in rules.

Rego (and Gatekeeper templates, which are Rego) plug in here. An engine judges one
document at a time and answers with violations — field paths, never line numbers — that
the pipeline locates, configures and suppresses exactly like built-in findings. An
engine that cannot give an answer reports a failure, which makes the run exit 2: a
check that did not run is never a pass.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from policygate.model import Document, Finding, ResourceId, Violation


@dataclass(slots=True)
class EngineResult:
    violations: list[Violation] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass(slots=True)
class CombinedResult:
    """Results of one evaluation over all documents at once (Conftest's --combine).

    Each violation comes with the index of the document it is about, in the list that
    was passed to `check_combined`, or None when the policy did not say (then it is
    reported at the first document)."""

    violations: list[tuple[int | None, Violation]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # Findings about files that are not among the documents (the policy files themselves,
    # e.g. a Gatekeeper template that cannot run), already located; configured like the rest.
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document as an engine sees it: plain data plus where it came from."""

    file: str
    index: int                    # the YAML document's number in the file
    position: int                 # its place among the file's documents (List items apart)
    kind: str | None              # policygate.classify kind, None for other YAML
    resource: ResourceId | None
    data: object


class PolicyEngine(Protocol):
    source: str                   # "rego", "gatekeeper": the finding's `source`
    families: frozenset[str]      # rule families its findings use, e.g. {"rego"}
    # A combined engine judges all documents at once: the pipeline never asks it per
    # document, but collects every parsed document and calls `check_combined` once, in
    # the main process, after the per-file scan (policygate.combine).
    combined: bool
    # What a combined engine reads of the cluster beyond the documents it judges, when a
    # run judges only part of it (a diff): the kinds of objects, policygate.inventory's
    # EVERYTHING, or None.
    cluster_need: frozenset[str] | None

    def check_documents(self, documents: Sequence[DocumentRef]) -> list[EngineResult]:
        """Judge a file's documents, one result each (engines that are not combined).
        Called in whichever process checks the file (possibly a forked worker): create
        process-bound state lazily."""
        ...

    def check_combined(self, documents: Sequence[DocumentRef],
                       context: Sequence[DocumentRef] = ()) -> CombinedResult:
        """Judge every document at once (combined engines), among the rest of the
        cluster (`context`: seen, never judged; indexes go on after `documents`)."""
        ...

    def close(self) -> None:
        """Release processes or connections; called once per process that used it."""
        ...


def as_ref(document: Document, position: int, kind: str | None,
           resource: ResourceId | None) -> DocumentRef:
    return DocumentRef(document.file, document.index, position, kind, resource, document.data)
