"""Which kind of document is this: a Kubernetes object, a compose file, a workflow...

Rules declare the kind they check (their `scope`); everything else in a YAML file is
skipped quietly, because GitOps repositories hold plenty of YAML that is nobody's policy
concern (Helm values, tool configs).
"""
from __future__ import annotations

from policygate.kubernetes import is_object
from policygate.model import Document

KUBERNETES = "kubernetes"
COMPOSE = "compose"
WORKFLOW = "workflow"
DOCKERFILE = "dockerfile"        # set by policygate.parsers.dockerfile
KUSTOMIZATION = "kustomization"  # kustomization.yaml without apiVersion/kind (those are objects)

_KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def _is_compose_name(name: str) -> bool:
    return name.startswith(("docker-compose", "compose")) and name.endswith((".yaml", ".yml"))


def document_kind(document: Document) -> str | None:
    if document.kind is not None:
        return document.kind
    data = document.data
    if not isinstance(data, dict):
        return None
    if is_object(data):
        return KUBERNETES
    directory, _, name = document.file.rpartition("/")
    if (directory == ".github/workflows" or directory.endswith("/.github/workflows")) \
            and isinstance(data.get("jobs"), dict):
        return WORKFLOW
    if _is_compose_name(name) and isinstance(data.get("services"), dict):
        return COMPOSE
    if name in _KUSTOMIZATION_NAMES:
        return KUSTOMIZATION
    return None
