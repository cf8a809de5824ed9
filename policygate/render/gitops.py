"""GitOps objects that say what a cluster renders from this repository.

An Argo CD Application (or ApplicationSet template) source with a `path` in this
repository, a Flux Kustomization's `spec.path` and a Flux HelmRelease's chart path are
what a cluster deploys; their options change the output (Argo CD's `kustomize:`
images, namePrefix, namespace, commonLabels, patches; Flux's targetNamespace, images,
patches; the values of a HelmRelease or of an Application's `helm:`). Each becomes a
render with those options, and the report names the object that led to it.

"This repository" is any URL in `render.repositories`, else the git remotes; a source
whose repository is not known to be another is taken to be this one when its path
exists here.
"""
from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from policygate.model import Document, FieldPath
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import Limits
from policygate.provenance.source_url import normalise_source_url
from policygate.render.graph import KustomizeGraph
from policygate.render.kustomize import WRAPPER_DIR
from policygate.render.markers import may_point
from policygate.render.request import OptionSite, Pointer, RenderRequest
from policygate.render.tree import Tree, normalize

Generated = Callable[[str, str, str], "str | None"]
_TEMPLATE = re.compile(r"\{\{|\$\{")
_IMAGE = re.compile(r"^(?:(?P<name>[^=]+)=)?(?P<ref>.+)$")


@dataclass(slots=True)
class Pointed:
    """A render a GitOps object asks for, before it is known whether the path exists."""

    request: RenderRequest
    exists: bool = True


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _clean_path(path: Any) -> str | None:
    if not isinstance(path, str) or _TEMPLATE.search(path):
        return None
    return normalize("", path.strip().lstrip("/") or ".")


def _argo_image(text: Any) -> dict[str, Any] | None:
    """`nginx:1.27`, `nginx=ghcr.io/acme/nginx:1.27`, `nginx@sha256:...` -> an `images:`
    entry (Argo CD's `kustomize edit set image` syntax)."""
    if not isinstance(text, str):
        return None
    match = _IMAGE.match(text.strip())
    if match is None:
        return None
    reference = match.group("ref")
    digest = None
    if "@" in reference:
        reference, _, digest = reference.partition("@")
    slash, colon = reference.rfind("/"), reference.rfind(":")
    repository, tag = (reference[:colon], reference[colon + 1:]) if colon > slash \
        else (reference, None)
    name = match.group("name") or repository
    entry: dict[str, Any] = {"name": name}
    if repository != name:
        entry["newName"] = repository
    if tag:
        entry["newTag"] = tag
    if digest:
        entry["digest"] = digest
    return entry


def _relocated(directory: str, entries: Any) -> Any:
    """Patch/component paths are relative to the source path; the wrapper lives apart."""
    if not isinstance(entries, list):
        return entries
    moved = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            target = normalize(directory, entry["path"])
            entry = {**entry, "path": os.path.relpath(target or ".", WRAPPER_DIR)}
        elif isinstance(entry, str):
            target = normalize(directory, entry)
            entry = os.path.relpath(target or ".", WRAPPER_DIR)
        moved.append(entry)
    return moved


