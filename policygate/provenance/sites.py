"""Sites: one reference, where it is written, and what it says — the rules' input.

Extraction (one module per source kind) produces these; rules only judge them. A site
carries field paths, never line numbers: the locate stage maps paths to positions, from
the YAML node tree or from the positions the Dockerfile parser recorded.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from yaml.nodes import ScalarNode

from policygate.locate import value_node
from policygate.model import Document, FieldPath
from policygate.provenance.reference import (ImageReference, InvalidReference, ParsedImage,
                                             parse_image)


@dataclass(slots=True)
class ImageSite:
    """A container image reference.

    `text` is the reference that will be pulled: ARG defaults substituted in Dockerfiles,
    `${VAR:-default}` resolved in compose files, the fields of a Kustomize override put
    together. Kustomize writes the tag and digest in their own fields (`tag_path`,
    `digest_path`) and may leave the tag to the base manifest (`tag_known` is False).
    """

    file: str
    text: str
    image: ParsedImage
    path: FieldPath
    where: str                          # 'container "web"', 'FROM in stage "build"'
    tag_path: FieldPath | None = None
    digest_path: FieldPath | None = None
    tag_known: bool = True
    written_as: str | None = None       # the text before substitution, when it differs

    @property
    def reference(self) -> ImageReference | None:
        return self.image if isinstance(self.image, ImageReference) else None

    @property
    def kustomize(self) -> bool:
        return self.tag_path is not None or self.digest_path is not None

    def path_of(self, part: str) -> FieldPath:
        """Where to point for a problem with the name, tag or digest."""
        if part == "tag":
            return self.tag_path or self.path
        if part == "digest":
            return self.digest_path or self.tag_path or self.path
        return self.path

    def pin_path(self) -> FieldPath:
        """Where a digest has to be written: next to the tag."""
        return self.tag_path or self.digest_path or self.path

    def describe(self, quote: bool = False) -> str:
        """`container "web" image nginx:1.27` (+ how it was written, when substituted)."""
        text = json.dumps(self.text, ensure_ascii=False) if quote else self.text
        written = f" (written {self.written_as})" if self.written_as else ""
        return f"{self.where} image {text}{written}"


@dataclass(slots=True)
class ActionSite:
    """A `uses:` of a GitHub workflow: an action (step) or a reusable workflow (job)."""

    file: str
    text: str                 # as written: actions/checkout@v4
    action: str               # owner/repo[/path]
    ref: str | None           # after the "@"; None when missing
    path: FieldPath
    where: str                # 'job "build" step 2', 'job "deploy"'


@dataclass(slots=True)
class Revision:
    """What an Argo CD or Flux source deploys from the repository it names.

    `kind` says how to read `value`: "git" (a commit, tag or branch name), "branch" (known
    to be a branch: Flux `ref.branch`), "version" (a SemVer constraint: Helm chart
    versions, Flux `ref.semver`), "oci" (an artifact tag, pinned by `digest`), or
    "pinned" (a commit or an explicit tag: nothing to judge).
    `path` is where the value is written, or where it has to be added.
    """

    kind: str
    value: str | None
    path: FieldPath
    field: str                # how the config calls it: targetRevision, spec.ref.branch
    digest: str | None = None


@dataclass(slots=True)
class SourceSite:
    """A source Argo CD or Flux deploys from: its URL and/or the revision it takes.

    `identity` is the normalised URL (plus `/chart` for Argo CD Helm sources) that the
    allow-list matches; `url` is None for objects that only carry a revision (a Flux
    HelmRelease takes its URL from the HelmRepository it references).
    """

    file: str
    where: str                # 'Application source', 'GitRepository'
    url: str | None
    url_path: FieldPath
    identity: str | None
    revision: Revision | None
    chart: str | None = None  # the Helm chart, when the revision is its version


_TYPE_NAMES = {bool: "a boolean", int: "a number", float: "a number", dict: "a mapping",
               list: "a list"}


def scalar_text(document: Document, path: FieldPath, value: Any) -> str | None:
    """A scalar as written in the file (`newTag: 1.10` is "1.10", not the float 1.1);
    None for anything that is not a scalar."""
    if isinstance(value, str):
        return value
    if value is None or not isinstance(value, (bool, int, float)):
        return None
    node = value_node(document, path)
    if isinstance(node, ScalarNode):
        return node.value
    return str(value)


def image_site(file: str, value: Any, path: FieldPath, where: str,
               written_as: str | None = None) -> ImageSite | None:
    """The site of one image value; None when absent, invalid when not a string.

    `written_as` is the text before variables were substituted into `value`.
    """
    if value is None:
        return None
    if isinstance(value, str):
        written = written_as if written_as != value else None
        return ImageSite(file, value, parse_image(value), path, where, written_as=written)
    text = json.dumps(value, default=str)
    reason = f"the image must be a string, not {_TYPE_NAMES.get(type(value), 'this value')}"
    return ImageSite(file, text, InvalidReference(text, reason), path, where)
