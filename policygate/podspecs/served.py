"""Which apiVersions the API serves for the kinds that run pods.

An object the API server does not serve (`apps/v1beta3`, `app/v1`) is refused at apply
time, but a gate that skipped it silently would be wrong in two ways: it would call the
file checked, and a fixed typo would reach the cluster unjudged. Such objects are judged
as the kind they name and get a warning.
"""
from __future__ import annotations

from policygate.kubernetes import api_group

_TEKTON = ("tekton.dev/v1", "tekton.dev/v1beta1", "tekton.dev/v1alpha1")
_ARGO = ("argoproj.io/v1alpha1",)
_KNATIVE = ("serving.knative.dev/v1", "serving.knative.dev/v1beta1",
            "serving.knative.dev/v1alpha1")

# kind -> every apiVersion that serves it (current and removed-but-seen-in-repos).
SERVED: dict[str, tuple[str, ...]] = {
    "Pod": ("v1",), "PodTemplate": ("v1",), "ReplicationController": ("v1",),
    "Deployment": ("apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"),
    "ReplicaSet": ("apps/v1", "apps/v1beta2", "extensions/v1beta1"),
    "DaemonSet": ("apps/v1", "apps/v1beta2", "extensions/v1beta1",
                  "apps.kruise.io/v1alpha1", "apps.kruise.io/v1beta1"),
    "StatefulSet": ("apps/v1", "apps/v1beta1", "apps/v1beta2",
                    "apps.kruise.io/v1alpha1", "apps.kruise.io/v1beta1"),
    "Job": ("batch/v1",),
    "CronJob": ("batch/v1", "batch/v1beta1", "batch/v2alpha1"),
    "Rollout": _ARGO, "Workflow": _ARGO, "CronWorkflow": _ARGO, "WorkflowTemplate": _ARGO,
    "ClusterWorkflowTemplate": _ARGO,
    "DeploymentConfig": ("apps.openshift.io/v1", "v1"),
    "ScaledJob": ("keda.sh/v1alpha1",),
    "Task": _TEKTON, "TaskRun": _TEKTON, "Pipeline": _TEKTON, "PipelineRun": _TEKTON,
    "ClusterTask": ("tekton.dev/v1beta1", "tekton.dev/v1alpha1"),
    "Service": ("v1",) + _KNATIVE, "Configuration": _KNATIVE, "Revision": _KNATIVE,
    "CloneSet": ("apps.kruise.io/v1alpha1",), "BroadcastJob": ("apps.kruise.io/v1alpha1",),
    "AdvancedCronJob": ("apps.kruise.io/v1alpha1",), "SidecarSet": ("apps.kruise.io/v1alpha1",),
}


def unserved(api_version: str, kind: str) -> tuple[str, ...] | None:
    """The apiVersions that would serve this kind, when this one does not but is clearly
    meant to (a served group, or one a typo away); None when served or someone else's."""
    served = SERVED.get(kind)
    if served is None or api_version in served:
        return None
    group = api_group(api_version)
    groups = {api_group(known) for known in served}
    if group in groups or not group or _near(group, groups):
        return served  # a served group, the core group by mistake, or a typo
    return None


def _near(group: str, groups: set[str] | list[str]) -> list[str]:
    import difflib

    return difflib.get_close_matches(group, sorted(groups), n=1, cutoff=0.75)


def intended_group(api_version: str, kind: str) -> str | None:
    """The group an unserved apiVersion most likely means (for judging its pods)."""
    served = unserved(api_version, kind)
    if served is None:
        return None
    group = api_group(api_version)
    groups = [api_group(known) for known in served]
    if group in groups:
        return group
    near = _near(group, groups) if group else []
    return near[0] if near else groups[0]
