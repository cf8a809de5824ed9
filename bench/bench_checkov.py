"""policygate against Checkov (Kubernetes framework) on the same generated manifests.

Checkov is not a dependency: install it in its own virtualenv and pass its executable,
e.g. `python -m venv /tmp/checkov && /tmp/checkov/bin/pip install checkov`, then
`python bench/bench_checkov.py --checkov /tmp/checkov/bin/checkov`.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import policygate_command, timed  # noqa: E402
from generate import generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkov", required=True, help="the checkov executable")
    parser.add_argument("--resources", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="policygate-vs-checkov-") as tmp:
        root = Path(tmp)
        subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
        generate(root, args.resources, 10)
        ours, our_peak = timed(policygate_command() + ["check", "--format", "json", "."], root)
        theirs, their_peak = timed([args.checkov, "-d", ".", "--framework", "kubernetes",
                                    "--quiet", "--compact", "-o", "json"], root)
    print(f"{args.resources} resources: policygate {ours:.2f} s ({our_peak} MiB), "
          f"checkov {theirs:.2f} s ({their_peak} MiB): {theirs / ours:.0f}x faster")


if __name__ == "__main__":
    main()
