"""Images in Kubernetes objects: every container of every workload kind, and the
`images:` overrides of a Kustomization written as an object (with apiVersion/kind)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from policygate.kubernetes import api_group, pod_specs
from policygate.model import Resource
from policygate.provenance.sites import ImageSite, image_site

if TYPE_CHECKING:
    from policygate.podspecs.declared import DeclaredPaths

KUSTOMIZE_GROUP = "kustomize.config.k8s.io"


def kubernetes_image_sites(resource: Resource,
                           pod_spec_paths: DeclaredPaths | None = None) -> list[ImageSite]:
    sites = []
    for pod in pod_specs(resource, pod_spec_paths):
        # a pod spec patch: only the images the patch changes are its own
        before = {(c.name, repr(c.data.get("image"))) for c in pod.patches.containers()} \
            if pod.patches is not None else set()
        for container in pod.containers():
            if (container.name, repr(container.data.get("image"))) in before:
                continue
            site = image_site(resource.file, container.data.get("image"),
                              container.path + ("image",), container.describe())
            if site is not None:
                sites.append(site)
    if resource.id.kind == "Kustomization" \
            and api_group(resource.id.api_version) == KUSTOMIZE_GROUP:
        from policygate.provenance.kustomize import kustomize_image_sites

        sites.extend(kustomize_image_sites(resource.document, resource.data))
    return sites
