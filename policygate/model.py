"""The plain data that flows between pipeline stages.

Stages exchange these dataclasses and nothing else, so each stage can be tested alone
and a worker process can hand its results back by pickling them.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Union

PathElement = Union[str, int]
FieldPath = tuple[PathElement, ...]


class Severity(enum.IntEnum):
    """Ordered so that `severity >= Severity.WARNING` reads naturally."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or note)") from None

    @classmethod
    def threshold(cls, fail_on: str) -> Severity | None:
        """`--fail-on`: a severity, or None for `never` (no finding blocks)."""
        return None if fail_on == "never" else cls.parse(fail_on)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*\Z")


def format_path(path: FieldPath) -> str:
    """Render a field path the way kubectl and OPA users write it.

    Keys that are not identifiers (annotation names, dotted keys) are bracket-quoted so
    the string parses back to the same path.
    """
    parts: list[str] = []
    for element in path:
        if isinstance(element, int):
            parts.append(f"[{element}]")
        elif _PLAIN_KEY.match(element):
            parts.append(f".{element}" if parts else element)
        else:
            escaped = element.replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'["{escaped}"]')
    return "".join(parts)


@cache
def _path_token() -> re.Pattern[str]:
    """Compiled on first use: only paths from Rego results and configs are parsed."""
    return re.compile(r'\.?([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def parse_path(text: str) -> FieldPath:
    """Inverse of `format_path`; raises ValueError on anything it would not produce."""
    elements: list[PathElement] = []
    position = 0
    while position < len(text):
        match = _path_token().match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"invalid field path {text!r} at character {position + 1}")
        name, index, quoted = match.groups()
        if name is not None:
            elements.append(name)
        elif index is not None:
            elements.append(int(index))
        else:
            elements.append(re.sub(r"\\(.)", r"\1", quoted))
        position = match.end()
    return tuple(elements)


def mapping(value: Any) -> dict[str, Any]:
    """A manifest's mapping, or empty where it has null or anything else: readers of
    untrusted data compare values and never trip over the wrong shape."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    """A manifest's list, or empty where it has null or anything else."""
    return value if isinstance(value, list) else []


def value_at(data: Any, path: FieldPath) -> Any:
    """The value at a path of mapping keys, or None where the path leaves the mappings."""
    for element in path:
        if not isinstance(data, dict):
            return None
        data = data.get(element)
    return data


def data_at(data: Any, path: FieldPath) -> Any:
    """`value_at` through list items too (finding paths, pod spec paths): None where the
    path leaves the data (a missing key, an index past a list's end, a step into a
    scalar). A mapping takes any key, ints too: YAML reads `0:` as one."""
    for element in path:
        if isinstance(data, dict):
            data = data.get(element)
        elif isinstance(data, list) and isinstance(element, int) and 0 <= element < len(data):
            data = data[element]
        else:
            return None
    return data


@dataclass(frozen=True, slots=True)
class Location:
    """1-based position of a finding; end_line is inclusive."""

    line: int
    column: int
    end_line: int
    end_column: int | None = None


@dataclass(frozen=True, slots=True)
class ResourceId:
    api_version: str
    kind: str
    namespace: str | None
    name: str | None

    def to_json(self) -> dict[str, Any]:
        return {"apiVersion": self.api_version, "kind": self.kind,
                "namespace": self.namespace, "name": self.name}

    def __str__(self) -> str:
        name = self.name or "<unnamed>"
        return f"{self.kind}/{self.namespace}/{name}" if self.namespace else f"{self.kind}/{name}"


