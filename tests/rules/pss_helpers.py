"""Run one PSS rule through the real CLI and compare findings with `# <- rule` markers."""
from __future__ import annotations

from tests.conftest import Run, expected_positions, found_positions, run_cli

RESTRICTED = ("--pss-level", "restricted")


def run_rule(write, text: str, rule: str, *options: str) -> Run:
    """`policygate check --select RULE --format json [options] w.yaml` on TEXT."""
    root = write({"w.yaml": text})
    return run_cli("check", "--select", rule, "--format", "json", *options, "w.yaml", cwd=root)


def assert_marked(run: Run, text: str, severity: str = "error") -> list[dict]:
    """The findings are exactly the marked positions, all of SEVERITY, with the right exit."""
    expected = expected_positions(text)
    assert expected, "the manifest has no `# <- rule` markers"
    report = run.json()
    assert found_positions(report) == expected, report["findings"]
    assert {f["severity"] for f in report["findings"]} == {severity}
    assert run.exit_code == (1 if severity == "error" else 0), run.stderr
    for finding in report["findings"]:
        assert "\n" not in finding["message"]
    return report["findings"]

