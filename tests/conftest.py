"""Shared test helpers: run the real CLI and read the positions tests expect.

Expected positions are written into test manifests as trailing comments
(`privileged: true  # <- pss/privileged`), so a test states the line it expects next to
the YAML it checks instead of as a number that silently drifts.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from policygate.cli import main

MARKER = re.compile(r"#\s*<-\s*(?P<rules>[\w/.,-]+(?:\s*,\s*[\w/.,-]+)*)(?:\s+@(?P<at>\S+))?\s*$")


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_cli(*args: str, cwd: Path | None = None) -> Run:
    runner = CliRunner()
    previous = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(previous)
    return Run(result.exit_code, result.stdout, result.stderr)


def assert_clean(run: Run) -> None:
    """Exit 0 and no findings: the compliant case next to every violating one."""
    assert run.exit_code == 0, run.stderr
    assert run.json()["findings"] == []


def expected_positions(text: str) -> list[tuple[str, int, int]]:
    """(rule, line, column) for every `# <- rule` marker.

    The column is the first key on the line, or that of TOKEN with `# <- rule @TOKEN`
    (for flow mappings such as `securityContext: {privileged: true}`).
    """
    expected = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = MARKER.search(line)
        if not match:
            continue
        content = line[:match.start()]
        if match.group("at"):
            column = content.index(match.group("at")) + 1
        else:
            column = len(content) - len(content.lstrip(" -")) + 1
        for rule in match.group("rules").split(","):
            expected.append((rule.strip(), number, column))
    return sorted(expected)


def found_positions(report: dict, file: str | None = None) -> list[tuple[str, int, int]]:
    return sorted((f["rule"], f["line"], f["column"]) for f in report["findings"]
                  if file is None or f["file"] == file)


@pytest.fixture
def write(tmp_path: Path):
    """Write files under tmp_path: write({"a.yaml": text}) -> tmp_path."""
    def _write(files: dict[str, str | bytes]) -> Path:
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return tmp_path
    return _write


@pytest.fixture
def fake_github():
    """A local GitHub REST API (tests/github/fixture.py), started for one test."""
    from tests.github.fixture import FakeGitHub

    with FakeGitHub() as hub:
        yield hub


@pytest.fixture
def fake_gitlab():
    """A local GitLab REST API (tests/gitlab/fixture.py), started for one test."""
    from tests.gitlab.fixture import FakeGitLab

    with FakeGitLab() as lab:
        yield lab


@pytest.fixture(scope="session")
def hook_repository(tmp_path_factory):
    """This checkout as a pre-commit hook repository, one hook environment per session
    (tests/precommit.py)."""
    from tests.precommit import snapshot

    return snapshot(tmp_path_factory.mktemp("hook-repository"),
                    tmp_path_factory.mktemp("pre-commit-home"))
