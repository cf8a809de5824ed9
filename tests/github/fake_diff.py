"""Diff hunks of a pull-request file, as GitHub sees them.

GitHub accepts a review comment only on a line that is part of a hunk of the file's diff
(on the side the comment names), and a multi-line comment only when `start_line` is in the
same hunk and precedes `line`. The fake GitHub keeps each file's patch and answers exactly
as GitHub does, so reporters are tested against the real rule instead of a guess.
"""
from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass

HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class Hunk:
    """One `@@` hunk: the header, its lines, and the line numbers it covers on each side."""
    header: str
    lines: tuple[str, ...]                     # patch lines after the header (' ', '+', '-')
    left: dict[int, int]                       # old line number -> index in `lines`
    right: dict[int, int]                      # new line number -> index in `lines`
    position: int                              # patch position of the header (0 for the first)

    def covers(self, line: int, side: str) -> bool:
        return line in (self.right if side == "RIGHT" else self.left)

    def excerpt(self, line: int, side: str) -> str:
        """The `diff_hunk` GitHub returns with a comment: the hunk up to the commented line."""
        index = (self.right if side == "RIGHT" else self.left)[line]
        return "\n".join((self.header, *self.lines[:index + 1]))

    def diff_position(self, line: int, side: str) -> int:
        """The legacy `position`: lines below the first `@@` of the file's patch."""
        return self.position + 1 + (self.right if side == "RIGHT" else self.left)[line]


def make_patch(before: str | None, after: str | None) -> str:
    """GitHub's `patch` for a file: unified diff with 3 lines of context, no ---/+++ header."""
    old, new = _lines(before), _lines(after)
    lines = list(difflib.unified_diff(old, new, lineterm="", n=3))
    return "\n".join(lines[2:])


def _lines(text: str | None) -> list[str]:
    """Lines as GitHub (and git) count them: only `\n` ends one — not U+2028, NEL or a
    lone CR, which str.splitlines() would also split at."""
    if not text:
        return []
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


@functools.lru_cache(maxsize=8192)
def parse_hunks(patch: str | None) -> tuple[Hunk, ...]:
    """Split a patch into hunks and number their lines on both sides (cached: listing
    thousands of files asks for the same counts again and again)."""
    if not patch:
        return ()
    hunks: list[Hunk] = []
    rows = patch.split("\n")
    starts = [index for index, row in enumerate(rows) if HUNK_HEADER.match(row)]
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(rows)
        match = HUNK_HEADER.match(rows[start])
        assert match is not None
        old_line, new_line = int(match.group(1)), int(match.group(3))
        body = tuple(row for row in rows[start + 1:end] if not row.startswith("\\"))
        left: dict[int, int] = {}
        right: dict[int, int] = {}
        for index, row in enumerate(body):
            kind = row[:1]
            if kind in (" ", ""):
                left[old_line], right[new_line] = index, index
                old_line, new_line = old_line + 1, new_line + 1
            elif kind == "-":
                left[old_line] = index
                old_line += 1
            elif kind == "+":
                right[new_line] = index
                new_line += 1
        hunks.append(Hunk(rows[start], body, left, right, position=start))
    return tuple(hunks)


def hunk_index(hunks: tuple[Hunk, ...], line: int, side: str) -> int | None:
    return next((index for index, hunk in enumerate(hunks) if hunk.covers(line, side)), None)


@functools.lru_cache(maxsize=8192)
def count_changes(patch: str | None) -> tuple[int, int]:
    """(additions, deletions) of a patch."""
    additions = deletions = 0
    for hunk in parse_hunks(patch):
        additions += sum(1 for row in hunk.lines if row.startswith("+"))
        deletions += sum(1 for row in hunk.lines if row.startswith("-"))
    return additions, deletions
