"""What a change touched: files (with renames and deletions) and changed line ranges.

File names come from `git diff --raw -z`, which never quotes them; hunks come from a
zero-context unified diff, whose headers quote unusual names C-style and are unquoted
here so every hunk lands on the right file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from policygate.sources.links import SUBMODULE_MODE, SYMLINK_MODE  # noqa: F401 (its importers')

NULL_ID = "0" * 40


@dataclass(frozen=True, slots=True)
class Hunk:
    """A zero-context hunk; `new_count == 0` is a pure deletion after `new_start`."""

    old_start: int
    old_count: int
    new_start: int
    new_count: int


# git's status letters in the words GitHub uses for a pull request's files (T, a type
# change such as file -> symlink, is GitHub's "changed").
_STATUS_WORDS = {"A": "added", "M": "modified", "D": "removed", "R": "renamed", "C": "copied",
                 "T": "changed"}


@dataclass(slots=True)
class FileChange:
    path: str                      # the new path (renames are reported under it)
    status: str                    # A, M, D, R, C, T
    old_path: str | None
    old_id: str
    new_id: str
    old_mode: str
    new_mode: str
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def deleted(self) -> bool:
        return self.status == "D"

    @property
    def status_word(self) -> str:
        """The status as a pull request's file list says it, so a Rego policy reads
        `data.policygate.diff` and `data.policygate.pr.files` the same way."""
        return _STATUS_WORDS.get(self.status, "changed")

    def added_lines(self) -> list[tuple[int, int]]:
        """Inclusive new-side line ranges that were added or changed."""
        return [(h.new_start, h.new_start + h.new_count - 1) for h in self.hunks if h.new_count]

    def touched_old_lines(self) -> list[tuple[int, int]]:
        """Base-side line ranges that were removed or changed (with insertion points)."""
        return [(h.old_start, h.old_start + h.old_count - 1) if h.old_count
                else (h.old_start, h.old_start + 1) for h in self.hunks]

    def touched_lines(self) -> list[tuple[int, int]]:
        """Added lines, plus the two lines around each pure deletion: deleting a field
        changes the object that contained it."""
        ranges = self.added_lines()
        ranges += [(h.new_start, h.new_start + 1) for h in self.hunks if not h.new_count]
        return ranges


def parse_raw(output: bytes) -> list[FileChange]:
    """Parse `git diff --raw -z --no-abbrev` output."""
    fields = output.split(b"\0")
    changes: list[FileChange] = []
    index = 0
    while index < len(fields) and fields[index]:
        meta = fields[index].decode().lstrip(":").split()
        old_mode, new_mode, old_id, new_id, status = meta[:5]
        kind = status[0]
        if kind in "RC":
            old_path = fields[index + 1].decode("utf-8", "surrogateescape")
            path = fields[index + 2].decode("utf-8", "surrogateescape")
            index += 3
        else:
            path = fields[index + 1].decode("utf-8", "surrogateescape")
            old_path = None if kind == "A" else path
            index += 2
        changes.append(FileChange(path, kind, old_path, old_id, new_id, old_mode, new_mode))
    return changes


_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def unquote(text: str) -> str:
    """Undo git's C-style quoting of a path (`"dir/tab\\there"`, octal for raw bytes)."""
    if not (len(text) >= 2 and text.startswith('"') and text.endswith('"')):
        return text
    body = text[1:-1]
    output = bytearray()
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            following = body[index + 1]
            if following in _ESCAPES:
                output.append(_ESCAPES[following])
                index += 2
                continue
            if following.isdigit():
                output.append(int(body[index + 1:index + 4], 8))
                index += 4
                continue
        output.extend(char.encode("utf-8", "surrogateescape"))
        index += 1
    return output.decode("utf-8", "surrogateescape")


_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def parse_hunks(patch: bytes) -> dict[str, list[Hunk]]:
    """Hunks per new path from `git diff -U0` output.

    Each hunk header says how many removed and added lines follow, and exactly that many
    are consumed: a content line is never read as a header, so an added line `++ b/x`
    (shown as `+++ b/x`) cannot move the hunks that follow to another file, and `++
    /dev/null` — valid as the continuation of a quoted YAML scalar — cannot drop them."""
    hunks: dict[str, list[Hunk]] = {}
    current: list[Hunk] | None = None
    old_left = new_left = 0
    for line in patch.split(b"\n"):
        if old_left or new_left:
            if line.startswith(b"-") and old_left:
                old_left -= 1
            elif line.startswith(b"+") and new_left:
                new_left -= 1
            continue  # "\\ No newline at end of file" and the lines above
        if line.startswith(b"diff --git "):
            current = None
        elif line.startswith(b"+++ "):
            name = unquote(line[4:].decode("utf-8", "surrogateescape").rstrip("\t"))
            current = None if name == "/dev/null" else hunks.setdefault(name[2:], [])
        elif line.startswith(b"@@ "):
            match = _HUNK.match(line)
            if match:
                old_start, old_count, new_start, new_count = match.groups()
                hunk = Hunk(int(old_start), 1 if old_count is None else int(old_count),
                            int(new_start), 1 if new_count is None else int(new_count))
                old_left, new_left = hunk.old_count, hunk.new_count
                if current is not None:
                    current.append(hunk)
    return hunks
