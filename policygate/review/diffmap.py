"""Which head lines of a pull or merge request a line comment may go on.

GitHub accepts a line comment only on a line inside a hunk of the file's diff (one bad
comment rejects the whole review with 422), and a multi-line comment only when both
ends are in the same hunk; GitLab rejects a discussion whose position is not a line of
the diff it shows. Both show 3 lines of context, so the hunks are the changed lines
widened by 3 on each side, and changes at most 6 unchanged lines apart share a hunk
(git's rule, which both diffs follow).

`DiffIndex.from_changes` builds the index from the run's own diff (runner.CheckRun
.changes: zero-context hunks from the merge base to the head, the same range both
platforms diff), so no request is needed; `DiffIndex.from_patches` reads unified patches
(GitHub's pulls.files) when there is no local clone. Findings are about the head, so the
head side is indexed; `old_line` maps an unchanged head line back to the base side,
which GitLab needs to place a discussion on a context line.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policygate.sources.changes import ChangeSet

CONTEXT = 3                                   # lines of context in GitHub's diffs
_HEADER = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")

Range = tuple[int, int]                       # inclusive head line numbers of one hunk
Change = tuple[int, int, int, int]            # a zero-context hunk: old/new start and count


@dataclass(frozen=True)
class DiffIndex:
    """Per changed file (by head path), the head-line ranges of its hunks in order.

    A file with no ranges is still part of the diff (a pure rename, a mode change):
    GitHub takes file-level comments on it, but no line comments."""
    files: Mapping[str, tuple[Range, ...]] = field(default_factory=dict)
    # The zero-context hunks per file (from_changes only), for old_line.
    changes: Mapping[str, tuple[Change, ...]] = field(default_factory=dict)

    def has_file(self, path: str) -> bool:
        return path in self.files

    def hunk(self, path: str, line: int) -> int | None:
        """Index of the hunk holding head line `line` of `path`, or None."""
        for index, (first, last) in enumerate(self.files.get(path, ())):
            if first <= line <= last:
                return index
        return None

    def old_line(self, path: str, line: int) -> int | None:
        """The base-side number of head line `line` when the diff leaves it unchanged;
        None for an added line (or when the hunks are not known)."""
        if path not in self.changes:
            return None
        shift = 0
        for old_start, old_count, new_start, new_count in self.changes[path]:
            if new_count and new_start <= line < new_start + new_count:
                return None
            before = new_start + new_count - 1 < line if new_count else new_start < line
            if not before:
                break
            shift += new_count - old_count
        return line - shift

    @classmethod
    def from_changes(cls, changes: ChangeSet | None, context: int = CONTEXT) -> DiffIndex:
        """From the run's zero-context diff, widened by `context` lines like GitHub's.

        The end of the file is not known here and need not be: a finding's line exists
        in the file, so a window that reaches past the end only covers lines nobody asks
        about."""
        if changes is None:
            return cls({})
        files: dict[str, tuple[Range, ...]] = {}
        hunks: dict[str, tuple[Change, ...]] = {}
        for change in changes.changes:
            if change.deleted:
                continue
            spans = sorted(_span(h.new_start, h.new_count) for h in change.hunks)
            files[change.path] = tuple(_group(spans, context))
            hunks[change.path] = tuple(sorted((h.old_start, h.old_count, h.new_start,
                                               h.new_count) for h in change.hunks))
        return cls(files, hunks)

    @classmethod
    def from_patches(cls, patches: Mapping[str, str | None]) -> DiffIndex:
        """From GitHub's `patch` of each file (None: no textual diff, e.g. a rename)."""
        files: dict[str, tuple[Range, ...]] = {}
        for path, patch in patches.items():
            ranges = []
            for line in (patch or "").split("\n"):
                match = _HEADER.match(line)
                if match:
                    start, count = int(match.group(1)), int(match.group(2) or 1)
                    if count:
                        ranges.append((start, start + count - 1))
            files[path] = tuple(ranges)
        return cls(files)


def _span(new_start: int, new_count: int) -> Range:
    """A zero-context hunk as a 0-based half-open span of head lines [p, p + count).

    A pure deletion (`+k,0`) sits after head line k: an empty span at k."""
    position = new_start if new_count == 0 else new_start - 1
    return position, position + new_count


def _group(spans: Iterable[Range], context: int) -> list[Range]:
    """Merge changes at most 2*context unchanged lines apart; widen each group by context."""
    groups: list[list[int]] = []
    for start, end in spans:
        if groups and start - groups[-1][1] <= 2 * context:
            groups[-1][1] = max(groups[-1][1], end)
        else:
            groups.append([start, end])
    return [(max(1, start - context + 1), end + context) for start, end in groups]
