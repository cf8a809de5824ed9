"""Read a kustomization file: what it consumes, and the settings that change its output.

The inputs decide three things: which files a render needs (they are copied into the
render's private tree), which files are not manifests on their own (a patch is never
judged alone), and which kustomizations a changed file re-renders. References that a
contained render must not follow are refused here with their line: remote bases
(kustomize would run `git clone`), absolute paths, and paths that leave the repository.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from policygate.model import Document, FieldPath
from policygate.render.markers import KUSTOMIZATION_FILES
from policygate.render.tree import normalize

# resources/bases/components name directories (or, for resources, files); the rest name
# files. Generators and transformers may also be inline YAML, which has a newline.
_LIST_FIELDS = ("resources", "bases", "components", "crds", "configurations",
                "patchesStrategicMerge", "generators", "transformers", "validators")
_ENTRY_FIELDS = ("patches", "patchesJson6902", "replacements")
_GENERATORS = ("configMapGenerator", "secretGenerator")
# (patterns, not compiled: re caches them when a kustomization is read at all)
_REMOTE = r"(?i)^(?:[a-z][a-z0-9+.-]*://|git@|git::)|\?(?:ref|version|timeout|submodules)="
# `github.com/org/repo//path`: remote unless a local path of that name exists.
_HOST_LIKE = r"(?i)^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?::\d+)?/"


@dataclass(frozen=True, slots=True)
class Reference:
    """One input named in a kustomization; `path` is None when the reference is refused."""

    field: str
    written: str
    path: str | None
    where: FieldPath
    problem: str | None = None
    host_like: bool = False   # remote, unless `path` exists in the repository

    @property
    def directory_field(self) -> bool:
        return self.field in ("resources", "bases", "components")


@dataclass(slots=True)
class Kustomization:
    directory: str
    file: str
    document: Document | None
    component: bool = False
    references: list[Reference] = field(default_factory=list)
    problem: str | None = None         # the file is not a readable kustomization

    @property
    def data(self) -> dict[str, Any]:
        data = self.document.data if self.document is not None else None
        return data if isinstance(data, dict) else {}


def is_kustomization_file(path: str) -> bool:
    return posixpath.basename(path) in KUSTOMIZATION_FILES


def _is_inline(text: str) -> bool:
    return "\n" in text or text.lstrip().startswith(("apiVersion:", "kind:", "{"))


def remote_problem(field_name: str, written: str) -> str:
    return (f"remote {field_name} entry {written!r}: a render of a change never fetches "
            f"anything (vendor it into the repository)")


def _reference(directory: str, field_name: str, written: str, where: FieldPath) -> Reference:
    if re.search(_REMOTE, written) or ("//" in written and re.match(_HOST_LIKE, written)):
        return Reference(field_name, written, None, where, remote_problem(field_name, written))
    if written.startswith("/"):
        return Reference(field_name, written, None, where,
                         f"absolute path {written!r} in {field_name}: use a path relative to "
                         f"the kustomization")
    path = normalize(directory, written)
    if path is None:
        return Reference(field_name, written, None, where,
                         f"{field_name} entry {written!r} leads outside the repository: "
                         f"refused (files outside the repository are never rendered)")
    return Reference(field_name, written, path, where,
                     host_like=bool(re.match(_HOST_LIKE, written)))


def _generator_files(entry: dict[str, Any]) -> list[tuple[FieldPath, str]]:
    """(field path, path as written) of a configMap/secret generator's file inputs."""
    found: list[tuple[FieldPath, str]] = []
    for index, item in enumerate(_as_list(entry.get("files"))):
        if isinstance(item, str):  # `key=path` or `path`
            found.append((("files", index), item.rpartition("=")[2]))
    for index, item in enumerate(_as_list(entry.get("envs"))):
        if isinstance(item, str):
            found.append((("envs", index), item))
    if isinstance(entry.get("env"), str):
        found.append((("env",), entry["env"]))
    return found


def references(directory: str, data: dict[str, Any]) -> list[Reference]:
    """Every file or directory input of one kustomization, in file order per field."""
    found: list[Reference] = []
    for name in _LIST_FIELDS:
        for index, item in enumerate(_as_list(data.get(name))):
            if isinstance(item, str) and not _is_inline(item):
                found.append(_reference(directory, name, item, (name, index)))
    for name in _ENTRY_FIELDS:
        for index, item in enumerate(_as_list(data.get(name))):
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                found.append(_reference(directory, name, item["path"], (name, index, "path")))
    for name in _GENERATORS:
        for index, item in enumerate(_as_list(data.get(name))):
            if isinstance(item, dict):
                for where, written in _generator_files(item):
                    found.append(_reference(directory, name, written, (name, index, *where)))
    openapi = data.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        found.append(_reference(directory, "openapi", openapi["path"], ("openapi", "path")))
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def parse_kustomization(file: str, raw: bytes | None) -> Kustomization:
    from policygate.parsers import parse_bytes
    from policygate.parsers.yaml import Limits

    directory = posixpath.dirname(file)
    if raw is None:
        return Kustomization(directory, file, None, problem="cannot be read")
    parsed = parse_bytes(raw, file, Limits())
    if parsed.findings or not parsed.documents or not isinstance(parsed.documents[0].data, dict):
        problem = parsed.findings[0].message if parsed.findings else "not a YAML mapping"
        return Kustomization(directory, file, None, problem=problem)
    document = parsed.documents[0]
    data = document.data
    return Kustomization(directory, file, document, component=data.get("kind") == "Component",
                         references=references(directory, data))
