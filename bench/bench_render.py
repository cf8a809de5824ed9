"""Benchmark rendering: a GitOps repository with N Kustomize overlays over shared bases.

Prints the wall time of `policygate check` on the whole repository (every overlay
rendered with the real kustomize, in parallel with the scan), of the same repository
without the kustomization files (the plain scan alone, for comparison), of a one-file
check of one overlay's patch (the pre-commit path: one render), and of a `--diff`
that changes a base every overlay includes (each overlay rendered at the base and the
head; identical renders run once). Numbers, not assertions.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import CHILD_ENV, policygate_command  # noqa: E402

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      securityContext: {{runAsNonRoot: true, seccompProfile: {{type: RuntimeDefault}}}}
      containers:
        - name: {name}
          image: registry.example.com/{name}:1.0.0
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {{drop: [ALL]}}
"""

SERVICE = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n"
           "  ports: [{{port: 80}}]\n  selector: {{app: {name}}}\n")


def build(root: Path, overlays: int, bases: int = 5) -> None:
    def write(path: str, text: str) -> None:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    for index in range(bases):
        name = f"app{index}"
        write(f"bases/{name}/deploy.yaml", DEPLOYMENT.format(name=name))
        write(f"bases/{name}/service.yaml", SERVICE.format(name=name))
        write(f"bases/{name}/kustomization.yaml", "resources: [deploy.yaml, service.yaml]\n")
    for index in range(overlays):
        name = f"app{index % bases}"
        write(f"overlays/env{index}/kustomization.yaml",
              f"resources: [../../bases/{name}]\nnamespace: env{index}\n"
              f"images:\n  - name: registry.example.com/{name}\n    newTag: 1.0.{index}\n"
              f"patches:\n  - path: patch.yaml\n")
        write(f"overlays/env{index}/patch.yaml",
              f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n"
              f"spec:\n  replicas: {1 + index % 3}\n")


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def timed(args: list[str], cwd: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        process = subprocess.run(args, cwd=cwd, capture_output=True, env=CHILD_ENV)
        times.append(time.perf_counter() - started)
        if process.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(args)} failed: {process.stderr.decode()[-2000:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--overlays", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    command = policygate_command()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "repo"
        build(root, options.overlays)
        git(root, "init", "-q", "-b", "main")
        git(root, "-c", "user.email=b@example.com", "-c", "user.name=b", "add", "-A")
        git(root, "-c", "user.email=b@example.com", "-c", "user.name=b", "commit", "-qm", "x")
        full = timed([*command, "check", "."], root, options.repeat)
        print(f"full check, {options.overlays} overlays rendered: {full * 1000:.0f} ms")
        one = timed([*command, "check", "overlays/env0/patch.yaml"], root, options.repeat)
        print(f"one-file check of a patch (one render): {one * 1000:.0f} ms")
        git(root, "checkout", "-q", "-b", "change")
        base = root / "bases/app0/deploy.yaml"
        base.write_text(base.read_text().replace("replicas", "replicas") + "# changed\n")
        git(root, "-c", "user.email=b@example.com", "-c", "user.name=b", "commit", "-qam", "y")
        renders = len(range(0, options.overlays, 5))
        diff = timed([*command, "check", "--diff", "main"], root, options.repeat)
        print(f"--diff main, a base {renders} overlays include (x2 renders): "
              f"{diff * 1000:.0f} ms")
        for path in root.rglob("kustomization.yaml"):
            path.unlink()
        plain = timed([*command, "check", "."], root, options.repeat)
        print(f"the same files without kustomizations (no render): {plain * 1000:.0f} ms")


if __name__ == "__main__":
    main()
