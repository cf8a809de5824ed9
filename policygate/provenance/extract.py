"""Which sites a document holds, whatever kind of file it came from.

`image_sites` is the one entry point for the image rules, so every image rule covers
every source kind at once (as `kubernetes.pod_specs` does for the pod rules);
`source_sites` does the same for Argo CD and Flux objects.

The extractors are imported when a document of their kind first shows up: every run
imports the rules, but a pre-commit check of one manifest needs one extractor.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from policygate.classify import COMPOSE, DOCKERFILE, KUSTOMIZATION, WORKFLOW
from policygate.kubernetes import api_group
from policygate.model import Document, Resource

if TYPE_CHECKING:
    from policygate.podspecs.declared import DeclaredPaths
    from policygate.provenance.sites import ImageSite, SourceSite

ARGO_GROUP = "argoproj.io"
FLUX_GROUPS = frozenset({"source.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io"})


def image_sites(document: Document, kind: str | None, resource: Resource | None,
                pod_spec_paths: DeclaredPaths | None = None) -> list[ImageSite]:
    if resource is not None:
        from policygate.provenance.kubernetes_images import kubernetes_image_sites

        return kubernetes_image_sites(resource, pod_spec_paths)
    if kind == DOCKERFILE:
        from policygate.provenance.dockerfile import dockerfile_image_sites

        return dockerfile_image_sites(document)
    if kind == COMPOSE:
        from policygate.provenance.compose import compose_image_sites

        return compose_image_sites(document)
    if kind == WORKFLOW:
        from policygate.provenance.workflows import workflow_image_sites

        return workflow_image_sites(document)
    if kind == KUSTOMIZATION and isinstance(document.data, dict):
        from policygate.provenance.kustomize import kustomize_image_sites

        return kustomize_image_sites(document, document.data)
    return []


def source_sites(resource: Resource) -> list[SourceSite]:
    group = api_group(resource.id.api_version)
    if group == ARGO_GROUP:
        from policygate.provenance.argocd import argocd_source_sites

        return argocd_source_sites(resource)
    if group in FLUX_GROUPS:
        from policygate.provenance.flux import flux_source_sites

        return flux_source_sites(resource)
    return []


T = TypeVar("T")


class LastDocument(Generic[T]):
    """Remember the sites of the last document: several rules ask in a row.

    The pipeline evaluates every rule on one document before the next, so one slot is
    enough; it holds the document itself, so identity cannot be confused with a new
    document at a recycled address.
    """

    def __init__(self) -> None:
        self._document: Document | None = None
        self._value: T | None = None

    def get(self, document: Document, compute: Callable[[], T]) -> T:
        if self._document is not document or self._value is None:
            self._value = compute()
            self._document = document
        return self._value
