"""Which head lines of a pull request GitHub lets a review comment on.

GitHub accepts a line comment only on a line inside a hunk of the file's diff (one bad
comment rejects the whole review with 422), and a multi-line comment only when both
ends are in the same hunk. GitHub's hunks carry 3 lines of context, so they are the
changed lines widened by 3 on each side, and changes at most 6 unchanged lines apart
share a hunk (git's rule, which GitHub's diff follows).

`DiffIndex.from_changes` builds the index from the run's own diff (runner.CheckRun
.changes: zero-context hunks from the merge base to the head, the same range GitHub
diffs), so no request is needed; `DiffIndex.from_patches` reads GitHub's own patches
(pulls.files) when there is no local clone. Only the head side (RIGHT) is indexed:
findings are about the head.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policygate.github.api import GitHubClient
    from policygate.sources.changes import ChangeSet

CONTEXT = 3                                   # lines of context in GitHub's diffs
_HEADER = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")

Range = tuple[int, int]                       # inclusive head line numbers of one hunk


@dataclass(frozen=True)
class DiffIndex:
    """Per changed file (by head path), the head-line ranges of its hunks in order.

    A file with no ranges is still part of the diff (a pure rename, a mode change):
    GitHub takes file-level comments on it, but no line comments."""
    files: Mapping[str, tuple[Range, ...]] = field(default_factory=dict)

    def has_file(self, path: str) -> bool:
        return path in self.files

    def hunk(self, path: str, line: int) -> int | None:
        """Index of the hunk holding head line `line` of `path`, or None."""
        for index, (first, last) in enumerate(self.files.get(path, ())):
            if first <= line <= last:
                return index
        return None

    @classmethod
    def from_changes(cls, changes: ChangeSet | None, context: int = CONTEXT) -> DiffIndex:
        """From the run's zero-context diff, widened by `context` lines like GitHub's.

        The end of the file is not known here and need not be: a finding's line exists
        in the file, so a window that reaches past the end only covers lines nobody asks
        about."""
        if changes is None:
            return cls({})
        files: dict[str, tuple[Range, ...]] = {}
        for change in changes.changes:
            if change.deleted:
                continue
            spans = sorted(_span(h.new_start, h.new_count) for h in change.hunks)
            files[change.path] = tuple(_group(spans, context))
        return cls(files)

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


def fetch_diff(client: GitHubClient, repository: str, number: int) -> DiffIndex:
    """GitHub's own view of the diff (one paginated request), for runs without a clone.

    Removed files are left out: nothing at the head can be commented on there."""
    from policygate.github.publishing import calling, lazy_repo

    with calling(client, f"listing the files of pull request {repository}#{number}"):
        listed: list[Any] = list(lazy_repo(client, repository).get_pull(number).get_files())
    return DiffIndex.from_patches({f.filename: f.patch for f in listed
                                   if f.status != "removed"})


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