def argo_kustomize_options(directory: str, kustomize: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key in ("namePrefix", "nameSuffix", "namespace", "commonLabels", "commonAnnotations",
                "replicas"):
        if kustomize.get(key):
            options[key] = kustomize[key]
    images = [e for e in map(_argo_image, kustomize.get("images") or []) if e is not None]
    if images:
        options["images"] = images
    for key in ("patches", "components"):
        if kustomize.get(key):
            options[key] = _relocated(directory, kustomize[key])
    return options


def flux_kustomize_options(directory: str, spec: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if isinstance(spec.get("targetNamespace"), str):
        options["namespace"] = spec["targetNamespace"]
    for key in ("namePrefix", "nameSuffix"):
        if isinstance(spec.get(key), str):
            options[key] = spec[key]
    if isinstance(spec.get("images"), list):
        options["images"] = spec["images"]
    if isinstance(spec.get("patches"), list):
        options["patches"] = _relocated(directory, spec["patches"])
    metadata = _dict(spec.get("commonMetadata"))
    if metadata.get("labels"):
        options["labels"] = [{"pairs": metadata["labels"], "includeSelectors": False}]
    if metadata.get("annotations"):
        options["commonAnnotations"] = metadata["annotations"]
    return options


class Repository:
    """Decides whether a GitOps source URL names this repository."""

    def __init__(self, urls: Iterable[str]) -> None:
        self.urls = {normalise_source_url(u) for u in urls if u}

    def is_this(self, url: Any) -> bool:
        if not self.urls or not isinstance(url, str) or _TEMPLATE.search(url):
            return not self.urls
        return normalise_source_url(url) in self.urls


def _pointer(document: Document, file: str) -> Pointer:
    metadata = _dict(_dict(document.data).get("metadata"))
    name = str(metadata.get("name") or "<unnamed>")
    namespace = metadata.get("namespace")
    return Pointer(str(document.data.get("kind")), f"{namespace}/{name}" if namespace else name,
                   file, document.start_line)


def _site(file: str, document: Document, text: str | None, prefix: FieldPath) -> OptionSite:
    return OptionSite(file, document, prefix, text)


def _argo_sources(data: dict[str, Any], spec_path: FieldPath
                  ) -> Iterable[tuple[dict[str, Any], FieldPath]]:
    spec = _dict(_dict(data).get("spec"))
    for key in spec_path:
        spec = _dict(spec.get(key))
    prefix = ("spec", *spec_path)
    if isinstance(spec.get("source"), dict):
        yield spec["source"], prefix + ("source",)
    for index, source in enumerate(spec.get("sources") or []):
        if isinstance(source, dict):
            yield source, prefix + ("sources", index)


def _argo(document: Document, file: str, text: str | None, repository: Repository,
          tree: Tree) -> list[Pointed]:
    data = document.data
    spec_path: FieldPath = ("template", "spec") if data.get("kind") == "ApplicationSet" else ()
    spec = _dict(_dict(data.get("spec")))
    for key in spec_path:
        spec = _dict(spec.get(key))
    namespace = _dict(spec.get("destination")).get("namespace")
    pointed = []
    for source, prefix in _argo_sources(data, spec_path):
        directory = _clean_path(source.get("path"))
        if directory is None or source.get("chart") or not repository.is_this(source.get("repoURL")):
            continue
        pointer = _pointer(document, file)
        if tree.exists(f"{directory}/Chart.yaml" if directory else "Chart.yaml"):
            helm = _dict(source.get("helm"))
            values, paths = _argo_values(helm, prefix)
            files = [normalize(directory, f) for f in helm.get("valueFiles") or []
                     if isinstance(f, str)]
            request = RenderRequest("helm", directory, _chart_options(
                [f for f in files if f is not None], values, helm.get("releaseName")
                or _dict(data.get("metadata")).get("name"), namespace, paths),
                [pointer], _site(file, document, text, prefix + ("helm",)),
                str(namespace) if namespace else None)
        else:
            options = argo_kustomize_options(directory, _dict(source.get("kustomize")))
            request = RenderRequest("kustomize", directory, options, [pointer],
                                    _site(file, document, text, prefix + ("kustomize",)),
                                    str(namespace) if namespace else None)
        pointed.append(Pointed(request, tree.is_dir(directory)))
    return pointed


def _argo_values(helm: dict[str, Any], prefix: FieldPath
                 ) -> tuple[dict[str, Any] | None, list[FieldPath]]:
    values: dict[str, Any] = {}
    paths: list[FieldPath] = []
    if isinstance(helm.get("values"), str):
        import yaml

        try:
            parsed = yaml.safe_load(helm["values"])
        except yaml.YAMLError:
            parsed = None
        if isinstance(parsed, dict):
            values.update(parsed)
    if isinstance(helm.get("valuesObject"), dict):
        values.update(helm["valuesObject"])
        paths.append(("valuesObject",))
    return values or None, paths


def _chart_options(files: list[str], values: dict[str, Any] | None, release: Any,
                   namespace: Any, paths: list[FieldPath]) -> dict[str, Any]:
    from policygate.render.request import chart_options

    return chart_options(files, values, str(release) if release else None,
                         str(namespace) if namespace else None, list(paths))


def _flux_kustomization(document: Document, file: str, text: str | None,
                        repository: Repository, sources: dict[str, str], tree: Tree
                        ) -> list[Pointed]:
    spec = _dict(document.data.get("spec"))
    reference = _dict(spec.get("sourceRef"))
    if reference.get("kind", "GitRepository") != "GitRepository":
        return []
    url = sources.get(str(reference.get("name")))
    if url is not None and not repository.is_this(url):
        return []
    directory = _clean_path(spec.get("path") or ".")
    if directory is None:
        return []
    namespace = spec.get("targetNamespace")
    request = RenderRequest("kustomize", directory, flux_kustomize_options(directory, spec),
                            [_pointer(document, file)], _site(file, document, text, ("spec",)),
                            str(namespace) if isinstance(namespace, str) else None)
    return [Pointed(request, tree.is_dir(directory))]


def _flux_helm_release(document: Document, file: str, text: str | None,
                       repository: Repository, sources: dict[str, str], tree: Tree,
                       generated: Generated) -> list[Pointed]:
    spec = _dict(document.data.get("spec"))
    chart = _dict(_dict(spec.get("chart")).get("spec"))
    reference = _dict(chart.get("sourceRef"))
    if reference.get("kind") != "GitRepository":
        return []
    url = sources.get(str(reference.get("name")))
    if url is not None and not repository.is_this(url):
        return []
    directory = _clean_path(chart.get("chart"))
    if directory is None:
        return []
    files = [normalize(directory, f) for f in chart.get("valuesFiles") or []
             if isinstance(f, str)]
    files += [generated(str(e.get("kind")), str(e.get("name")),
                        str(e.get("valuesKey") or "values.yaml"))
              for e in spec.get("valuesFrom") or []
              if isinstance(e, dict) and not e.get("targetPath")]
    values = spec.get("values") if isinstance(spec.get("values"), dict) else None
    metadata = _dict(document.data.get("metadata"))
    namespace = spec.get("targetNamespace") or metadata.get("namespace")
    request = RenderRequest("helm", directory, _chart_options(
        [f for f in files if f is not None], values,
        spec.get("releaseName") or metadata.get("name"), namespace, [("values",)]),
        [_pointer(document, file)], _site(file, document, text, ("spec",)),
        str(namespace) if namespace else None)
    return [Pointed(request, tree.exists(f"{directory}/Chart.yaml"))]


def generated_values(graph: KustomizeGraph) -> Generated:
    """A HelmRelease's `valuesFrom` ConfigMap/Secret, when a kustomization in the
    repository generates it from a file: that file is the values file."""
    generators = {"ConfigMap": "configMapGenerator", "Secret": "secretGenerator"}
    found: dict[tuple[str, str, str], str] = {}
    loaded = False

    def lookup(kind: str, name: str, key: str) -> str | None:
        nonlocal loaded
        if not loaded:
            loaded = True
            for directory in graph.discover([""]):
                kustomization = graph.kustomization(directory)
                for generator_kind, field_name in generators.items():
                    for entry in (kustomization.data.get(field_name) or []) \
                            if kustomization is not None else []:
                        _generated_files(found, generator_kind, directory, entry)
        return found.get((kind, name, key))
    return lookup


def _generated_files(found: dict[tuple[str, str, str], str], kind: str, directory: str,
                     entry: Any) -> None:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        return
    for item in entry.get("files") or []:
        if isinstance(item, str):
            key, _, path = item.rpartition("=")
            target = normalize(directory, path)
            if target is not None:
                found[(kind, entry["name"], key or posixpath.basename(path))] = target


def find_pointers(tree: Tree, files: Iterable[str], repository: Repository,
                  generated: Generated | None = None) -> list[Pointed]:
    """The renders GitOps objects in `files` ask for (files that mention no GitOps API
    group are not parsed)."""
    files = list(files)
    contents = tree.read_many(files)
    documents: list[tuple[str, Document, str | None]] = []
    for file in files:
        raw = contents.get(file)
        if raw is None or not may_point(raw):
            continue
        parsed = parse_bytes(raw, file, Limits())
        documents += [(file, d, parsed.text) for d in parsed.documents
                      if isinstance(d.data, dict)]
    sources = {str(_dict(d.data.get("metadata")).get("name")): str(
        _dict(d.data.get("spec")).get("url")) for _, d, _ in documents
        if d.data.get("kind") == "GitRepository"}
    pointed: list[Pointed] = []
    for file, document, text in documents:
        group = str(document.data.get("apiVersion", "")).partition("/")[0]
        kind = document.data.get("kind")
        if group == "argoproj.io" and kind in ("Application", "ApplicationSet"):
            pointed += _argo(document, file, text, repository, tree)
        elif group == "kustomize.toolkit.fluxcd.io" and kind == "Kustomization":
            pointed += _flux_kustomization(document, file, text, repository, sources, tree)
        elif group == "helm.toolkit.fluxcd.io" and kind == "HelmRelease":
            pointed += _flux_helm_release(document, file, text, repository, sources, tree,
                                          generated or (lambda *_: None))
    return pointed


def git_remote_urls(root: Any) -> list[str]:
    import subprocess

    try:
        output = subprocess.run(["git", "config", "--get-regexp", r"^remote\..*\.url$"],
                                cwd=root, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.split(None, 1)[1] for line in output.splitlines() if " " in line]
