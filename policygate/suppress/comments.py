"""`# policygate: ignore[rule,...] reason` comments in YAML manifests.

A comment on a line covers that line; a comment on its own line covers the next
non-comment line; a comment on a document's first line, or on the comment lines just
above it, covers the whole resource.
"""
from __future__ import annotations

import re

from policygate.model import Document
from policygate.parsers.lines import source_lines
from policygate.suppress import Directive

_DIRECTIVE = re.compile(r"(?:^|\s)#\s*policygate:\s*ignore\[(?P<rules>[^\]]*)\](?P<reason>.*)$")
_MARKERS = ("---", "...")


def _is_filler(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#") or stripped.split(" ", 1)[0] in _MARKERS


def _document_at(documents: list[Document], lines: list[str], number: int) -> Document | None:
    """The document whose first line is `number`, or just below filler lines starting there."""
    previous_end = 0
    for document in documents:
        if document.start_line == number:
            return document
        if previous_end < number < document.start_line and all(
                _is_filler(lines[index - 1]) for index in range(number, document.start_line)):
            return document
        previous_end = max(previous_end, document.end_line)
    return None


def comment_directives(text: str, file: str, documents: list[Document]) -> list[Directive]:
    if "policygate:" not in text:
        return []
    lines = source_lines(text)
    directives = []
    for number, line in enumerate(lines, start=1):
        match = _DIRECTIVE.search(line)
        if match is None:
            continue
        rules = tuple(r.strip() for r in match.group("rules").split(",") if r.strip())
        reason = match.group("reason").strip() or None
        column = line.index("#", match.start()) + 1
        document = _document_at(documents, lines, number)
        if document is not None:
            first, last = document.start_line, document.end_line
        elif line[:column - 1].strip():
            first = last = number
        else:
            target = number + 1
            while target <= len(lines) and lines[target - 1].strip().startswith("#"):
                target += 1
            first = last = target
        directives.append(Directive("comment", rules, reason, file, number, column, first, last))
    return directives
