"""Measure the pre-commit hook as a new user meets it: environment size and first run.

Makes a scratch repository whose .pre-commit-config.yaml points `repo:` at a policygate
repository (default: this checkout) and `rev:` at a commit or tag (default: its HEAD),
stages one manifest, and runs the `policygate` hook twice with a fresh PRE_COMMIT_HOME:
the first run installs the hook environment, the second is what every commit costs.
Numbers, not assertions (the README's "Benchmarks" section). pip's own cache is left as
it is; say whether it was warm when you quote the numbers.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = """apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: web
      image: nginx:1.27
      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
"""


def size_mb(path: Path) -> float:
    """Disk usage in MB, as `du` counts it (allocated blocks)."""
    total = 0
    for current, dirs, files in os.walk(path):
        for name in (*dirs, *files):
            try:
                total += os.lstat(os.path.join(current, name)).st_blocks * 512
            except OSError:
                pass
    return total / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", default=str(ROOT), help="the policygate repository")
    parser.add_argument("--rev", default=None, help="commit or tag (default: its HEAD)")
    args = parser.parse_args()
    rev = args.rev or subprocess.run(["git", "rev-parse", "HEAD"], cwd=args.repo,
                                     capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="policygate-hook-") as tmp:
        home, work = Path(tmp) / "home", Path(tmp) / "work"
        (work / "deploy").mkdir(parents=True)
        (work / "deploy" / "web.yaml").write_text(MANIFEST)
        (work / ".pre-commit-config.yaml").write_text(
            f"repos:\n  - repo: {args.repo}\n    rev: {rev}\n    hooks:\n      - id: policygate\n")
        for command in (["init", "-q"], ["add", "-A"]):
            subprocess.run(["git", *command], cwd=work, check=True)
        env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
        for label in ("first run (installs the environment)", "second run"):
            started = time.perf_counter()
            run = subprocess.run([sys.executable, "-m", "pre_commit", "run", "policygate"],
                                 cwd=work, env=env, capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            if run.returncode != 0:
                raise SystemExit(f"the hook failed ({run.returncode}):\n{run.stdout}{run.stderr}")
            print(f"{label}: {elapsed:.2f} s")
        environments = [p for p in home.glob("repo*/py_env-*") if p.is_dir()]
        print(f"hook environment: {sum(size_mb(p) for p in environments):.0f} MB "
              f"(PRE_COMMIT_HOME {size_mb(home):.0f} MB)")


if __name__ == "__main__":
    main()
