"""Place a field of a Helm-rendered object on its template line (and values line).

A template is Go text, not YAML, but its mapping keys and list dashes still sit on
their own lines at their own indentation: that skeleton is enough to walk a field path
(`spec.template.spec.containers[0].securityContext`) down to the deepest line that
writes it. When that line copies a value verbatim (`privileged: {{ .Values.privileged }}`,
or `{{ toYaml .Values.securityContext | nindent 12 }}` under the key), the finding goes
to the values file that supplied the value (the highest-precedence one that has it,
and only if the rendered value is that value); otherwise it stays on the template line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from policygate.locate import locate
from policygate.model import Document, FieldPath, Location
from policygate.render.attribute import Place, value_at

_KEY = re.compile(r"""^(?P<key>"[^"]*"|'[^']*'|[^\s:#{"'-][^:#]*?|-[^\s:#][^:#]*?)\s*:(?:\s+(?P<value>.*?))?\s*$""")
_COPY = re.compile(r"^\{\{-?\s*\.Values((?:\.[A-Za-z_][\w-]*)+)\s*(?:\|\s*(?:quote|toString)\s*)?-?\}\}$")
_SPLICE = re.compile(r"\{\{-?\s*toYaml\s+\.Values((?:\.[A-Za-z_][\w-]*)+)\s*\|\s*n?indent\s+(\d+)")


@dataclass(slots=True)
class _Node:
    indent: int
    line: int = 0
    column: int = 1
    key: str | None = None
    value: str = ""
    item: bool = False
    children: list[_Node] = field(default_factory=list)
    splice: FieldPath | None = None   # `toYaml .Values.x | nindent` directly under this key


def _unquote(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] and key[0] in "\"'" else key


def _push_key(stack: list[_Node], indent: int, line: int, text: str) -> None:
    match = _KEY.match(text)
    if match is None:
        return
    node = _Node(indent, line, indent + 1, _unquote(match.group("key")),
                 match.group("value") or "")
    stack[-1].children.append(node)
    stack.append(node)


def skeleton(text: str) -> list[_Node]:
    """The key/item tree of each `---`-separated document of a template."""
    documents = [_Node(-1)]
    stack = [documents[0]]
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("---"):
            documents.append(_Node(-1))
            stack = [documents[-1]]
            continue
        if stripped.startswith("{{"):
            splice = _SPLICE.search(stripped)
            if splice:  # belongs to the closest key less indented than the spliced text
                indent = int(splice.group(2))
                owner = next((n for n in reversed(stack) if n.indent < indent), stack[0])
                owner.splice = tuple(splice.group(1)[1:].split("."))
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if stripped == "-" or stripped.startswith("- "):
            while len(stack) > 1 and (stack[-1].indent > indent or (
                    stack[-1].indent == indent and (stack[-1].item or stack[-1].value))):
                stack.pop()
            item = _Node(indent, number, indent + 1, item=True)
            stack[-1].children.append(item)
            stack.append(item)
            rest = stripped[1:].lstrip(" ")
            if rest:
                _push_key(stack, indent + len(stripped) - len(rest), number, rest)
            continue
        while len(stack) > 1 and stack[-1].indent >= indent:
            stack.pop()
        _push_key(stack, indent, number, stripped)
    return [d for d in documents if d.children]


def _walk(root: _Node, path: FieldPath) -> tuple[_Node, int]:
    node, depth = root, 0
    for element in path:
        if isinstance(element, int):
            items = [c for c in node.children if c.item]
            child = items[element] if element < len(items) else None
        else:
            child = next((c for c in node.children if not c.item and c.key == element), None)
        if child is None:
            break
        node, depth = child, depth + 1
    return node, depth


@dataclass(slots=True)
class ValuesSource:
    """A values file (or inline values in a GitOps object) and where its values start."""

    file: str
    document: Document
    prefix: FieldPath = ()


@dataclass(slots=True)
class TemplatePlacer:
    """Places fields of the objects one template produced."""

    file: str
    roots: list[_Node]
    values: list[ValuesSource]   # highest precedence first

    def place(self, path: FieldPath, rendered: dict[str, Any], occurrence: int) -> Place:
        if not self.roots:
            return Place(self.file, Location(1, 1, 1))
        walks = [_walk(root, path) for root in self.roots]
        deepest = max(depth for _, depth in walks)
        candidates = [index for index, (_, depth) in enumerate(walks) if depth == deepest]
        chosen = occurrence if occurrence in candidates else candidates[0]
        node, depth = walks[chosen]
        if node.line == 0:
            return Place(self.file, Location(1, 1, 1))
        reference = None
        copy = _COPY.match(node.value) if depth == len(path) else None
        if copy:
            reference = tuple(copy.group(1)[1:].split("."))
        elif node.splice is not None and depth < len(path):
            reference = node.splice + path[depth:]
        if reference is not None:
            found, rendered_value = value_at(rendered, path)
            for source in self.values:
                present, value = value_at(source.document.data, source.prefix + reference)
                if present and (not found or value == rendered_value or
                                isinstance(value, (dict, list))):
                    return Place(source.file, locate(source.document,
                                                     source.prefix + reference))
        return Place(self.file, Location(node.line, node.column, node.line))
