"""Resource exhaustion: each input finishes fast, in bounded memory, with a finding that
names the limit and the setting that raises it — and the other files are still checked."""
from __future__ import annotations

import pytest

from tests.hostile.inputs import GENERATORS
from tests.hostile.measure import run_measured

PRIVILEGED = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
              "    - name: a\n      securityContext: {privileged: true}\n")
# Budgets for a hostile file: generous for a loaded CI machine, far below a hang or a
# blow-up (the closing notes carry the measured numbers from bench/bench_hostile.py).
MAX_SECONDS = 20
MAX_MIB = 400

EXPECTED = {
    "billion laughs": ("parse/limit-exceeded", "limits.max_nodes"),
    "100 MB file": ("parse/limit-exceeded", "limits.max_file_bytes"),
    "100,000 documents": ("parse/limit-exceeded", "limits.max_documents"),
    "flow nesting depth 10,000": ("parse/limit-exceeded", "nesting"),
    "block nesting depth 3,000": ("parse/limit-exceeded", "nesting"),
    "JSON nested 100,000 deep": ("parse/limit-exceeded", "nesting"),
}


@pytest.mark.parametrize("case", list(GENERATORS))
def test_hostile_file_is_bounded_and_the_scan_goes_on(tmp_path, case):
    name = GENERATORS[case](tmp_path)
    (tmp_path / "zz-pod.yaml").write_text(PRIVILEGED)
    run = run_measured("check", "--format", "json", "--select", "parse,pss/privileged", ".",
                       cwd=tmp_path)
    assert run.seconds < MAX_SECONDS, f"{case}: {run.seconds:.1f} s"
    assert run.peak_mib < MAX_MIB, f"{case}: {run.peak_mib:.0f} MiB"
    findings = run.findings()
    assert ("pss/privileged", "zz-pod.yaml") in {(f["rule"], f["file"]) for f in findings}
    own = [f for f in findings if f["file"] == name]
    if case in EXPECTED:
        rule, hint = EXPECTED[case]
        assert [f["rule"] for f in own] == [rule], own
        assert hint in own[0]["message"]
        assert run.exit_code == 1
    else:  # 10 MB on one line is legitimate YAML: checked, no crash, capped message
        assert own == [] or all(len(f["message"]) <= 2000 for f in own)


def test_many_documents_keeps_the_first_ten_thousand(tmp_path):
    GENERATORS["100,000 documents"](tmp_path)
    run = run_measured("check", "--format", "json", "many.yaml", cwd=tmp_path)
    report = __import__("json").loads(run.stdout)
    assert report["summary"]["resources"] == 10_000
    [finding] = report["findings"]
    assert finding["line"] == 40_002  # the first document past the limit (its first key)
