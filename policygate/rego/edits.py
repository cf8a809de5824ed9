"""Text edits on policy source that remember where every character came from.

The v0 converter and the reference rewriter change module text before it is compiled;
an engine's error then points into the changed text. `EditedText.original_offset` maps
it back, so users always see positions in the file they wrote.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace source[start:end] with `text` (start == end inserts)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class EditedText:
    text: str
    # (new offset, original offset, length of an unchanged run) in order.
    _runs: tuple[tuple[int, int, int], ...]

    def original_offset(self, offset: int) -> int:
        """Original offset of a character of `text`; inserted text maps to its edit."""
        best = 0
        for new, old, length in self._runs:
            if new > offset:
                break
            best = old + min(offset - new, length)
        return best


def apply_edits(source: str, edits: Iterable[Edit]) -> EditedText:
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    parts: list[str] = []
    runs: list[tuple[int, int, int]] = []
    position = new_position = 0
    for edit in ordered:
        if edit.start < position:
            raise ValueError(f"overlapping edits at offset {edit.start}")
        unchanged = source[position:edit.start]
        runs.append((new_position, position, len(unchanged)))
        parts.append(unchanged)
        new_position += len(unchanged)
        runs.append((new_position, edit.start, 0))
        parts.append(edit.text)
        new_position += len(edit.text)
        position = edit.end
    runs.append((new_position, position, len(source) - position))
    parts.append(source[position:])
    return EditedText("".join(parts), tuple(runs))
