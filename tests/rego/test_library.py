"""The shipped policy library, enabled by name in .policygate.yaml, on real manifests:
each policy flags the marked lines (`# <- rule`) and passes its compliant twin."""
from __future__ import annotations

import pytest

from tests.conftest import expected_positions, found_positions
from tests.rego.conftest import check

CASES = {
    "required_labels": ("""apiVersion: apps/v1
kind: Deployment
metadata:  # <- rego/lib.required_labels/missing,rego/lib.required_labels/missing
  name: web
spec: {}
""", """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app.kubernetes.io/name: web, team: shop}
spec: {}
"""),
    "resources": ("""apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
          resources:  # <- rego/lib.resources/missing,rego/lib.resources/missing
            requests: {cpu: 100m}
""", """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 128Mi}
"""),
    "probes": ("""apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      containers:
        - name: db  # <- rego/lib.probes/missing
          image: postgres:16
          readinessProbe: {exec: {command: [pg_isready]}}
""", """apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      containers:
        - name: db
          image: postgres:16
          readinessProbe: {exec: {command: [pg_isready]}}
          livenessProbe: {exec: {command: [pg_isready]}}
"""),
    "no_default_namespace": ("""apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: default  # <- rego/lib.no_default_namespace
""", """apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: shop
"""),
    "service_exposure": ("""apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer  # <- rego/lib.service_exposure/external
""", """apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {policygate.dev/allow-external: "true"}
spec:
  type: LoadBalancer
"""),
    "ingress_tls": ("""apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  tls:
    - hosts: [shop.example.com]
  rules:
    - host: shop.example.com
    - host: admin.example.com  # <- rego/lib.ingress_tls/host
""", """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  tls:
    - hosts: [shop.example.com, admin.example.com]
  rules:
    - host: shop.example.com
    - host: admin.example.com
"""),
    "rbac_wildcards": ("""apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ops}
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: ["*"]  # <- rego/lib.rbac_wildcards/verbs
""", """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ops}
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [get, list, watch]
"""),
    "env_secrets": ("""apiVersion: v1
kind: Pod
metadata: {name: api}
spec:
  containers:
    - name: api
      image: ghcr.io/acme/api:1.0
      env:
        - name: LOG_LEVEL
          value: info
        - name: STRIPE_API_KEY
          value: sk_live_123  # <- rego/lib.env_secrets/plain-value
""", """apiVersion: v1
kind: Pod
metadata: {name: api}
spec:
  containers:
    - name: api
      image: ghcr.io/acme/api:1.0
      env:
        - name: STRIPE_API_KEY
          valueFrom: {secretKeyRef: {name: stripe, key: api-key}}
"""),
    "argocd_prune_prod": ("""apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop}
spec:
  destination: {namespace: shop-prod}
  syncPolicy:
    automated:
      prune: true  # <- rego/lib.argocd_prune_prod/auto-prune
""", """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  labels: {policygate.dev/allow-auto-prune: "true"}
spec:
  destination: {namespace: shop-prod}
  syncPolicy:
    automated:
      prune: true
"""),
}


@pytest.mark.parametrize("name", list(CASES))
def test_library_policy_flags_the_marked_lines_and_passes_the_compliant_twin(write, name):
    bad, good = CASES[name]
    root = write({"bad.yaml": bad, "good.yaml": good,
                  ".policygate.yaml": f"policies:\n  library: [{name}]\n"})
    run = check(root, "bad.yaml", "good.yaml")
    assert run.exit_code == 1, run.stderr
    assert found_positions(run.json()) == expected_positions(bad)
    assert [f["file"] for f in run.json()["findings"]] == ["bad.yaml"] * len(
        expected_positions(bad))


def test_unknown_library_policy_is_a_config_error(write):
    root = write({"good.yaml": CASES["probes"][1],
                  ".policygate.yaml": "policies:\n  library: [probez]\n"})
    run = check(root, "good.yaml")
    assert run.exit_code == 2
    assert "unknown library policy 'probez' in policies.library (available: argocd_prune_prod" in run.stderr


def test_policies_config_is_validated(write):
    root = write({"good.yaml": CASES["probes"][1],
                  ".policygate.yaml": "policies:\n  namespace: [main]\n"})
    run = check(root, "good.yaml")
    assert run.exit_code == 2
    assert run.stderr.startswith("policygate: error: .policygate.yaml:2:3: unknown key 'namespace' "
                                 "in `policies` — did you mean 'namespaces'?")


def test_rego_findings_are_suppressed_and_selected_like_builtin_rules(write):
    manifest = CASES["no_default_namespace"][0].replace(
        "  # <- rego/lib.no_default_namespace",
        "  # policygate: ignore[rego/lib.no_default_namespace] legacy app, moving in Q3")
    root = write({"cm.yaml": manifest, "bad.yaml": CASES["no_default_namespace"][0],
                  ".policygate.yaml": "policies:\n  library: [no_default_namespace]\n"})
    run = check(root, "cm.yaml", "bad.yaml")
    assert run.exit_code == 1
    assert [(f["rule"], f["file"], f["line"]) for f in run.json()["findings"]] == [
        ("rego/lib.no_default_namespace", "bad.yaml", 5)]
    assert [s["file"] for s in run.json()["suppressed"]] == ["cm.yaml"]
    ignored = check(root, "--ignore", "rego/lib.no_default_namespace", "bad.yaml")
    assert (ignored.exit_code, ignored.json()["findings"]) == (0, [])
