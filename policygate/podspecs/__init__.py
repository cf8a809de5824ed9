"""Where each kind keeps the pods it runs: one finder per (API group, kind).

Built-in workloads and CRDs with a plain pod template (`simple`), Argo Workflows and
Tekton (pods composed from several parts), a team's declared paths, and — for kinds the
gate does not know — pod-shaped objects found by their shape. API defaults are applied
to whatever is found.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from policygate.kubernetes import PodSpec, api_group
from policygate.model import Resource
from policygate.podspecs import argo, tekton
from policygate.podspecs.defaults import apply_defaults
from policygate.podspecs.shapes import assumed_pods
from policygate.podspecs.simple import SIMPLE, Finder

if TYPE_CHECKING:
    from policygate.podspecs.declared import DeclaredPaths

FINDERS: dict[tuple[str, str], Finder] = {
    **SIMPLE,
    **{("argoproj.io", kind): argo.find for kind in argo.KINDS},
    **{("tekton.dev", kind): tekton.find for kind in tekton.KINDS},
}


def find_pod_specs(resource: Resource, declared: DeclaredPaths | None = None) -> list[PodSpec]:
    api_version, kind = resource.id.api_version, resource.id.kind
    if declared is not None:
        patterns = declared.patterns(api_version, kind)
        if patterns is not None:
            from policygate.podspecs.declared import declared_pods

            return [apply_defaults(pod) for pod in declared_pods(resource, patterns)]
    finder = FINDERS.get((api_group(api_version), kind))
    if finder is None:
        from policygate.podspecs.served import intended_group

        group = intended_group(api_version, kind)
        finder = FINDERS.get((group, kind)) if group is not None else None
        if finder is None:
            return [apply_defaults(pod) for pod in assumed_pods(resource)] \
                if group is None else []
    return [apply_defaults(pod) for pod in finder(resource)]
