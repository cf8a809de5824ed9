"""The cluster as the repository describes it: Namespaces, scopes and `data.inventory`.

Gatekeeper's templates see the cluster through `data.inventory` (synced objects, keyed
`namespace[ns][groupversion][kind][name]` and `cluster[groupversion][kind][name]`) and
its matcher sees each object's Namespace. At commit time the repository is that cluster:
like `gator test`, every checked object is in the inventory — the reviewed one too, as
in audit and on UPDATE, which is why the library's referential templates exclude the
object under review themselves — and objects without `metadata.namespace` are keyed as
cluster-scoped, exactly as gator keys them.

Scopes: an object that sets no namespace may still be namespaced (kustomize or Argo CD
fill it in). Kinds known to be cluster-scoped (built-ins, and CustomResourceDefinitions
found in the files) say so; for the others the matcher is told "unknown".
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from policygate import kubernetes
from policygate.gatekeeper.match import Target
from policygate.gatekeeper.objects import TESTS_GROUP, group_of
from policygate.gatekeeper.review import group_version_kind, metadata

# (group, kind) of built-in cluster-scoped kinds; everything else with an apiVersion
# is namespaced unless a CustomResourceDefinition in the files says otherwise.
CLUSTER_KINDS = frozenset({
    ("", "Namespace"), ("", "Node"), ("", "PersistentVolume"), ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("storage.k8s.io", "StorageClass"), ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"), ("storage.k8s.io", "VolumeAttachment"),
    ("scheduling.k8s.io", "PriorityClass"), ("node.k8s.io", "RuntimeClass"),
    ("networking.k8s.io", "IngressClass"), ("certificates.k8s.io", "CertificateSigningRequest"),
    ("policy", "PodSecurityPolicy"), ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("templates.gatekeeper.sh", "ConstraintTemplate"),
})
# Groups whose kinds are all cluster-scoped.
CLUSTER_GROUPS = frozenset({"constraints.gatekeeper.sh"})
# Built-in namespaced kinds: an object of these without a namespace gets one when applied.
NAMESPACED_KINDS = frozenset({
    ("", "Pod"), ("", "Service"), ("", "ConfigMap"), ("", "Secret"), ("", "ServiceAccount"),
    ("", "PersistentVolumeClaim"), ("", "Endpoints"), ("", "LimitRange"),
    ("", "ResourceQuota"), ("", "ReplicationController"), ("", "PodTemplate"),
    ("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"),
    ("apps", "ReplicaSet"), ("batch", "Job"), ("batch", "CronJob"),
    ("networking.k8s.io", "Ingress"), ("networking.k8s.io", "NetworkPolicy"),
    ("policy", "PodDisruptionBudget"), ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"), ("autoscaling", "HorizontalPodAutoscaler"),
    ("discovery.k8s.io", "EndpointSlice"), ("coordination.k8s.io", "Lease"),
})


def is_object(data: Any) -> bool:
    """A Kubernetes object a cluster could hold (a gator Suite is not one)."""
    return kubernetes.is_object(data) and group_of(data["apiVersion"]) != TESTS_GROUP


def inventory_path(obj: dict[str, Any]) -> tuple[str, ...] | None:
    """Gatekeeper's key for an object in data.inventory (None without a name)."""
    group, version, kind = group_version_kind(obj)
    meta = metadata(obj)
    name = meta.get("name")
    if not isinstance(name, str) or not name or not version or not kind:
        return None
    group_version = f"{group}/{version}" if group else version
    namespace = meta.get("namespace")
    if isinstance(namespace, str) and namespace:
        return ("namespace", namespace, group_version, kind, name)
    return ("cluster", group_version, kind, name)


def build_inventory(objects: Iterable[dict[str, Any]]) -> dict[str, Any]:
    inventory: dict[str, Any] = {"cluster": {}, "namespace": {}}
    for obj in objects:
        path = inventory_path(obj)
        if path is None:
            continue
        node = inventory
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = obj
    return inventory


@dataclass(slots=True)
class Cluster:
    namespaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    scopes: dict[tuple[str, str], str] = field(default_factory=dict)   # from CRDs
    inventory: dict[str, Any] = field(default_factory=dict)

    def scope_of(self, group: str, kind: str) -> str | None:
        key = (group, kind)
        if key in self.scopes:
            return self.scopes[key]
        if key in CLUSTER_KINDS or group in CLUSTER_GROUPS:
            return "Cluster"
        if key in NAMESPACED_KINDS:
            return "Namespaced"
        return None

    def target(self, obj: dict[str, Any], know_scope: bool = True) -> Target:
        """What the matcher sees; `know_scope` False is gator's view (no kind knowledge)."""
        group, _, kind = group_version_kind(obj)
        meta = metadata(obj)
        namespace = meta.get("namespace") if isinstance(meta.get("namespace"), str) else ""
        name = meta.get("name") if isinstance(meta.get("name"), str) else ""
        labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
        return Target(group, kind, name, namespace or "", labels,
                      self.namespaces.get(namespace) if namespace else None,
                      self.scope_of(group, kind) if know_scope else None)


def build_cluster(objects: Iterable[dict[str, Any]], with_inventory: bool) -> Cluster:
    """The cluster the objects describe; the inventory only when a template reads it."""
    objects = [obj for obj in objects if is_object(obj)]
    cluster = Cluster()
    for obj in objects:
        group, _, kind = group_version_kind(obj)
        name = metadata(obj).get("name")
        if (group, kind) == ("", "Namespace") and isinstance(name, str):
            cluster.namespaces[name] = obj
        elif (group, kind) == ("apiextensions.k8s.io", "CustomResourceDefinition"):
            spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
            names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
            if spec.get("scope") in ("Cluster", "Namespaced") and isinstance(names.get("kind"), str) \
                    and isinstance(spec.get("group"), str):
                cluster.scopes[(spec["group"], names["kind"])] = spec["scope"]
    if with_inventory:
        cluster.inventory = build_inventory(objects)
    return cluster
