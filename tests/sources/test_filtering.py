"""The filter modes, one stage at a time: which findings of a changed file each mode keeps,
at the exact boundaries of hunks and documents, and how `new` cancels what the base had."""
from __future__ import annotations

import pytest

from policygate.filtering import keep_changed, subtract_existing, touched
from policygate.model import Finding, Location, ResourceId, Severity
from policygate.parsers.yaml import Limits, parse_yaml
from policygate.sources.diff import FileChange, Hunk

# Two documents: lines 1-4 and 6-9 (line 5 is the separator).
TEXT = """kind: Pod
metadata: {name: a}
spec:
  hostPID: true
---
kind: Pod
metadata: {name: b}
spec:
  hostIPC: true
"""
DOCUMENTS = parse_yaml(TEXT, "p.yaml", Limits()).documents
POD = ResourceId("v1", "Pod", None, "a")


def change(*hunks: Hunk) -> FileChange:
    return FileChange("p.yaml", "M", "p.yaml", "a" * 40, "b" * 40, "100644", "100644",
                      list(hunks))


def at(line: int | None, rule: str = "pss/host-namespaces") -> Finding:
    return Finding(rule, Severity.ERROR, "m", "p.yaml",
                   Location(line, 1, line) if line is not None else None, POD, ("spec",))


def lines(findings):
    return [f.location.line if f.location else None for f in findings]


def test_documents_span_the_lines_the_filter_compares():
    assert [(d.start_line, d.end_line) for d in DOCUMENTS] == [(1, 4), (6, 9)]


@pytest.mark.parametrize("mode, hunk, kept", [
    # Findings without a line are always kept; in `resource` mode so are findings outside
    # every document (line 5, the separator; line 12, past the end): the file's problems.
    # A change on line 2 (first document).
    ("added", Hunk(2, 1, 2, 1), [None, 2]),
    ("diff_context", Hunk(2, 1, 2, 1), [None, 1, 2, 4, 5]),
    ("resource", Hunk(2, 1, 2, 1), [None, 1, 2, 4, 5, 12]),
    ("file", Hunk(2, 1, 2, 1), [None, 1, 2, 4, 5, 6, 9, 12]),
    ("nofilter", Hunk(2, 1, 2, 1), [None, 1, 2, 4, 5, 6, 9, 12]),
    # Lines 3-4 added: the range's end counts too.
    ("added", Hunk(2, 0, 3, 2), [None, 4]),
    ("diff_context", Hunk(2, 0, 3, 2), [None, 1, 2, 4, 5, 6]),
    # A pure deletion after line 8: lines 8-9 around it count as touched.
    ("added", Hunk(9, 1, 8, 0), [None]),
    ("resource", Hunk(9, 1, 8, 0), [None, 5, 6, 9, 12]),
    ("diff_context", Hunk(9, 1, 8, 0), [None, 5, 6, 9, 12]),
    # A change on line 12, outside every document.
    ("resource", Hunk(12, 1, 12, 1), [None, 5, 12]),
    ("added", Hunk(12, 1, 12, 1), [None, 12]),
])
def test_each_mode_keeps_exactly_the_findings_the_change_reaches(mode, hunk, kept):
    findings = [at(None), at(1), at(2), at(4), at(5), at(6), at(9), at(12)]
    assert lines(keep_changed(findings, mode, change(hunk), DOCUMENTS)) == kept


def test_several_hunks_each_reach_their_own_resource():
    findings = [at(1), at(4), at(6), at(9)]
    both = change(Hunk(1, 1, 1, 1), Hunk(9, 1, 9, 1))
    assert lines(keep_changed(findings, "resource", both, DOCUMENTS)) == [1, 4, 6, 9]
    assert lines(keep_changed(findings, "added", both, DOCUMENTS)) == [1, 9]


def test_touched_means_overlapping_the_documents_lines_inclusive():
    first, second = DOCUMENTS
    assert [touched(first, r) for r in ([(4, 4)], [(5, 5)], [(0, 1)], [(5, 8)], [])] == [
        True, False, True, False, False]
    assert touched(second, [(5, 6)]) is True
    assert touched(second, [(10, 20)]) is False


ANCHORS = """kind: List
items:
  - kind: ConfigMap
    metadata: {name: shared}
    data: &shared
      key: value
  - kind: Pod
    metadata: {name: user}
    spec:
      env: *shared
"""


def test_an_item_is_touched_by_a_change_to_an_anchor_it_uses_elsewhere():
    documents = parse_yaml(ANCHORS, "list.yaml", Limits()).documents
    pod = next(d for d in documents if d.data.get("kind") == "Pod")
    config_map = next(d for d in documents if d.data.get("kind") == "ConfigMap")
    assert touched(pod, [(5, 5)]) is True          # the anchor, in the ConfigMap
    assert touched(pod, [(6, 6)]) is True          # the anchored mapping's content
    assert touched(pod, [(4, 4)]) is False         # the ConfigMap's name: not borrowed
    assert touched(config_map, [(10, 10)]) is False  # the alias does not touch the anchor's owner


def test_new_mode_cancels_one_base_finding_per_copy():
    head = [at(4), at(9), at(9, "pss/host-ports")]
    base = [at(20)]
    kept = subtract_existing(head, base)
    assert (lines(kept), [f.rule for f in kept]) == ([9, 9], ["pss/host-namespaces",
                                                              "pss/host-ports"])
    assert subtract_existing(head, []) == head
    assert lines(subtract_existing(head, [at(1), at(2)])) == [9]
