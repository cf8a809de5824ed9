"""Safe, bounded YAML (and JSON) loading that keeps the node tree for positions.

PyYAML's safe constructor never executes anything, but on its own it happily builds a
"billion laughs" graph or a self-referencing list, and nothing in it bounds file size or
document count. Every limit here turns into a `parse/limit-exceeded` finding that names
the limit and the setting that raises it, so one hostile file never stops the scan.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from policygate.model import Document, Finding, Location, Severity
from policygate.parsers.lines import GitLines
from policygate.parsers.lists import expand_lists
from policygate.parsers.tags import install_go_yaml_tags

if TYPE_CHECKING:
    from policygate.parsers.merge import Divergence

try:
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml: slower, same results
    _BaseLoader = yaml.SafeLoader


@dataclass(slots=True)
class Limits:
    max_file_bytes: int = 16 * 1024 * 1024
    max_documents: int = 10_000
    max_depth: int = 128
    max_nodes: int = 1_000_000
    render_timeout_seconds: int = 60          # per kustomize/helm render
    max_render_bytes: int = 16 * 1024 * 1024  # per render's output


@dataclass(slots=True)
class ParsedFile:
    documents: list[Document]
    findings: list[Finding]
    text: str | None = None  # the decoded source, for stages that read comments


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that records duplicate keys and keeps timestamps as strings.

    Kubernetes decodes YAML into JSON, where a timestamp is just a string; turning it
    into a `datetime` would make policies see a different value than the API server.
    """

    # Plain scalars repeat endlessly in manifests (keys, "true", image names): remember
    # how each resolved instead of running the implicit-resolver regexes every time.
    _resolved: dict[str, str] = {}
    _RESOLVED_MAX = 65536

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[Node] = []

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        """Same answers as PyYAML's resolver (no path resolvers are registered)."""
        if kind is ScalarNode:
            if not implicit[0]:
                return self.DEFAULT_SCALAR_TAG
            tag = self._resolved.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(self._resolved) < self._RESOLVED_MAX:
                    self._resolved[value] = tag
            return tag
        return self.DEFAULT_MAPPING_TAG if kind is MappingNode else self.DEFAULT_SEQUENCE_TAG

    # Path resolvers are never registered, so tracking the node path is wasted work.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        own_pairs = node.value  # flatten_mapping removes `<<` entries from this list in place
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) != len(node.value):
            seen: set[Any] = set()
            for key_node, _ in own_pairs:
                key = key_node.value if isinstance(key_node, ScalarNode) else id(key_node)
                if key in seen:
                    self.duplicate_keys.append(key_node)
                seen.add(key)
        return mapping




