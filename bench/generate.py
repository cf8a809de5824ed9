"""Generate a realistic GitOps tree of N Kubernetes resources for benchmarks.

Shapes mimic what platform repositories hold: mostly Deployments with Services and
ConfigMaps, some StatefulSets, CronJobs and DaemonSets; about a third violate some Pod
Security control so the rules do real work.
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

WORKLOAD = """apiVersion: {api}
kind: {kind}
metadata:
  name: {name}
  namespace: team-{team}
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/part-of: team-{team}
spec:
{spec_prefix}{indent}  template:
{indent}    metadata:
{indent}      labels:
{indent}        app.kubernetes.io/name: {name}
{indent}    spec:
{indent}      securityContext:
{indent}        runAsNonRoot: {non_root}
{indent}        seccompProfile:
{indent}          type: RuntimeDefault
{indent}      containers:
{indent}        - name: app
{indent}          image: registry.example.com/team-{team}/{name}:{version}
{indent}          ports:
{indent}            - containerPort: 8080
{indent}          env:
{indent}            - name: LOG_LEVEL
{indent}              value: info
{indent}            - name: REGION
{indent}              value: eu-west-1
{indent}          resources:
{indent}            requests: {{cpu: 100m, memory: 128Mi}}
{indent}            limits: {{memory: 256Mi}}
{indent}          securityContext:
{indent}            allowPrivilegeEscalation: {escalation}
{indent}            privileged: {privileged}
{indent}            capabilities:
{indent}              drop: ["ALL"]
{indent}          readinessProbe:
{indent}            httpGet: {{path: /ready, port: 8080}}
{indent}        - name: proxy
{indent}          image: registry.example.com/platform/proxy:2.3.1
{indent}          securityContext:
{indent}            allowPrivilegeEscalation: false
{indent}            capabilities: {{drop: ["ALL"]}}
{indent}      volumes:
{indent}        - name: cache
{indent}          emptyDir: {{}}
"""

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: team-{team}
spec:
  selector:
    app.kubernetes.io/name: {name}
  ports:
    - port: 80
      targetPort: 8080
"""

CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  namespace: team-{team}
data:
  settings.yaml: |
    feature_flags:
      checkout_v2: true
    timeout_seconds: 30
"""

KINDS = [("apps/v1", "Deployment", "  replicas: 2\n", ""),
         ("apps/v1", "StatefulSet", "  serviceName: svc\n", ""),
         ("apps/v1", "DaemonSet", "", ""),
         ("batch/v1", "CronJob", "  schedule: '0 * * * *'\n  jobTemplate:\n    spec:\n", "    ")]


def resource(index: int, rng: random.Random) -> str:
    team = index % 40
    name = f"svc-{index}"
    choice = rng.random()
    if choice < 0.2:
        return SERVICE.format(name=name, team=team)
    if choice < 0.3:
        return CONFIGMAP.format(name=name, team=team)
    api, kind, prefix, indent = KINDS[0] if rng.random() < 0.7 else rng.choice(KINDS)
    bad = rng.random() < 0.33
    return WORKLOAD.format(api=api, kind=kind, name=name, team=team, spec_prefix=prefix,
                           indent=indent, version=f"1.{index % 17}.{index % 5}",
                           non_root="false" if bad and rng.random() < 0.5 else "true",
                           escalation="true" if bad else "false",
                           privileged="true" if bad and rng.random() < 0.3 else "false")


def generate(root: Path, resources: int, per_file: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    files: list[Path] = []
    for start in range(0, resources, per_file):
        team = (start // per_file) % 40
        path = root / "apps" / f"team-{team}" / f"bundle-{start // per_file:05d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        count = min(per_file, resources - start)
        path.write_text("---\n".join(resource(start + i, rng) for i in range(count)))
        files.append(path)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--per-file", type=int, default=10)
    args = parser.parse_args()
    files = generate(args.root, args.resources, args.per_file)
    print(f"wrote {args.resources} resources in {len(files)} files under {args.root}")


if __name__ == "__main__":
    main()
