"""Keep only the findings a change is responsible for.

Modes (`--filter-mode`), from strictest to loosest:
  added         findings on added or changed lines
  diff_context  findings within the hunks as a reviewer sees them (3 lines of context)
  resource      findings in any resource the change touched (the default for diffs):
                touching a Deployment re-judges the whole Deployment
  file          everything in a changed file
  nofilter      everything under the paths checked, changed or not
  new           findings the change introduces: the base version of every changed
                file is checked too, and findings already there (same rule, same
                resource identity, same field) are not the author's to fix
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from policygate.model import Document, Finding

if TYPE_CHECKING:
    from policygate.sources.diff import FileChange

FILTER_MODES = ("resource", "added", "diff_context", "file", "nofilter", "new")
LINE_MODES = ("added", "diff_context", "resource")
_CONTEXT_LINES = 3


def _overlaps(ranges: Iterable[tuple[int, int]], first: int, last: int) -> bool:
    return any(start <= last and first <= end for start, end in ranges)


def _document_span(documents: list[Document], starts: list[int], line: int
                   ) -> tuple[int, int] | None:
    """The lines of the document holding `line` (documents are in file order, so a
    bisect keeps a file with thousands of documents and findings linear)."""
    index = bisect_right(starts, line) - 1
    if index < 0 or line > documents[index].end_line:
        return None
    return documents[index].start_line, documents[index].end_line


def keep_changed(findings: list[Finding], mode: str, change: FileChange,
                 documents: list[Document]) -> list[Finding]:
    """Apply a line-based mode to the findings of one changed file."""
    if mode not in LINE_MODES:
        return findings
    if mode == "added":
        ranges = change.added_lines()
    elif mode == "diff_context":
        ranges = [(start - _CONTEXT_LINES, end + _CONTEXT_LINES)
                  for start, end in change.touched_lines()]
    else:
        ranges = change.touched_lines()
    starts = [document.start_line for document in documents]
    kept = []
    for finding in findings:
        if finding.location is None:
            kept.append(finding)
            continue
        line = finding.location.line
        if mode == "resource":
            span = _document_span(documents, starts, line)
            if span is None:  # outside every resource (a syntax error): the file's problem
                kept.append(finding)
                continue
        else:
            span = (line, line)
        if _overlaps(ranges, *span):
            kept.append(finding)
    return kept


def subtract_existing(findings: list[Finding], existing: Iterable[Finding]) -> list[Finding]:
    """`new` mode: each finding of the base version cancels one matching finding."""
    from policygate.baseline import fingerprint

    remaining = Counter(fingerprint(f) for f in existing)
    kept = []
    for finding in findings:
        key = fingerprint(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            kept.append(finding)
    return kept