@dataclass(slots=True)
class Document:
    """One YAML/JSON document (or one item of a `kind: List`) with its source positions.

    `node` is the composed YAML node tree; it is kept only while the file is being
    checked and lets the locate stage turn a field path into a line without storing a
    position for every value. `problems` are parse findings (duplicate keys) that are
    reported only if a later stage recognises the document.

    Formats that are not YAML (Dockerfiles) have no node tree: their parser records
    `positions` for the field paths it produces, and sets `kind` to the format name.
    """

    file: str
    index: int
    data: Any
    node: Any
    start_line: int
    end_line: int
    problems: list[Finding] = field(default_factory=list)
    kind: str | None = None
    positions: dict[FieldPath, Location] | None = None
    # The same source as other tools read it, where they differ (merge keys: the YAML
    # spec's and kustomize's reading next to kubectl's). Rules judge every reading.
    other_readings: list[Document] = field(default_factory=list)


@dataclass(slots=True)
class Resource:
    """A Kubernetes object: a document with apiVersion and kind."""

    document: Document
    id: ResourceId

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data

    @property
    def file(self) -> str:
        return self.document.file


@dataclass(frozen=True, slots=True)
class Violation:
    """What a rule reports: a message and where in the object, never a line number."""

    message: str
    path: FieldPath = ()
    rule: str | None = None
    severity: Severity | None = None
    fix: str | None = None


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding is not counted: which mechanism, written where, and the reason."""

    kind: str                   # comment | annotation | exception | baseline
    reason: str | None
    file: str                   # where the suppression is written
    line: int | None = None
    label: str | None = None    # e.g. "exception #2"
    owner: str | None = None
    expires: str | None = None
    # A suppression a pull request added, honoured because these reviewers approved it.
    approved_by: tuple[str, ...] = ()

    @property
    def origin(self) -> str:
        """`deploy/web.yaml:12`, `.policygate.yaml:30 (exception #2)`, `baseline.json`."""
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where} ({self.label})" if self.label else where

    def to_json(self) -> dict[str, Any]:
        data = {"kind": self.kind, "reason": self.reason, "by": self.origin,
                "owner": self.owner, "expires": self.expires}
        return {**data, "approved_by": list(self.approved_by)} if self.approved_by else data


@dataclass(slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    file: str
    location: Location | None = None
    resource: ResourceId | None = None
    path: FieldPath = ()
    source: str = "builtin"
    fix: str | None = None
    suppression: Suppression | None = None
    render: str | None = None   # the rendered directory (overlay, chart) it was found in
    # The offending value (locate.evidence): part of the fingerprint.
    evidence: str | None = None
    # A syntax error's source line (or the part of a long line around the error) and the
    # 1-based column in it, which the text report shows with a caret.
    excerpt: tuple[str, int] | None = None

    def sort_key(self) -> tuple[Any, ...]:
        line = self.location.line if self.location else 0
        column = self.location.column if self.location else 0
        return (self.file, line, column, self.rule, self.message)


@dataclass(slots=True)
class Report:
    """Everything one run found.

    `failures` are problems with the run itself (an engine crash, an internal error):
    they are printed, the scan goes on, and the exit code becomes 2 — a check that did
    not run is never reported as a pass.
    """

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    resources: int = 0
    failures: list[str] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    # (file, resource) for every Kubernetes object checked, for formats that list passes.
    checked: list[tuple[str, ResourceId]] = field(default_factory=list)
    # Each kustomize/helm render of the run: path, renderer, version, status, led_by.
    renders: list[dict[str, Any]] = field(default_factory=list)
    # The Rego engine that judged the run (policygate.rego.choice.report_fields), or None.
    rego_engine: dict[str, Any] | None = None

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    def worst(self) -> Severity | None:
        return max((finding.severity for finding in self.findings), default=None)

    def blocks(self, fail_on: Severity | None) -> bool:
        """Whether the findings fail the gate: the exit code, the check run, the commit
        status and the review event all follow this one answer."""
        worst = self.worst()
        return fail_on is not None and worst is not None and worst >= fail_on

    def severity_counts(self) -> str:
        """`2 errors, 1 warning`: worst first, zero counts left out ("" when clean)."""
        return ", ".join(plural(self.count(severity), str(severity))
                         for severity in sorted(Severity, reverse=True) if self.count(severity))
