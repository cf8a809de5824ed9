"""The bench/ scripts still run against the current code (they are not timed here: the
numbers belong in closing notes, not in assertions)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.parametrize("script, args, expected", [
    ("bench_check.py", ["--resources", "40", "--repeat", "1"],
     ["full scan: 40 resources in 4 files:", "one-file check (10 resources):",
      "--diff main (one file changed) in a 4-file repository:",
      "--staged (one file) in a 4-file repository:"]),
    ("bench_rego.py", ["--documents", "20", "--scan", "30"],
     ["opa      import", "opa      scan     30 documents", "regorus  import",
      "regorus  scan     30 documents", "server   upload"]),
    ("bench_inventory.py", ["--resources", "20", "--overlays", "2", "--repeat", "1"],
     ["20 plain resources in 2 files, 2 overlays; median of 1",
      "a plain manifest   gatekeeper, Services   new",
      "an overlay's patch --combine rego         resource"]),
    ("bench_gitlab_requests.py", ["--files", "2", "--findings", "2"],
     ["first run: 4 findings on 2 files, 14 requests (6 writes)",
      "re-run: 4 findings on 2 files, 8 requests (0 writes)"]),
])
def test_bench_script_runs_on_a_small_input(script, args, expected):
    run = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    for start in expected:
        assert any(line.startswith(start) for line in lines), run.stdout


def test_bench_help_names_only_files_the_repository_has():
    """`--help` is the docstring: it once sent readers to a DESIGN.md that is not here."""
    for script in sorted(BENCH.glob("bench_*.py")):
        run = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                             text=True, timeout=60)
        assert run.returncode == 0, (script.name, run.stderr)
        assert "DESIGN.md" not in run.stdout, script.name
        assert run.stdout.startswith(f"usage: {script.name} [-h]"), (script.name, run.stdout)


def test_no_file_points_at_a_design_document_the_repository_does_not_have():
    root = BENCH.parent
    assert not (root / "DESIGN.md").exists()
    listed = subprocess.run(["git", "grep", "-l", "DESIGN.md", "--", ".", ":!tests/test_bench.py"],
                            cwd=root, capture_output=True, text=True)
    assert listed.stdout == ""
