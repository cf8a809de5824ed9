"""Repositories with Kustomize bases and overlays, for tests that run the real kustomize."""
from __future__ import annotations

# A Deployment that passes every built-in rule at the restricted level except that its
# image is `nginx:latest` (the overlays below pin it, or not).
BASE_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: monitoring
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: web
          image: nginx:1.27
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
"""

BASE_KUSTOMIZATION = "resources:\n  - deploy.yaml\n"


def base(image: str = "nginx:1.27") -> dict[str, str]:
    return {"base/deploy.yaml": BASE_DEPLOYMENT.replace("nginx:1.27", image),
            "base/kustomization.yaml": BASE_KUSTOMIZATION}


def overlay(name: str, kustomization: str, **files: str) -> dict[str, str]:
    written = {f"overlays/{name}/kustomization.yaml": kustomization}
    written.update({f"overlays/{name}/{file.replace('__', '.')}": text
                    for file, text in files.items()})
    return written


def findings_of(report: dict) -> list[tuple[str, str, int]]:
    return sorted((f["rule"], f["file"], f["line"]) for f in report["findings"])


def deployment_patch(pod_spec: str) -> str:
    """A strategic-merge patch of the base Deployment; `pod_spec` is indented 6 spaces."""
    return ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
            "  namespace: monitoring\nspec:\n  template:\n    spec:\n" + pod_spec)
