"""One line numbering for the whole gate: git's, where only `\\n` ends a line.

Diff hunks, review comments and editors count lines by `\\n`. The YAML reader also
breaks lines at a lone CR, NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR
(U+2029), so a comment full of U+2028 would shift every position after it, and the diff
filter would judge the wrong resource. The parser's marks keep the *character index*
into the text, which both numberings agree on; positions are converted from it here, in
one place, and every later stage (locate, filters, suppressions, approvals, review
comments) sees git's numbering only.
"""
from __future__ import annotations

import re
from bisect import bisect_right

from yaml.error import Mark
from yaml.nodes import Node

from policygate.parsers.nodes import each_node

# What YAML takes for a line break and git does not (CRLF is one break for both).
_EXTRA_BREAK = "\r(?!\n)|[\x85\u2028\u2029]"


def source_lines(text: str) -> list[str]:
    """The lines of a text as git numbers them (a CRLF's CR is not part of the line)."""
    return text.split("\n") if "\r" not in text else re.split("\r?\n", text)


def line_count(text: str) -> int:
    """Lines as editors count them: a final line break does not start another line."""
    lines = source_lines(text)
    return max(1, len(lines) - (1 if lines[-1] == "" else 0))


class GitLines:
    """Converts the YAML reader's marks of one text to git's numbering.

    `offset` is where the text the reader saw starts in the file (a part parsed on its
    own after a syntax error): its marks count from there."""

    def __init__(self, text: str, offset: int = 0, newlines: list[int] | None = None) -> None:
        self._newlines = newlines if newlines is not None else \
            [match.start() for match in re.finditer("\n", text)]
        self._offset = offset

    def shifted(self, offset: int) -> GitLines:
        """The same file's numbering for a reader that started at character `offset`."""
        return GitLines("", offset, self._newlines)

    @classmethod
    def needed(cls, text: str) -> GitLines | None:
        """None for the usual text, whose YAML and git numberings agree (nothing to do)."""
        if ("\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text) \
                and re.search(_EXTRA_BREAK, text):
            return cls(text)
        return None

    def mark(self, mark: Mark) -> Mark:
        """The same position, with a 0-based line and column counted git's way."""
        index = mark.index + self._offset
        line = bisect_right(self._newlines, index - 1)
        start = self._newlines[line - 1] + 1 if line else 0
        return Mark(mark.name, index, line, index - start, None, None)

    def renumber(self, root: Node) -> None:
        """Rewrite the marks of every node reachable from `root`."""
        for node in each_node(root):
            node.start_mark = self.mark(node.start_mark)
            node.end_mark = self.mark(node.end_mark)
