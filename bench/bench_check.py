"""Benchmark `policygate check` as whole processes, the way users run it.

Prints resources/second for a full scan, the wall time of a one-file check (the
pre-commit path), and the peak memory of the full scan. Numbers, not assertions: the
budgets and the last measured numbers are in the README's "Benchmarks" section.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402


def policygate_command() -> list[str]:
    script = Path(sys.executable).with_name("policygate")
    return [str(script)] if script.exists() else [sys.executable, "-m", "policygate"]


# Users' Pythons write bytecode caches; some CI images disable that, which would make
# every run recompile the package and measure the compiler instead of the gate.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(args: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    process = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env=CHILD_ENV)
    elapsed = time.perf_counter() - started
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({process.returncode}): {process.stderr.decode()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--per-file", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5, help="runs of the one-file check")
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs to the full scan")
    parser.add_argument("--extra", default="", help="extra arguments for every check")
    args = parser.parse_args()
    command = policygate_command()
    extra = args.extra.split()
    with tempfile.TemporaryDirectory(prefix="policygate-bench-") as tmp:
        root = Path(tmp)
        subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
        files = generate(root, args.resources, args.per_file)
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        timed(command + ["--version"], root)  # warm-up: bytecode caches, page cache
        full, peak = timed(command + ["check", "--format", "json", *jobs, *extra, "."], root)
        one_file = files[len(files) // 2].relative_to(root)
        single = [timed(command + ["check", *extra, str(one_file)], root)[0]
                  for _ in range(args.repeat)]
        diff, staged = diff_timings(command + ["check", *extra], root, one_file, args.repeat)
    cores = len(os.sched_getaffinity(0))
    print(f"full scan: {args.resources} resources in {len(files)} files: {full:.2f} s wall, "
          f"{args.resources / full:,.0f} resources/s ({cores} cores available), "
          f"peak RSS {peak} MiB")
    print(f"one-file check ({args.per_file} resources): median {statistics.median(single) * 1000:.0f} ms, "
          f"min {min(single) * 1000:.0f} ms over {args.repeat} runs")
    for label, times in (("--diff main (one file changed)", diff), ("--staged (one file)", staged)):
        print(f"{label} in a {len(files)}-file repository: median "
              f"{statistics.median(times) * 1000:.0f} ms, min {min(times) * 1000:.0f} ms")


def diff_timings(command: list[str], root: Path, changed: Path,
                 repeat: int) -> tuple[list[float], list[float]]:
    """Commit the tree, change one file on a branch, time --diff; then stage one, time --staged."""
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=b@example.com", "-c", "user.name=bench", *args],
                       cwd=root, check=True, stdout=subprocess.DEVNULL)
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    git("checkout", "-q", "-b", "change")
    path = root / changed
    path.write_text(path.read_text() + "# changed on the branch\n")
    git("commit", "-q", "-am", "one file")
    diff = [timed(command + ["--diff", "main"], root)[0] for _ in range(repeat)]
    path.write_text(path.read_text() + "# staged change\n")
    git("add", str(changed))
    staged = [timed(command + ["--staged"], root)[0] for _ in range(repeat)]
    return diff, staged


if __name__ == "__main__":
    main()
