"""Run the real CLI on a small tree of files and compare findings with markers.

YAML files carry `# <- rule` markers at the end of the expected line (see
tests/conftest.py). A Dockerfile cannot: `#` only starts a comment at the beginning of a
line, so there a whole-line marker `# v rule[,rule] @TOKEN` points at the next line that
is not a marker, at the column of TOKEN.
"""
from __future__ import annotations

import re
from pathlib import Path


from policygate.parsers.formats import is_dockerfile
from tests.conftest import Run, expected_positions, run_cli

# A well-formed digest for compliant cases.
DIGEST = "sha256:" + "0123456789abcdef" * 4

_ABOVE = re.compile(r"^\s*#\s*v\s+(?P<rules>[\w/.,-]+)\s+@(?P<at>\S+)\s*$")

Finding = tuple[str, str, int, int]


def _markers_above(text: str) -> list[tuple[str, int, int]]:
    lines = text.splitlines()
    expected = []
    for number, line in enumerate(lines, start=1):
        match = _ABOVE.match(line)
        if match is None:
            continue
        target = number + 1
        while _ABOVE.match(lines[target - 1]):
            target += 1
        column = lines[target - 1].index(match.group("at")) + 1
        expected.extend((rule, target, column) for rule in match.group("rules").split(","))
    return expected


def expected(files: dict[str, str]) -> list[Finding]:
    """(rule, file, line, column) of every marker in every file."""
    result = []
    for name, text in files.items():
        marks = _markers_above(text) if is_dockerfile(Path(name).name) else \
            expected_positions(text)
        result.extend((rule, name, line, column) for rule, line, column in marks)
    return sorted(result)


def found(run: Run) -> list[Finding]:
    return sorted((f["rule"], f["file"], f["line"], f["column"]) for f in run.json()["findings"])


def check(write, files: dict[str, str], select: str, *options: str,
          config: str | None = None) -> Run:
    """`policygate check --select SELECT --format json [options] FILES...` in a fresh tree."""
    # Always (re)write the config: a test may check the same tree under several configs.
    root = write({**files, ".policygate.yaml": config or ""})
    return run_cli("check", "--select", select, "--format", "json", *options, *files, cwd=root)


def assert_findings(run: Run, files: dict[str, str], severity: str | None = None) -> list[dict]:
    """Exactly the marked findings; exit 1 when one is an error, else 0."""
    marks = expected(files)
    assert marks, "the files have no markers"
    report = run.json()
    assert found(run) == marks, report["findings"]
    severities = {f["severity"] for f in report["findings"]}
    if severity is not None:
        assert severities == {severity}
    assert run.exit_code == (1 if "error" in severities else 0), run.stderr
    for finding in report["findings"]:
        assert "\n" not in finding["message"]
    return report["findings"]

