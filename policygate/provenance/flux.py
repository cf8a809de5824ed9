"""Sources of Flux: GitRepository, OCIRepository, HelmRepository, HelmChart, HelmRelease.

- GitRepository `spec.url` at `spec.ref`, which Flux reads in this order: `commit`,
  `name` (a full ref), `semver`, `tag`, `branch`; without a ref Flux follows the default
  branch.
- OCIRepository `spec.url` at `spec.ref`: `digest`, `semver`, `tag`; without a ref,
  `latest`.
- HelmRepository `spec.url` (no revision: the chart version is in the HelmRelease).
- HelmChart `spec.version` and HelmRelease `spec.chart.spec.version` (default `*`, the
  newest chart) — ignored by Flux for charts from a GitRepository or Bucket, where the
  source's own ref decides; a HelmRelease with `spec.chartRef` takes the revision from the
  referenced object, which is checked there.
"""
from __future__ import annotations

from typing import Any

from policygate.kubernetes import api_group
from policygate.model import Document, FieldPath, Resource
from policygate.provenance.sites import Revision, SourceSite, scalar_text
from policygate.provenance.source_url import normalise_source_url

SOURCE_GROUP = "source.toolkit.fluxcd.io"
HELM_GROUP = "helm.toolkit.fluxcd.io"
_VERSIONLESS_SOURCES = ("GitRepository", "Bucket")

# (field of spec.ref, kind of revision), in Flux's order of precedence.
_GIT_REFS = (("commit", "pinned"), ("name", "git"), ("semver", "version"), ("tag", "pinned"),
             ("branch", "branch"))
_OCI_REFS = (("digest", "pinned"), ("semver", "version"), ("tag", "oci"))


def _mapping(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _ref_revision(document: Document, spec: dict[str, Any], order: tuple[tuple[str, str], ...],
                  missing: str) -> Revision:
    ref = _mapping(spec, "ref")
    for key, kind in order:
        path: FieldPath = ("spec", "ref", key)
        value = scalar_text(document, path, ref.get(key))
        if value:
            return Revision(kind, value, path, f"spec.ref.{key}")
    return Revision(missing, None, ("spec", "ref"), "spec.ref")


def _url_site(resource: Resource, spec: dict[str, Any], revision: Revision | None) -> SourceSite:
    url = spec.get("url")
    url = url if isinstance(url, str) else None
    return SourceSite(resource.file, resource.id.kind, url, ("spec", "url"),
                      normalise_source_url(url) if url else None, revision)


def _version_site(resource: Resource, chart: dict[str, Any], path: FieldPath) -> list[SourceSite]:
    source_kind = _mapping(chart, "sourceRef").get("kind")
    if source_kind in _VERSIONLESS_SOURCES:
        return []
    value = scalar_text(resource.document, path + ("version",), chart.get("version"))
    field = ".".join(map(str, path + ("version",)))
    chart_name = chart.get("chart")
    return [SourceSite(resource.file, resource.id.kind, None, path, None,
                       Revision("version", value, path + ("version",), field),
                       chart_name if isinstance(chart_name, str) else None)]


def flux_source_sites(resource: Resource) -> list[SourceSite]:
    group, kind = api_group(resource.id.api_version), resource.id.kind
    spec = _mapping(resource.data, "spec")
    document = resource.document
    if group == SOURCE_GROUP:
        if kind == "GitRepository":
            return [_url_site(resource, spec, _ref_revision(document, spec, _GIT_REFS, "git"))]
        if kind == "OCIRepository":
            return [_url_site(resource, spec, _ref_revision(document, spec, _OCI_REFS, "oci"))]
        if kind == "HelmRepository":
            return [_url_site(resource, spec, None)]
        if kind == "HelmChart":
            return _version_site(resource, spec, ("spec",))
    elif group == HELM_GROUP and kind == "HelmRelease" and "chart" in spec:
        return _version_site(resource, _mapping(_mapping(spec, "chart"), "spec"),
                             ("spec", "chart", "spec"))
    return []
