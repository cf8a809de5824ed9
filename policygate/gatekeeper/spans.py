"""Positions inside text that is embedded in a YAML file (a template's Rego).

A compile error in a ConstraintTemplate must point at the line of the YAML file a person
edits, not at line 3 of a string they never see on its own. A block scalar (`rego: |`)
keeps its lines one to one, shifted by where it starts and by its indentation; other
scalar styles fold or escape their lines, so positions in them map to where the value
starts (the best the file can tell).
"""
from __future__ import annotations

from dataclasses import dataclass

from yaml.nodes import Node

from policygate.parsers.lines import source_lines


@dataclass(frozen=True, slots=True)
class TextSpan:
    file: str           # display name
    first_line: int     # file line of the text's first line (1-based)
    indent: int         # columns before the text on each line (block scalars)
    column: int = 1     # file column of the first character (non-block scalars)
    block: bool = True  # lines map one to one

    def position(self, line: int, column: int) -> tuple[int, int]:
        """File (line, column) of a 1-based position in the embedded text."""
        if self.block:
            return self.first_line + line - 1, self.indent + column
        if line == 1:
            return self.first_line, self.column + column - 1
        return self.first_line, self.column


def span_of(file: str, node: Node | None, text: str | None, fallback_line: int) -> TextSpan:
    """Where the scalar `node` (a string value) starts in the file `text`."""
    if node is None:
        return TextSpan(file, fallback_line, 0, 1, block=False)
    start = node.start_mark
    style = getattr(node, "style", None)
    if style in ("|", ">") and text is not None:
        lines = source_lines(text)  # numbered as the node marks are (git's lines)
        indent = 0
        for line in lines[start.line + 1:]:
            if line.strip():
                indent = len(line) - len(line.lstrip(" "))
                break
        return TextSpan(file, start.line + 2, indent, block=style == "|")
    quote = 1 if style in ('"', "'") else 0
    return TextSpan(file, start.line + 1, 0, start.column + 1 + quote, block=False)
