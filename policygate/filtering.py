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
                resource identity, same field, same value) are not the author's to
                fix; engines that judge all documents at once judge the base in the
                base's cluster, so their findings are compared the same way
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from policygate.model import Document, Finding

if TYPE_CHECKING:
    from yaml.nodes import Node

    from policygate.sources.diff import FileChange

FILTER_MODES = ("resource", "added", "diff_context", "file", "nofilter", "new")
LINE_MODES = ("added", "diff_context", "resource")
_CONTEXT_LINES = 3


def _overlaps(ranges: Iterable[tuple[int, int]], first: int, last: int) -> bool:
    return any(start <= last and first <= end for start, end in ranges)


def document_at(documents: list[Document], starts: list[int], line: int) -> Document | None:
    """The document holding `line` (documents are in file order, so a bisect keeps a
    file with thousands of documents and findings linear)."""
    index = bisect_right(starts, line) - 1
    if index < 0 or line > documents[index].end_line:
        return None
    return documents[index]


def _borrowed_spans(document: Document) -> list[tuple[int, int]]:
    """Lines outside the document that it reads through aliases: in a `kind: List` an
    item can alias an anchor written in another item, and editing the anchor changes it."""
    from policygate.parsers.nodes import each_node
    from policygate.parsers.yaml import end_line

    def inside(node: Node) -> bool:
        return document.start_line <= node.start_mark.line + 1 <= document.end_line

    if document.node is None:
        return []
    # Below a borrowed node nothing more is needed: its span covers what it holds.
    return [(node.start_mark.line + 1, end_line(node))
            for node in each_node(document.node, inside) if not inside(node)]


def touched(document: Document, ranges: list[tuple[int, int]]) -> bool:
    """Did the change touch the document's lines, or an anchor it uses from elsewhere?"""
    if _overlaps(ranges, document.start_line, document.end_line):
        return True
    return any(_overlaps(ranges, *span) for span in _borrowed_spans(document))


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
    verdicts: dict[int, bool] = {}
    kept = []
    for finding in findings:
        if finding.location is None:
            kept.append(finding)
            continue
        line = finding.location.line
        if mode != "resource":
            if _overlaps(ranges, line, line):
                kept.append(finding)
            continue
        document = document_at(documents, starts, line)
        if document is None:  # outside every resource (a syntax error): the file's problem
            kept.append(finding)
            continue
        if id(document) not in verdicts:
            verdicts[id(document)] = touched(document, ranges)
        if verdicts[id(document)]:
            kept.append(finding)
    return kept


def subtract_existing(findings: list[Finding], existing: Iterable[Finding]) -> list[Finding]:
    """`new` mode: each finding of the base version cancels one matching finding.

    Matching is by fingerprint (rule, resource, field, offending value); among findings
    with the same fingerprint, one with the base's very message goes first. So when an
    Ingress that already shared its host with one object now shares it with two, the
    finding kept as new names the new one."""
    from policygate.baseline import fingerprint

    existing = list(existing)
    keys = [fingerprint(f) for f in findings]
    remaining = Counter(fingerprint(f) for f in existing)
    exact = Counter((fingerprint(f), f.message) for f in existing)
    cancelled = [False] * len(findings)
    for index, (finding, key) in enumerate(zip(findings, keys)):
        if exact[key, finding.message] > 0:
            exact[key, finding.message] -= 1
            remaining[key] -= 1
            cancelled[index] = True
    kept = []
    for finding, key, done in zip(findings, keys, cancelled):
        if done:
            continue
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            kept.append(finding)
    return kept
