"""Rego test fixtures: an OPA server backed by the real OPA engine, the engines to run
the same cases on, and a `check` helper that runs the real CLI."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from policygate.rego.choice import IN_PROCESS, installed
from tests.conftest import Run, run_cli
from tests.rego.opa_server import OpaServer

# The in-process engines installed here, each tested; CI installs both (.ci/run).
ENGINES = [name for name in IN_PROCESS if installed(name)]


@pytest.fixture
def opa_server() -> Iterator[OpaServer]:
    server = OpaServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=[*ENGINES, "server"])
def backend(request: pytest.FixtureRequest) -> list[str]:
    """Extra `check` arguments selecting one engine; the same cases run on each."""
    if request.param == "server":
        return ["--opa-url", request.getfixturevalue("opa_server").url]
    return ["--engine", request.param]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each installed in-process engine."""
    return request.param


def notes(backend: list[str]) -> str:
    """What a run on this engine says on stderr by itself: regorus says it is not OPA."""
    from policygate.rego.choice import regorus_notice

    return f"policygate: note: {regorus_notice()}\n" if backend[-1:] == ["regorus"] else ""


def check(root: Path, *args: str) -> Run:
    """`policygate check --format json --select rego ...` in root."""
    return run_cli("check", "--format", "json", "--select", "rego", *args, cwd=root)


def findings(run: Run) -> list[tuple[str, str, str, int, str]]:
    """(rule, severity, file, line, message) of every finding, sorted."""
    return sorted((f["rule"], f["severity"], f["file"], f["line"], f["message"])
                  for f in run.json()["findings"])
