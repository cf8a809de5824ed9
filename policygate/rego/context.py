"""`data.policygate`: what a policy may know about the document besides its content.

Built here and only here, as plain JSON, so later features add their facts in one place:
the diff of the change (diff mode) and the pull-request facts (approvals) become more
keys of the same dict.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policygate.engines import DocumentRef

CONTEXT_VERSION = 1


def document_context(ref: DocumentRef, run: dict[str, Any] | None = None) -> dict[str, Any]:
    """The context of one document: its file, position in the file and identity, on top
    of the run's facts (`diff`: the change; `pr`: the pull request and its approvals)."""
    return {
        **(run or {}),
        "version": CONTEXT_VERSION,
        "file": ref.file,
        "document": ref.index,
        "kind": ref.kind,
        "resource": ref.resource.to_json() if ref.resource is not None else None,
        "combined": False,
    }


def combined_context(refs: Sequence[DocumentRef],
                     run: dict[str, Any] | None = None) -> dict[str, Any]:
    """The context of a --combine evaluation: every file in the combined input."""
    return {
        **(run or {}),
        "version": CONTEXT_VERSION,
        "files": sorted({ref.file for ref in refs}),
        "documents": len(refs),
        "combined": True,
    }


def combined_input(refs: Sequence[DocumentRef]) -> list[dict[str, Any]]:
    """Conftest's --combine input: `[{"path": file, "contents": document}, ...]`."""
    return [{"path": ref.file, "contents": ref.data} for ref in refs]


def describe(ref: DocumentRef) -> str:
    """How messages name a document: `deploy/web.yaml document 2 (Deployment/shop/web)`."""
    who = f" ({ref.resource})" if ref.resource is not None else ""
    return f"{ref.file} document {ref.index + 1}{who}"
