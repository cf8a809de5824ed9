"""Sources of Argo CD Applications and ApplicationSets.

An Application deploys `spec.source` or each of `spec.sources[]`: a Git repository
(`repoURL` + `targetRevision`: commit, tag, branch or HEAD, the default), a Helm chart
(`repoURL` + `chart` + `targetRevision`: a SemVer version or range) or an OCI artifact
(`oci://` repoURL). An ApplicationSet does the same in `spec.template.spec`, and its Git
generators (also inside matrix/merge generators) read `repoURL` at `revision`.
ApplicationSet values with `{{ }}` templates are only known per generated Application
and are skipped.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from policygate.model import Document, FieldPath, Resource, value_at
from policygate.provenance.revisions import is_digest
from policygate.provenance.sites import Revision, SourceSite, scalar_text
from policygate.provenance.source_url import normalise_source_url

_TEMPLATE = re.compile(r"\{\{|\$\{")


def _known(value: str | None) -> str | None:
    return None if value is None or _TEMPLATE.search(value) else value



def _text(document: Document, source: dict[str, Any], path: FieldPath, key: str) -> str | None:
    return scalar_text(document, path + (key,), source.get(key))


def _source_site(document: Document, source: dict[str, Any], path: FieldPath, where: str,
                 revision_key: str = "targetRevision") -> SourceSite:
    url = _known(_text(document, source, path, "repoURL"))
    chart_written = _text(document, source, path, "chart")
    chart = _known(chart_written)
    written = _text(document, source, path, revision_key)
    value = _known(written)
    identity = normalise_source_url(url) if url else None
    revision_path = path + (revision_key,)
    if chart is not None:
        identity = f"{identity}/{chart.lower()}" if identity else None
        revision: Revision | None = Revision("version", value, revision_path, revision_key)
    elif url is not None and url.startswith("oci://"):
        digest = value if value is not None and is_digest(value) else None
        revision = Revision("oci", None if digest else value, revision_path, revision_key, digest)
    else:
        revision = Revision("git", value, revision_path, revision_key)
    if (written is not None and value is None) or (chart_written is not None and chart is None):
        revision = None  # templated: decided per generated Application
    return SourceSite(document.file, where, url, path + ("repoURL",), identity, revision, chart)


def _application_sources(spec_path: FieldPath, data: dict[str, Any],
                         label: str) -> Iterator[tuple[dict[str, Any], FieldPath, str]]:
    spec = value_at(data, spec_path)
    if not isinstance(spec, dict):
        return
    if isinstance(spec.get("source"), dict):
        yield spec["source"], spec_path + ("source",), f"{label} source"
    sources = spec.get("sources")
    if isinstance(sources, list):
        for index, source in enumerate(sources):
            if isinstance(source, dict):
                yield source, spec_path + ("sources", index), f"{label} sources[{index}]"


def _git_generators(generators: Any, path: FieldPath) -> Iterator[tuple[dict[str, Any], FieldPath]]:
    if not isinstance(generators, list):
        return
    for index, generator in enumerate(generators):
        if not isinstance(generator, dict):
            continue
        if isinstance(generator.get("git"), dict):
            yield generator["git"], path + (index, "git")
        for combiner in ("matrix", "merge"):
            nested = generator.get(combiner)
            if isinstance(nested, dict):
                yield from _git_generators(nested.get("generators"),
                                           path + (index, combiner, "generators"))


def argocd_source_sites(resource: Resource) -> list[SourceSite]:
    """Sites of an argoproj.io object (the caller has checked the API group)."""
    kind, data, document = resource.id.kind, resource.data, resource.document
    if kind == "Application":
        return [_source_site(document, source, path, where)
                for source, path, where in _application_sources(("spec",), data, kind)]
    if kind != "ApplicationSet":
        return []
    sites = [_source_site(document, source, path, where)
             for source, path, where in _application_sources(("spec", "template", "spec"),
                                                             data, "ApplicationSet template")]
    sites.extend(_source_site(document, generator, path, "ApplicationSet git generator",
                              revision_key="revision")
                 for generator, path in _git_generators(value_at(data, ("spec", "generators")),
                                                        ("spec", "generators")))
    return sites
