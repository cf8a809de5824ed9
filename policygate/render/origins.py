"""Where a kustomize-rendered object came from, read from its build annotations.

`config.kubernetes.io/origin` names the file (or, for generated objects, the
kustomization that generated it); `alpha.config.kubernetes.io/transformations` names
each kustomization that transformed it, innermost first. Paths are relative to the
wrapper overlay, so they are turned back into repository paths. The annotations are
removed before rules see the object: they are the gate's, not the author's.
"""
from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

import yaml

from policygate.locate import locate
from policygate.model import FieldPath, Location
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import Limits, ParsedFile
from policygate.render.attribute import Layer, Place, Source, attribute
from policygate.render.kustomize import WRAPPER_DIR
from policygate.render.layers import kustomization_layer, layer_patches
from policygate.render.request import OptionSite
from policygate.render.tree import normalize

ORIGIN = "config.kubernetes.io/origin"
TRANSFORMATIONS = "alpha.config.kubernetes.io/transformations"


def _annotation_yaml(text: Any) -> Any:
    if not isinstance(text, str):
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def take_build_annotations(data: dict[str, Any]) -> tuple[Any, Any]:
    """Remove and return (origin, transformations) from a rendered object."""
    metadata = data.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(annotations, dict):
        return None, None
    origin = _annotation_yaml(annotations.pop(ORIGIN, None))
    transformations = _annotation_yaml(annotations.pop(TRANSFORMATIONS, None))
    if not annotations:
        del metadata["annotations"]
    return origin, transformations


def repository_path(written: Any) -> str | None:
    """A path from the annotations (relative to the wrapper) as a repository path; the
    wrapper itself is ""."""
    if not isinstance(written, str):
        return None
    return normalize(WRAPPER_DIR, written)


class KustomizePlaces:
    """Places findings of one kustomize render on source lines."""

    def __init__(self, inputs: Mapping[str, bytes], root_file: str,
                 site: OptionSite | None, options: dict[str, Any]) -> None:
        self.inputs = inputs
        self.root_file = root_file
        self.site = site
        self.options = options
        self._parsed: dict[str, ParsedFile] = {}
        self._layers: dict[str, Layer | None] = {}

    def parsed(self, path: str) -> ParsedFile | None:
        if path not in self._parsed:
            raw = self.inputs.get(path)
            if raw is None:
                return None
            self._parsed[path] = parse_bytes(raw, path, Limits())
        return self._parsed[path]

    def _layer(self, kustomization_file: str) -> Layer | None:
        if kustomization_file not in self._layers:
            self._layers[kustomization_file] = self._build_layer(kustomization_file)
        return self._layers[kustomization_file]

    def _build_layer(self, kustomization_file: str) -> Layer | None:
        if posixpath.dirname(kustomization_file) == WRAPPER_DIR:
            site = self.site
            if site is None:
                return None
            return Layer(site.file, site.document, self.options, site.prefix,
                         layer_patches(site.file, site.document, site.text, site.prefix,
                                       self.options, self.inputs))
        parsed = self.parsed(kustomization_file)
        if parsed is None or not parsed.documents:
            return None
        return kustomization_layer(kustomization_file, parsed.documents[0], parsed.text,
                                   self.inputs)

    def layers(self, transformations: Any) -> list[Layer]:
        files: list[str] = []
        for entry in transformations if isinstance(transformations, list) else []:
            written = entry.get("configuredIn") if isinstance(entry, dict) else None
            path = repository_path(written)
            if path is not None and path not in files:
                files.append(path)
        return [layer for layer in map(self._layer, files) if layer is not None]

    def source(self, origin: Any, rendered: dict[str, Any]) -> Source | None:
        """The document of the origin file that is this object (same kind, and the
        longest name the rendered name contains: prefixes and suffixes only add)."""
        path = repository_path(origin.get("path")) if isinstance(origin, dict) else None
        parsed = self.parsed(path) if path is not None else None
        if parsed is None:
            return None
        kind, name = rendered.get("kind"), _name(rendered)
        candidates = [d for d in parsed.documents
                      if isinstance(d.data, dict) and d.data.get("kind") == kind
                      and _name(d.data) in name]
        if not candidates:
            return None
        return Source(path, max(candidates, key=lambda d: len(_name(d.data))))

    def generated_place(self, origin: Any) -> Place | None:
        """A generated object (configMapGenerator...) is placed on its generator."""
        configured = origin.get("configuredIn") if isinstance(origin, dict) else None
        path = repository_path(configured) if configured is not None else None
        parsed = self.parsed(path) if path is not None else None
        if parsed is None or not parsed.documents:
            return None
        kind = (origin.get("configuredBy") or {}).get("kind", "")
        key: FieldPath = (kind[:1].lower() + kind[1:],) if kind else ()
        return Place(path, locate(parsed.documents[0], key))

    # -- the judge's Placer interface ----------------------------------------------------

    def bind(self, text: str) -> None:
        pass  # everything is in each object's annotations

    def prepare(self, document: Any) -> tuple[Any, Any]:
        return take_build_annotations(document.data) if isinstance(document.data, dict) \
            else (None, None)

    def file_of(self, context: tuple[Any, Any] | None) -> str:
        origin = context[0] if context is not None else None
        path = repository_path(origin.get("path")) if isinstance(origin, dict) else None
        return path if path is not None and path in self.inputs else self.root_file

    def place(self, context: tuple[Any, Any], path: FieldPath, rendered: dict[str, Any]
              ) -> Place:
        origin, transformations = context
        fallback = Place(self.root_file, Location(1, 1, 1), traced=False)
        source = self.source(origin, rendered)
        if source is None:
            generated = self.generated_place(origin)
            if generated is not None:
                return generated
        return attribute(path, rendered, source, self.layers(transformations), fallback)


def _name(data: Any) -> str:
    metadata = data.get("metadata") if isinstance(data, dict) else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else ""
