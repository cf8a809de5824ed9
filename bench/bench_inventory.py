"""Benchmark what the cluster around a change costs a diff (policygate.inventory).

A repository of N plain resources (bench/generate.py) and M kustomize overlays (as in
bench_render.py), with Gatekeeper templates that read `data.inventory` — one the
Ingresses (which no overlay makes: nothing to render), one the Services (which every
overlay makes) — and a `--combine` Rego policy. Prints the median wall time of `check --diff main`
for a one-file change — a plain manifest, then an overlay's patch — with no combined
engine, with Gatekeeper, with `--combine`, each in `resource` and `new` mode. Numbers,
not assertions. `--command` runs another build of policygate (e.g. main's).
"""
from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import policygate_command  # noqa: E402
from bench_render import build, git, timed  # noqa: E402
from generate import generate  # noqa: E402

TEMPLATE = """apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {{name: {lower}}}
spec:
  crd: {{spec: {{names: {{kind: {kind}}}}}}}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package {lower}
        violation[{{"msg": msg}}] {{
          other := data.inventory.namespace[ns][_]["{reads}"][name]
          {same}
          not ns == input.review.object.metadata.namespace
          msg := sprintf("also in %v/%v", [ns, name])
        }}
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: {kind}
metadata: {{name: unique}}
spec:
  match: {{kinds: [{{apiGroups: ["{group}"], kinds: [{reads}]}}]}}
"""
# Referential templates: one reads Ingresses (no overlay makes one), one Services (every
# overlay does).
UNIQUE_HOST = TEMPLATE.format(lower="k8suniqueingresshost", kind="K8sUniqueIngressHost",
                              reads="Ingress", group="networking.k8s.io",
                              same="other.spec.rules[_].host == "
                                   "input.review.object.spec.rules[_].host")
UNIQUE_SERVICE = TEMPLATE.format(lower="k8suniqueservicename", kind="K8sUniqueServiceName",
                                 reads="Service", group="",
                                 same="name == input.review.object.metadata.name")
COMBINED = """package main

deny contains {"msg": sprintf("Deployment %s has no Service", [doc.contents.metadata.name]), "path": sprintf("[%d].contents.metadata.name", [i])} if {
  some i, doc in input
  doc.contents.kind == "Deployment"
  not doc.contents.metadata.name in services
}

services := {doc.contents.metadata.name | some doc in input; doc.contents.kind == "Service"}
"""
ENGINES = {"no combined engine": [],
           "gatekeeper, Ingresses": ["--gatekeeper", "policy/gk/ingress.yaml"],
           "gatekeeper, Services": ["--gatekeeper", "policy/gk/service.yaml"],
           "--combine rego": ["--policy", "policy/rego", "--combine"]}


def commit(root: Path, message: str) -> None:
    git(root, "-c", "user.email=b@example.com", "-c", "user.name=b", "commit", "-qam", message)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--overlays", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--command", default="", help="the policygate command to run")
    options = parser.parse_args()
    command = shlex.split(options.command) if options.command else policygate_command()
    with tempfile.TemporaryDirectory(prefix="policygate-bench-") as directory:
        root = Path(directory) / "repo"
        build(root, options.overlays)
        files = generate(root, options.resources, 10)
        (root / "policy/gk").mkdir(parents=True)
        (root / "policy/gk/ingress.yaml").write_text(UNIQUE_HOST)
        (root / "policy/gk/service.yaml").write_text(UNIQUE_SERVICE)
        (root / "policy/rego").mkdir(parents=True)
        (root / "policy/rego/services.rego").write_text(COMBINED)
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        commit(root, "start")
        changes = {"a plain manifest": files[0], "an overlay's patch": root /
                   "overlays/env1/patch.yaml"}
        print(f"{options.resources} plain resources in {len(files)} files, "
              f"{options.overlays} overlays; median of {options.repeat}")
        for what, path in changes.items():
            git(root, "checkout", "-q", "-B", "change", "main")
            path.write_text(path.read_text().replace("replicas: ", "replicas: 1"))
            commit(root, "change")
            for name, engine in ENGINES.items():
                for mode in ("resource", "new"):
                    seconds = timed([*command, "check", "--diff", "main", "--filter-mode", mode,
                                     *engine], root, options.repeat)
                    print(f"{what:18} {name:22} {mode:9} {seconds * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
