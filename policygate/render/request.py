"""What to render, why, and what came out: the data passed between render stages."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from policygate.model import Document, Finding, Location


@dataclass(frozen=True, slots=True)
class Pointer:
    """The GitOps object (Argo CD Application, Flux Kustomization...) that asks a cluster
    to deploy a directory: the reason a render exists, shown in the report."""

    kind: str
    name: str
    file: str
    line: int

    def describe(self) -> str:
        return f"{self.kind} {self.name} ({self.file}:{self.line})"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "file": self.file, "line": self.line}


@dataclass(slots=True)
class OptionSite:
    """Where render options are written (a GitOps object's document), for findings on the
    values those options set."""

    file: str
    document: Document
    prefix: tuple[Any, ...]
    text: str | None = None


@dataclass(slots=True)
class RenderRequest:
    engine: str                       # "kustomize" or "helm"
    directory: str                    # repository-relative; "" is the root
    options: dict[str, Any] = field(default_factory=dict)
    pointers: list[Pointer] = field(default_factory=list)
    site: OptionSite | None = None    # where `options` are written
    # The namespace the deployer puts namespaced objects without one into (the Argo CD
    # destination, the Helm release namespace).
    namespace: str | None = None

    @property
    def identity(self) -> str:
        """Same directory, same options: the same render, whoever asked for it."""
        return json.dumps([self.engine, self.directory, self.options, self.namespace],
                          sort_keys=True, default=str)

    @property
    def pair_key(self) -> str:
        """The same render at the base and the head of a change: a GitOps object's render
        is paired by the object (its options may be what changed), others by identity."""
        if not self.pointers:
            return self.identity
        return json.dumps([self.engine, self.directory,
                           sorted(f"{p.kind} {p.name}" for p in self.pointers)])

    @property
    def label(self) -> str:
        return self.directory or "."


@dataclass(slots=True)
class Render:
    """One render: its output, or the findings that say why there is none."""

    request: RenderRequest
    renderer: str                     # "kubectl kustomize", "kustomize", "helm"
    version: str
    anchor: str                       # the file findings about the render itself go to
    inputs: dict[str, bytes] = field(default_factory=dict)
    output: bytes | None = None
    failures: list[Finding] = field(default_factory=list)
    cached: bool = False
    resources: int = 0
    side: str | None = None           # "base" or "head" of a change; None: not a diff
    # Rendered only to describe the cluster around a change (policygate.inventory): a
    # root the change does not touch, never judged or reported.
    context: bool = False

    @property
    def reported(self) -> bool:
        """Are its findings the run's (not the base's comparison, not the context)?"""
        return self.side != "base" and not self.context

    def to_json(self) -> dict[str, Any]:
        return {"path": self.request.label, "engine": self.request.engine,
                "renderer": self.renderer, "version": self.version,
                "status": self.failures[0].rule.partition("/")[2] if self.failures
                else "rendered",
                "resources": self.resources, "cached": self.cached,
                "side": self.side,
                "led_by": [p.to_json() for p in self.request.pointers],
                **({"context": True} if self.context else {})}


def content_key(engine: str, renderer: str, request: RenderRequest,
                inputs: dict[str, bytes]) -> str:
    """The render cache key: the renderer, the request, and every input's content."""
    import hashlib  # only when something renders: OpenSSL costs milliseconds to load

    digest = hashlib.sha256()
    digest.update(f"{engine}\0{renderer}\0{request.identity}\0".encode())
    for path in sorted(inputs):
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(inputs[path]).digest())
    return digest.hexdigest()


def render_finding(rule: str, message: str, file: str, line: int = 1, column: int = 1
                   ) -> Finding:
    from policygate.model import Severity

    return Finding(rule, Severity.ERROR, message, file, Location(line, column, line),
                   source="render")


def chart_options(values_files: list[str], values: dict[str, Any] | None,
                  release: str | None, namespace: str | None,
                  values_paths: list[tuple[Any, ...]] | None = None) -> dict[str, Any]:
    """Render options of a chart, in the form `add_chart` reads (and the cache hashes)."""
    options: dict[str, Any] = {}
    if values_files:
        options["values_files"] = values_files
    if values:
        options["values"] = values
        options["values_paths"] = [list(p) for p in values_paths or ()]
    if release:
        options["release"] = release
    if namespace:
        options["namespace"] = namespace
    return options
