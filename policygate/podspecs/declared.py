"""`kubernetes.pod_spec_paths`: where a team's own kinds keep their pod specs.

Paths are written like finding paths (`spec.runner.template.spec`), with `[*]` for every
item of a list (`spec.jobs[*].podSpec`). The config loader parses them (and reports a bad
one at its file:line), so the per-document code only walks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policygate.kubernetes import PodSpec, api_group
from policygate.model import FieldPath, Resource, data_at, parse_path
from policygate.podspecs.simple import pod_at

EVERY = object()  # `[*]` in a declared path
Pattern = tuple[Any, ...]


def parse_pattern(text: str) -> Pattern:
    """`spec.jobs[*].podSpec` -> ("spec", "jobs", EVERY, "podSpec"); ValueError if invalid."""
    parts = text.split("[*]")
    pattern: list[Any] = []
    for number, part in enumerate(parts):
        if number:
            pattern.append(EVERY)
        if part:
            if number and not part.startswith((".", "[")):
                raise ValueError(f"invalid field path {text!r}: `[*]` must be followed by "
                                 f"`.field`, `[n]` or nothing")
            pattern.extend(parse_path(part))
    if not pattern or pattern[0] is EVERY:
        raise ValueError(f"invalid field path {text!r}: start with a field name (spec...)")
    return tuple(pattern)


@dataclass(frozen=True, slots=True)
class Declaration:
    kind: str
    api_version: str | None   # exact; None: any
    group: str | None         # None: any
    patterns: tuple[Pattern, ...]


class DeclaredPaths:
    def __init__(self, declarations: list[Declaration]) -> None:
        self._by_kind: dict[str, list[Declaration]] = {}
        for declaration in declarations:
            self._by_kind.setdefault(declaration.kind, []).append(declaration)

    @classmethod
    def from_config(cls, entries: list[dict[str, Any]]) -> DeclaredPaths:
        return cls([Declaration(entry["kind"], entry.get("apiVersion"), entry.get("group"),
                                tuple(parse_pattern(p) for p in entry["paths"]))
                    for entry in entries])

    def patterns(self, api_version: str, kind: str) -> tuple[Pattern, ...] | None:
        for declaration in self._by_kind.get(kind, ()):
            if declaration.api_version not in (None, api_version):
                continue
            if declaration.group not in (None, api_group(api_version)):
                continue
            return declaration.patterns
        return None


def _expand(data: Any, pattern: Pattern, prefix: FieldPath = ()) -> list[FieldPath]:
    for position, element in enumerate(pattern):
        if element is EVERY:
            items = data if isinstance(data, list) else []
            return [path for index in range(len(items))
                    for path in _expand(items[index], pattern[position + 1:],
                                        prefix + tuple(pattern[:position]) + (index,))]
        data = data_at(data, (element,))
    return [prefix + tuple(pattern)]


def declared_pods(resource: Resource, patterns: tuple[Pattern, ...]) -> list[PodSpec]:
    pods: list[PodSpec] = []
    for pattern in patterns:
        for path in _expand(resource.data, pattern):
            pods.extend(pod_at(resource, path, path[:-1] + ("metadata",)))
    return pods
