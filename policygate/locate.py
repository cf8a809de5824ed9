"""Turn a field path into file:line:column using the parser's node tree.

Rules never compute line numbers: they name a field path, and this stage walks the YAML
nodes to it. A path that does not exist (a required field that is missing) resolves to
the nearest existing parent, which is where the author has to add it.
"""
from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from policygate.parsers.yaml import end_line

from policygate.model import (Document, FieldPath, Finding, Location, ResourceId, Severity,
                              Violation, data_at)

# A message is one line in a report; a hostile manifest must not make it megabytes.
MAX_MESSAGE = 2000


def _child(node: Node, element: str | int) -> tuple[Node, Node] | None:
    """Return (anchor node for the position, value node) of one path step."""
    if type(node) is MappingNode:
        wanted = str(element)
        # Last match wins, like the constructed data (duplicate keys keep the last value).
        for key, value in reversed(node.value):
            if type(key) is ScalarNode and key.value == wanted:
                return key, value
        return None
    if type(node) is SequenceNode and isinstance(element, int) and 0 <= element < len(node.value):
        item = node.value[element]
        return item, item
    return None


def _end_line(start: Node, value: Node) -> int:
    return max(end_line(value), start.start_mark.line + 1)


def value_node(document: Document, path: FieldPath) -> Node | None:
    """The YAML node holding the value at `path` (None if absent or not YAML).

    For readers that need a scalar as written: `newTag: 1.10` is the tag "1.10", while
    the constructed data holds the float 1.1.
    """
    value: Node | None = document.node
    for element in path:
        step = _child(value, element) if value is not None else None
        if step is None:
            return None
        value = step[1]
    return value


def _within(document: Document, node: Node) -> bool:
    return document.start_line <= node.start_mark.line + 1 <= document.end_line


def _alias_item_line(document: Document, sequence: SequenceNode, index: int) -> int:
    """The line of `- *alias`, item `index` of a sequence: the alias has no node (it is
    its anchor's), so it is taken to follow the item before it on the next line — the
    first item's line is the sequence's own, as is every item of a flow sequence."""
    line = sequence.start_mark.line + 1
    if index and not sequence.flow_style and _within(document, sequence.value[index - 1]):
        line = max(line, end_line(sequence.value[index - 1]) + 1)
    return min(line, document.end_line)


def locate(document: Document, path: FieldPath) -> Location:
    """Position of `path` in the document, or of its deepest existing prefix.

    The walk stops where the path leaves the document's lines: a value reached through
    an alias lives at its anchor, which in a `kind: List` may be another item. The finding
    then sits on the alias's key in this resource — where it was brought in — so filters,
    suppressions and review comments attribute it to the resource that contains it."""
    node = document.node
    if node is None:
        positions = document.positions or {}
        for length in range(len(path), 0, -1):
            if path[:length] in positions:
                return positions[path[:length]]
        return Location(document.start_line, 1, document.start_line)
    anchor: Node = node
    value: Node = node
    for element in path:
        step = _child(value, element)
        if step is None:
            break
        if not _within(document, step[0]):
            if type(value) is SequenceNode and isinstance(element, int):
                line = _alias_item_line(document, value, element)
                return Location(line, value.start_mark.column + 1, line)
            break
        anchor, value = step
    if anchor is node:
        line = node.start_mark.line + 1
        return Location(line, node.start_mark.column + 1, line)
    return Location(anchor.start_mark.line + 1, anchor.start_mark.column + 1,
                    _end_line(anchor, value))


def cap_message(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 1] + "…"


def _canonical(value: Any) -> str:
    """One spelling per value, whatever the key order of its mappings."""
    if isinstance(value, dict):
        pairs = sorted((_canonical(key), _canonical(item)) for key, item in value.items())
        return "{" + ",".join(f"{key}:{item}" for key, item in pairs) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_canonical(item) for item in value) + "]"
    return repr(value)


_EVIDENCE_MAX = 200


def evidence(data: Any, path: FieldPath, message: str) -> str:
    """The offending value: what is at the finding's field (the image, the host path,
    `true`), or its message when it names no field. Part of the fingerprint, so a
    violation whose value changed — an allowed registry swapped for another, a log
    directory widened to `/` — is a new violation, not the old one in the same place.
    Long values are kept as their SHA-256 (hashlib is imported only then: the one-file
    check does not pay for it)."""
    text = _canonical(data_at(data, path)) if path else " ".join(message.split())
    if len(text) <= _EVIDENCE_MAX:
        return text
    import hashlib

    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def finding_for(violation: Violation, *, rule: str, severity: Severity, file: str,
                resource: ResourceId | None, document: Document | None,
                source: str = "builtin", note: str = "", data: Any = None) -> Finding:
    """The one place a rule's or engine's violation becomes a finding.

    Without a document (a result located later) the finding has no location yet, and
    `data` is the document's data, for the evidence; `note` (which namespace level
    applied) is added to the message."""
    return Finding(rule=violation.rule or rule, severity=violation.severity or severity,
                   message=cap_message(violation.message + note), file=file, resource=resource,
                   location=locate(document, violation.path) if document is not None else None,
                   path=violation.path, source=source, fix=violation.fix,
                   evidence=evidence(document.data if document is not None else data,
                                     violation.path, violation.message))
