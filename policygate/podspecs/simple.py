"""Kinds that hold one ordinary PodSpec at a fixed path (a pod template, mostly).

The metadata that applies to the pods (annotations read by the AppArmor and seccomp
controls) sits next to that spec, in the template's `metadata`.
"""
from __future__ import annotations

from collections.abc import Callable

from policygate.kubernetes import PodSpec
from policygate.model import FieldPath, Resource, data_at

Finder = Callable[[Resource], list[PodSpec]]

_TEMPLATE = ("spec", "template", "spec")


def at(*path: str) -> Finder:
    """The PodSpec at `path`; its pods' metadata is the sibling `metadata`."""
    spec_path: FieldPath = tuple(path)
    metadata_path = spec_path[:-1] + ("metadata",)

    def find(resource: Resource) -> list[PodSpec]:
        return pod_at(resource, spec_path, metadata_path)

    return find


def pod_at(resource: Resource, spec_path: FieldPath, metadata_path: FieldPath,
           assumed: bool = False) -> list[PodSpec]:
    spec = data_at(resource.data, spec_path)
    if not isinstance(spec, dict):
        return []
    metadata = data_at(resource.data, metadata_path)
    return [PodSpec(resource, spec, spec_path, metadata if isinstance(metadata, dict) else {},
                    metadata_path, assumed=assumed)]


def _revision(resource: Resource) -> list[PodSpec]:
    """A Knative Revision is itself the pod template: spec holds the PodSpec fields and the
    Revision's own metadata carries the pods' annotations."""
    return pod_at(resource, ("spec",), ("metadata",))


# (API group, kind) -> finder. Versions are checked by policygate.podspecs.served.
SIMPLE: dict[tuple[str, str], Finder] = {
    ("", "Pod"): at("spec"),
    ("", "PodTemplate"): at("template", "spec"),
    ("", "ReplicationController"): at(*_TEMPLATE),
    **{(group, kind): at(*_TEMPLATE)
       for group in ("apps", "extensions") for kind in ("Deployment", "ReplicaSet", "DaemonSet")},
    ("apps", "StatefulSet"): at(*_TEMPLATE),
    ("batch", "Job"): at(*_TEMPLATE),
    ("batch", "CronJob"): at("spec", "jobTemplate", *_TEMPLATE),
    ("argoproj.io", "Rollout"): at(*_TEMPLATE),
    # OpenShift serves DeploymentConfig from apps.openshift.io and, historically, from v1.
    ("apps.openshift.io", "DeploymentConfig"): at(*_TEMPLATE),
    ("", "DeploymentConfig"): at(*_TEMPLATE),
    # KEDA: a ScaledJob carries a whole JobSpec.
    ("keda.sh", "ScaledJob"): at("spec", "jobTargetRef", "template", "spec"),
    # Knative Serving.
    ("serving.knative.dev", "Service"): at(*_TEMPLATE),
    ("serving.knative.dev", "Configuration"): at(*_TEMPLATE),
    ("serving.knative.dev", "Revision"): _revision,
    # OpenKruise workloads (Advanced StatefulSet and DaemonSet share the built-in names).
    **{("apps.kruise.io", kind): at(*_TEMPLATE)
       for kind in ("CloneSet", "StatefulSet", "DaemonSet", "BroadcastJob")},
}


def _both(*finders: Finder) -> Finder:
    return lambda resource: [pod for find in finders for pod in find(resource)]


SIMPLE.update({
    # An AdvancedCronJob runs a Job or a BroadcastJob template.
    ("apps.kruise.io", "AdvancedCronJob"): _both(
        at("spec", "template", "jobTemplate", *_TEMPLATE),
        at("spec", "template", "broadcastJobTemplate", *_TEMPLATE)),
    # A SidecarSet's containers are injected into other pods: judge them as a pod.
    ("apps.kruise.io", "SidecarSet"): at("spec"),
})
