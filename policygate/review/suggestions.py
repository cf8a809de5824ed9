"""GitHub ```suggestion blocks for mechanical fixes — only when provably correct.

A suggestion is committed with one click, so a wrong one is worse than none. A finding
gets one when its `fix` is `key: value` for the field its path names (`privileged:
false` for `...securityContext.privileged`) and one of two edits of a single head line
does exactly that:

- replace the value after `key:` on the finding's line (block `privileged: true` or flow
  `{privileged: true}`; a trailing comment is kept);
- the field is missing and the finding points at its parent, a block mapping key
  (`securityContext:` alone on its line): insert `key: value` below it, indented like
  the parent's existing children (two more than the parent when it has none).

Either edit is then proven: the head file is parsed before and after with the gate's own
bounded YAML parser, and the edit must change exactly one document — the finding's —
and in it exactly the value at the finding's path, to the value the fix names. Anything
else (anchors, duplicate keys, multi-line scalars, CRLF files, odd indentation, control
or bidi characters) fails the proof and there is no suggestion; the comment still says
the fix in words.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from policygate.model import Document, FieldPath, Finding
from policygate.reporters.markdown import fence_for

MAX_BYTES = 1024 * 1024                 # files larger than this get no suggestion
_FIX = re.compile(r"(?P<key>[A-Za-z_][\w.-]*): (?P<value>\S.*)")
# Control characters (tab aside), and bidi/zero-width characters that could make a line
# read differently than it commits ("Trojan source").
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_BLOCK_PREFIX = re.compile(r"[ ]*(?:-[ ]+)*")     # indentation and sequence dashes only
_MISSING = object()


@dataclass(frozen=True)
class Suggestion:
    """Replace head line `line` with `text` (one line, or the line and an inserted one)."""
    line: int
    text: str

    def markdown(self) -> str:
        """The suggestion block, fenced so that the content cannot close it."""
        fence = fence_for(self.text, 3)
        return f"{fence}suggestion\n{self.text}\n{fence}"


def suggest(finding: Finding, content: bytes | None) -> Suggestion | None:
    """The suggestion for `finding` given the head file's bytes, or None."""
    location, path = finding.location, finding.path
    fix = _FIX.fullmatch(finding.fix or "")
    if (fix is None or location is None or not path or content is None
            or fix["key"] != path[-1] or len(content) > MAX_BYTES):
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    index, column = location.line - 1, location.column - 1
    if "\r" in text or not 0 <= index < len(lines) or _UNSAFE.search(lines[index]):
        return None
    candidate = (_replace_value(lines[index], column, fix.group(0), fix["key"])
                 or _insert_child(lines, index, column, path, fix.group(0)))
    if candidate is None or _UNSAFE.search(candidate):
        return None
    edited = "\n".join(lines[:index] + [candidate] + lines[index + 1:])
    if not _proven(text, edited, finding, fix.group(0)):
        return None
    return Suggestion(location.line, candidate)


def _replace_value(line: str, column: int, fix: str, key: str) -> str | None:
    """`key: old` at `column` -> `key: new`, keeping what follows the value."""
    found = re.match(re.escape(key) + r":[ ]+", line[column:])
    if found is None:
        return None
    start = column + found.end()
    if _BLOCK_PREFIX.fullmatch(line[:column]):
        comment = re.search(r"[ ]+#", line[start:])
        end = start + comment.start() if comment else len(line.rstrip(" "))
    else:                                           # inside a flow mapping: {a: 1, b: 2}
        end = start + len(re.match(r"[^,}\]#]*", line[start:]).group().rstrip(" "))
    if end <= start:
        return None
    return line[:column] + fix + line[end:]


def _insert_child(lines: list[str], index: int, column: int, path: FieldPath,
                  fix: str) -> str | None:
    """`parent:` alone on its line -> the line plus `key: value` as its first child."""
    line = lines[index]
    if len(path) < 2 or not isinstance(path[-2], str) or \
            not _BLOCK_PREFIX.fullmatch(line[:column]):
        return None
    if not re.fullmatch(re.escape(path[-2]) + r":(?:[ ]+#.*)?[ ]*", line[column:]):
        return None
    indent = column + 2
    for following in lines[index + 1:]:
        content = following.strip(" ")
        if content and not content.startswith("#"):
            width = len(following) - len(following.lstrip(" "))
            if width > column:
                indent = width
            break
    return f"{line}\n{' ' * indent}{fix}"


def _proven(before: str, after: str, finding: Finding, fix: str) -> bool:
    """The edit changes exactly the finding's field, to the fix's value, and nothing else."""
    parsed = [_parse(text, finding.file) for text in (before, after, fix)]
    if any(documents is None for documents in parsed):
        return False
    old, new, wanted = parsed
    if len(wanted) != 1 or not isinstance(wanted[0].data, dict) or len(wanted[0].data) != 1 \
            or len(old) != len(new):
        return False
    key, value = next(iter(wanted[0].data.items()))
    changed = [(o, n) for o, n in zip(old, new) if o.data != n.data]
    if len(changed) != 1 or key != finding.path[-1]:
        return False
    document, result = changed[0]
    assert finding.location is not None
    if not document.start_line <= finding.location.line <= document.end_line:
        return False
    expected = _with_value(document.data, finding.path, value)
    return expected is not _MISSING and expected == result.data


@functools.lru_cache(maxsize=4)
def _parse(text: str, file: str) -> list[Document] | None:
    """Documents of a clean parse (no syntax error, limit or duplicate key), else None.
    Cached: every finding with a fix in a file proves against the same head text."""
    from policygate.parsers.yaml import Limits, parse_yaml

    limits = Limits(max_file_bytes=MAX_BYTES, max_documents=1000, max_nodes=200_000)
    parsed = parse_yaml(text, file, limits)
    if parsed.findings or any(document.problems for document in parsed.documents):
        return None
    return parsed.documents


def _with_value(data: Any, path: FieldPath, value: Any) -> Any:
    """A copy of `data` with `path` set to `value` (a null parent becomes a mapping).

    The copy shares nothing (a deep copy would keep YAML aliases shared), so an edit of
    an anchored value that also changes its aliases does not match it."""
    data = _unshared(data)
    holder: Any = None
    node = data
    for element in path[:-1]:
        if isinstance(node, dict) and isinstance(element, str) and element in node:
            holder, node = (node, element), node[element]
        elif isinstance(node, list) and isinstance(element, int) and 0 <= element < len(node):
            holder, node = (node, element), node[element]
        else:
            return _MISSING
    if node is None and holder is not None:
        node = holder[0][holder[1]] = {}
    if not isinstance(node, dict):
        return _MISSING
    node[path[-1]] = value
    return data


def _unshared(data: Any) -> Any:
    """Rebuild lists and mappings as a tree (bounded: the parser limits expanded nodes)."""
    if isinstance(data, dict):
        return {key: _unshared(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_unshared(value) for value in data]
    return data
