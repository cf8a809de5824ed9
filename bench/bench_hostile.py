"""Time and peak memory of `policygate check` on each hostile input of tests/hostile.

Numbers, not assertions: the tests assert generous bounds, this prints the measurements
(the README's "Benchmarks" section).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.hostile.inputs import GENERATORS  # noqa: E402
from tests.hostile.measure import run_measured  # noqa: E402


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_args()
    worst = ("", 0.0, 0.0)
    for case, generate in GENERATORS.items():
        with tempfile.TemporaryDirectory(prefix="policygate-hostile-") as tmp:
            root = Path(tmp)
            name = generate(root)
            run = run_measured("check", "--format", "json", name, cwd=root)
            rules = sorted({f["rule"] for f in run.findings()})
            print(f"{case:28} exit {run.exit_code}  {run.seconds:6.2f} s  {run.peak_mib:6.0f} MiB  "
                  f"{', '.join(rules) or '-'}")
            if run.seconds > worst[1]:
                worst = (case, run.seconds, run.peak_mib)
    print(f"worst case: {worst[0]} — {worst[1]:.2f} s, {worst[2]:.0f} MiB peak")


if __name__ == "__main__":
    main()