def _kubernetes_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    """Implicit types as Kubernetes reads YAML (sigs.k8s.io/yaml, YAML 1.1 via go-yaml v2).

    That differs from PyYAML in two places that decide verdicts: `y`/`n` are booleans
    (so `privileged: y` is true), and sexagesimal numbers (`1:20`) are strings.
    """
    base = yaml.SafeLoader.yaml_implicit_resolvers
    # `tag:yaml.org,2002:value` is PyYAML's reading of a bare `=`, which no constructor
    # takes; go-yaml has no such type and reads the string "=" (Alertmanager matchType).
    replaced = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                "tag:yaml.org,2002:value"}
    resolvers = {first: [(tag, regexp) for tag, regexp in entries if tag not in replaced]
                 for first, entries in base.items()}
    patterns = [
        ("tag:yaml.org,2002:bool",
         r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE"
         r"|on|On|ON|off|Off|OFF)$", "yYnNtTfFoO"),
        ("tag:yaml.org,2002:int",
         r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$",
         "-+0123456789"),
        # go-yaml also takes an exponent without sign or dot: 1e3 is the float 1000.
        ("tag:yaml.org,2002:float",
         r"^(?:[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?"
         r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789."),
    ]
    for tag, pattern, first in reversed(patterns):  # bool, then int, then float
        regexp = re.compile(pattern)
        for char in first:
            resolvers.setdefault(char, []).insert(0, (tag, regexp))
    return resolvers


_Loader.yaml_implicit_resolvers = _kubernetes_resolvers()
_Loader.bool_values = {**yaml.SafeLoader.bool_values, "y": True, "n": False}
install_go_yaml_tags(_Loader)

_NOT_ANCHOR_NAME = frozenset(" \t\r\n,[]{}")


def _has_anchor(text: str) -> bool:
    """An anchor (`&name`) where a node may start: after a key, a list dash, a flow
    opener, a tag, or alone on a line. `&&` in shell commands and `&` in URLs do not
    count. A miss is safe: the fast builder still counts every node and level against the
    limits. Scans from each `&` (str.find) rather than with a regex tried at every
    position, which cost 50 µs per KB of every file."""
    index = text.find("&")
    while index != -1:
        following = text[index + 1:index + 2]
        if following and following not in _NOT_ANCHOR_NAME:
            start = index
            while start and text[start - 1] in " \t":
                start -= 1
            if start == 0 or text[start - 1] in "\n-?:,[{":
                return True
            if start != index:  # a word, then blanks: is the word a tag (`!!str &a`)?
                line = text.rfind("\n", 0, start) + 1
                word = max(text.rfind(" ", line, start), text.rfind("\t", line, start)) + 1
                if text.startswith("!", max(word, line)):
                    return True
        index = text.find("&", index + 1)
    return False

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


class _Exceeded(Exception):
    def __init__(self, limit: str) -> None:
        self.limit = limit


class _SlowPath(Exception):
    """The document uses a feature (merge keys, odd keys) the generic constructor handles."""


def _build(loader: _Loader, root: Node, limits: Limits) -> Any:
    """Construct a tree-shaped document (no anchors) in one pass, checking depth and size.

    About twice as fast as PyYAML's generic constructor, which matters because parsing is
    most of the cost of a scan; anything unusual falls back to the generic path.
    """
    constructors = loader.yaml_constructors
    duplicates = loader.duplicate_keys
    max_depth, max_nodes = limits.max_depth, limits.max_nodes
    count = 0

    def construct(node: Node, depth: int) -> Any:
        nonlocal count
        count += 1
        kind = type(node)
        if kind is ScalarNode:
            tag = node.tag
            if tag == _STR:
                return node.value
            if tag not in constructors:  # unknown or unsafe tag: let PyYAML refuse it
                raise _SlowPath
            return constructors[tag](loader, node)
        if node.tag != (_MAP if kind is MappingNode else _SEQ):
            raise _SlowPath
        if depth >= max_depth:
            raise _Exceeded("max_depth")
        if count > max_nodes:
            raise _Exceeded("max_nodes")
        if kind is MappingNode:
            mapping: dict[Any, Any] = {}
            pairs = node.value
            for key_node, value_node in pairs:
                if type(key_node) is not ScalarNode or key_node.tag == _MERGE:
                    raise _SlowPath
                key = key_node.value if key_node.tag == _STR else construct(key_node, depth + 1)
                mapping[key] = construct(value_node, depth + 1)
            if len(mapping) != len(pairs):
                seen: set[str] = set()
                for key_node, _ in pairs:
                    if key_node.value in seen:
                        duplicates.append(key_node)
                    seen.add(key_node.value)
            return mapping
        return [construct(item, depth + 1) for item in node.value]

    return construct(root, 1)


def _finding(rule: str, severity: Severity, message: str, file: str,
             line: int = 1, column: int = 1) -> Finding:
    return Finding(rule=rule, severity=severity, message=message, file=file,
                   location=Location(line, column, line), source="parser")


def limit_finding(file: str, limit: str, value: int, what: str, line: int = 1) -> Finding:
    """`limit` is a Limits field, which is also its key under `limits:` in the config."""
    return _finding("parse/limit-exceeded", Severity.ERROR,
                    f"{what} exceeds the limit of {value:,} ({limit}); the file was not "
                    f"checked past this point — raise `limits.{limit}` in .policygate.yaml if "
                    f"this is legitimate", file, line)


def _shape_exceeded(root: Node, shared: bool, limits: Limits) -> tuple[str, int] | None:
    """Return (limit name, value) when the document, aliases expanded, is too big or deep.

    Without anchors the graph is a tree and one pass suffices; with anchors, sizes are
    memoised per node so a billion-laughs graph costs as much as its text, and a node
    that reaches itself is reported instead of looping.
    """
    if not shared:
        count = 0
        stack: list[tuple[Node, int]] = [(root, 1)]
        while stack:
            node, depth = stack.pop()
            count += 1
            if depth > limits.max_depth:
                return "max_depth", limits.max_depth
            value = node.value
            if type(node) is MappingNode:
                for key, item in value:
                    stack.append((key, depth + 1))
                    stack.append((item, depth + 1))
            elif type(node) is SequenceNode:
                for item in value:
                    stack.append((item, depth + 1))
        return ("max_nodes", limits.max_nodes) if count > limits.max_nodes else None

    sizes: dict[int, tuple[int, int]] = {}
    in_progress: set[int] = set()
    work: list[tuple[Node, bool]] = [(root, False)]
    while work:
        node, done = work.pop()
        key = id(node)
        children: list[Node] = []
        if type(node) is MappingNode:
            children = [child for pair in node.value for child in pair]
        elif type(node) is SequenceNode:
            children = node.value
        if done:
            size = 1 + sum(sizes[id(child)][0] for child in children)
            depth = 1 + max((sizes[id(child)][1] for child in children), default=0)
            in_progress.discard(key)
            if size > limits.max_nodes:
                return "max_nodes", limits.max_nodes
            if depth > limits.max_depth:
                return "max_depth", limits.max_depth
            sizes[key] = (size, depth)
            continue
        if key in sizes:
            continue
        if key in in_progress:
            return "recursive", 0
        in_progress.add(key)
        work.append((node, True))
        work.extend((child, False) for child in children if id(child) not in sizes)
    return None


def end_line(node: Node) -> int:
    """1-based inclusive last line with content of a node.

    A block collection's end mark sits on the next token (the next list item, the next
    key), so the last line is that of its last descendant instead — unless that is an
    alias: its node is the anchor's, written earlier (maybe in another `kind: List`
    item), so the line before the next token (the end mark) bounds it instead.
    """
    while type(node) in (MappingNode, SequenceNode) and node.value and not node.flow_style:
        if type(node) is MappingNode:
            key, child = node.value[-1]
            aliased = min(key.start_mark.index, child.start_mark.index) < node.start_mark.index \
                or child.start_mark.index < key.start_mark.index   # `key: *a`, `<<: *a`
        else:
            child = node.value[-1]
            before = node.value[-2] if len(node.value) > 1 else node
            aliased = child.start_mark.index < before.start_mark.index      # `- *a`
        if aliased:  # the collection ends before the token that follows it
            return max(node.end_mark.line, node.start_mark.line + 1)
        node = child
    end = node.end_mark
    line = end.line if end.column == 0 and end.line > node.start_mark.line else end.line + 1
    return max(line, node.start_mark.line + 1)


def _error_finding(file: str, text: str, error: yaml.YAMLError, lines: GitLines | None,
                   offset: int) -> Finding:
    """A syntax error at its line (git's numbering, in the whole file), in plain words
    (parsers.yaml_errors), with the source line for the text report's caret."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    context_mark = getattr(error, "context_mark", None)
    if lines is not None:
        mark = lines.mark(mark) if mark is not None else None
        context_mark = lines.mark(context_mark) if context_mark is not None else None
    if isinstance(error, yaml.MarkedYAMLError):
        problem = error.problem or "invalid YAML"
        if "maximum nesting depth" in problem:
            line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            return _finding("parse/limit-exceeded", Severity.ERROR,
                            "nesting deeper than the YAML parser's limit of 1,000 levels; "
                            "the file was not checked past this point", file, line, column)
        parsed = f"{error.context}: {problem}" if error.context else problem
        position = mark.index if mark is not None else 0
    elif isinstance(error, yaml.reader.ReaderError):
        character = error.character
        code = ord(character) if isinstance(character, str) else character
        parsed = (f"the control character U+{code:04X} is not allowed in YAML: remove it, or "
                  f"write it as an escape (\\x{code:02x}) in a double-quoted string")
        position = offset + error.position
    else:
        parsed, position = str(error), offset
    if position >= len(text.rstrip()):  # "unexpected end of file": where what ended began
        if context_mark is not None and context_mark.index < position:
            position = context_mark.index
        elif position >= len(text) and text.endswith("\n"):
            position = len(text) - 1  # else the last line, which exists
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    line_text = text[start:end if end != -1 else len(text)].removesuffix("\r")
    line = text.count("\n", 0, start) + 1
    column = min(position - start, len(line_text)) + 1
    words = None
    if isinstance(error, yaml.MarkedYAMLError):
        from policygate.parsers.yaml_errors import SyntaxProblem, plain_words

        context_line = context_mark.line + 1 if context_mark is not None \
            and context_mark.line + 1 != line else None
        words = plain_words(SyntaxProblem(error.context, error.problem or "", line_text,
                                          column, context_line))
    finding = _finding("parse/invalid-yaml", Severity.ERROR,
                       words or " ".join(parsed.split()), file, line, column)
    finding.excerpt = _excerpt(line_text, column)
    return finding


_EXCERPT_WIDTH = 100


def _excerpt(line_text: str, column: int) -> tuple[str, int]:
    """The line, or a window of a long line (minified JSON) around the column, with
    control characters escaped: a manifest must not drive the reader's terminal."""
    start = max(0, min(column - 1 - _EXCERPT_WIDTH // 2, len(line_text) - _EXCERPT_WIDTH))
    window = line_text[start:start + _EXCERPT_WIDTH]
    caret = column - start
    if start:
        window, caret = "…" + window, caret + 1
    if start + _EXCERPT_WIDTH < len(line_text):
        window += "…"
    before = _visible(window[:caret - 1])
    return before + _visible(window[caret - 1:]), len(before) + 1


def _visible(text: str) -> str:
    """Tabs as four spaces (the caret lines up), other control characters escaped."""
    text = text.replace("\t", "    ")
    if any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in text):
        text = "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 else c
                       for c in text)
    return text


class _Refused(Exception):
    """One document cannot be read (a limit, a tag that does not fit); the next may be."""

    def __init__(self, finding: Finding) -> None:
        self.finding = finding


class _Reading:
    """What the parts of one file have given so far (the parser's own state)."""

    __slots__ = ("file", "limits", "shared", "documents", "findings", "index", "full")

    def __init__(self, file: str, limits: Limits, shared: bool) -> None:
        self.file, self.limits, self.shared = file, limits, shared
        self.documents: list[Document] = []
        self.findings: list[Finding] = []
        self.index = 0          # documents seen, broken ones included
        self.full = False       # max_documents reached: read nothing more


# A document start as kubectl splits streams: `---` at the start of a line.
_DOCUMENT_START = r"(?m)^---(?=[ \t\r\n]|\Z)"


def parse_yaml(text: str, file: str, limits: Limits) -> ParsedFile:
    """Parse every document, also those after a syntax error.

    A document that composes but cannot be constructed (an explicit tag its value does
    not fit, a limit) is a finding of its own, and the documents after it are still read.
    After a syntax error the rest of the file is read document by document (split at
    `---` lines, as kubectl splits a stream), so one broken document hides no other.
    """
    reading = _Reading(file, limits, _has_anchor(text))
    broken_at = _read_part(text, text, 0, reading, GitLines.needed(text), whole=True)
    if broken_at is None or reading.full:
        return ParsedFile(reading.documents, reading.findings, text)
    # A character the reader refuses stops it before the first document (broken_at 0):
    # then every document is read on its own, else those after the broken one.
    starts = [0] if broken_at == 0 else []
    starts += [match.start() for match in re.compile(_DOCUMENT_START).finditer(
        text, max(1, text.rfind("\n", 0, broken_at) + 1))]
    numbering = GitLines(text)
    for start, end in zip(starts, [*starts[1:], len(text)]):
        if reading.full:
            break
        _read_part(text[start:end], text, start, reading, numbering.shifted(start))
    return ParsedFile(reading.documents, reading.findings, text)


def _read_part(part: str, text: str, offset: int, reading: _Reading,
               lines: GitLines | None, whole: bool = False) -> int | None:
    """Read the documents of `part` (which starts at character `offset` of `text`);
    the character where a syntax error stopped it, else None. In the `whole` file, a
    character the reader refuses (found before any document is read) is left to the
    document-by-document reading: 0."""
    loader = _Loader(part)
    limits, file = reading.limits, reading.file
    try:
        while loader.check_node():
            node = loader.get_node()
            if lines is not None:
                lines.renumber(node)
            if reading.index >= limits.max_documents:
                reading.findings.append(limit_finding(
                    file, "max_documents", limits.max_documents, "number of documents",
                    node.start_mark.line + 1))
                reading.full = True
                break
            try:
                reading.documents.extend(_read_document(loader, node, limits, reading.shared,
                                                        file, reading.index))
            except _Refused as refused:
                reading.findings.append(refused.finding)
            reading.index += 1
    except yaml.YAMLError as error:
        if whole and isinstance(error, yaml.reader.ReaderError) and \
                re.compile(_DOCUMENT_START).search(text, 1):
            return 0
        reading.findings.append(_error_finding(file, text, error, lines, offset))
        reading.index += 1
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        position = getattr(error, "position", None) if mark is None else mark.index
        return offset + (position or 0)
    except RecursionError:
        reading.findings.append(limit_finding(file, "max_depth", limits.max_depth,
                                              "nesting depth"))
        reading.full = True
    finally:
        loader.dispose()
    return None


def _read_document(loader: _Loader, node: Node, limits: Limits, shared: bool, file: str,
                   index: int) -> list[Document]:
    loader.duplicate_keys = []
    try:
        try:
            if shared:
                raise _SlowPath
            return _documents(file, index, _build(loader, node, limits), node,
                              loader.duplicate_keys)
        except _SlowPath:
            loader.duplicate_keys = []
            exceeded = _shape_exceeded(node, shared, limits)
            if exceeded is None:
                return _constructed(loader, node, file, index)
    except _Exceeded as limit:
        exceeded = (limit.limit, getattr(limits, limit.limit))
    except yaml.constructor.ConstructorError as error:
        _reset(loader)
        mark = error.problem_mark or error.context_mark or node.start_mark
        problem = error.problem or "cannot be read"
        raise _Refused(_finding("parse/invalid-yaml", Severity.ERROR, " ".join(problem.split()),
                                file, mark.line + 1, mark.column + 1)) from None
    limit, value = exceeded
    line = node.start_mark.line + 1
    if limit == "recursive":
        raise _Refused(_finding("parse/invalid-yaml", Severity.ERROR,
                                "an alias refers to its own anchor (recursive structure)",
                                file, line))
    what = "nesting depth" if limit == "max_depth" else "number of values (with aliases expanded)"
    raise _Refused(limit_finding(file, limit, value, f"document {index + 1}: {what}", line))


def _reset(loader: _Loader) -> None:
    """Forget a construction that failed half-way, so the next document starts clean."""
    loader.constructed_objects = {}
    loader.recursive_objects = {}
    loader.state_generators = []
    loader.deep_construct = False


def _documents(file: str, index: int, data: Any, node: Node,
               duplicates: list[Node]) -> list[Document]:
    """The document (the items of a list object), with the duplicate keys reported once."""
    if data is None:
        return []
    expanded = expand_lists(data, node, lambda item, item_node: Document(
        file, index, item, item_node, item_node.start_mark.line + 1, end_line(item_node)))
    if expanded:
        expanded[0].problems.extend(_duplicate_findings(file, duplicates))
    return expanded


def _constructed(loader: _Loader, node: Node, file: str, index: int) -> list[Document]:
    """The generic constructor's reading; with merge keys, kubectl's and the spec's."""
    from policygate.parsers.merge import differing, has_merge, merge_readings

    if not has_merge(node):
        return _documents(file, index, loader.construct_document(node), node,
                          loader.duplicate_keys)
    readings = merge_readings(node)
    primary = _documents(file, index, loader.construct_document(readings.kubectl),
                         readings.kubectl, loader.duplicate_keys + readings.duplicates)
    loader.duplicate_keys = []
    spec_data = loader.construct_document(readings.spec)
    construct = loader.construct_document
    ambiguous = [_ambiguous_finding(file, divergence, construct)
                 for divergence in differing(readings, construct)]
    loader.duplicate_keys = []
    if not primary:
        return primary
    primary[0].problems.extend(ambiguous)
    if ambiguous or spec_data != primary[0].data:
        others = _documents(file, index, spec_data, readings.spec, [])
        for position, other in enumerate(others):
            primary[min(position, len(primary) - 1)].other_readings.append(other)
    return primary


def _ambiguous_finding(file: str, divergence: Divergence,
                       construct: Callable[[Node], Any]) -> Finding:
    key = divergence.key
    written = _short(construct(divergence.written))
    merged = _short(construct(divergence.merged))
    return _finding(
        "parse/ambiguous-merge", Severity.WARNING,
        f"{_short(key.value)} is {written} here, but the `<<` merge key on line "
        f"{divergence.merge_key.start_mark.line + 1} brings {merged}: kubectl, Helm and Argo CD "
        f"apply {merged} (their YAML decoder lets the later key win), kustomize and the YAML "
        f"spec keep {written}; the gate judges both — write the key after the `<<` or drop "
        f"one of them", file, key.start_mark.line + 1, key.start_mark.column + 1)


def _short(value: Any) -> str:
    import json

    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _duplicate_findings(file: str, keys: list[Node]) -> list[Finding]:
    return [_finding("parse/duplicate-key", Severity.WARNING,
                     f"duplicate key {key.value!r}: Kubernetes keeps only the last value, "
                     f"remove one of them", file, key.start_mark.line + 1, key.start_mark.column + 1)
            for key in keys]
