"""Rego test fixtures: the fake OPA server, a real `opa` when one is installed, and a
`check` helper that runs the real CLI on any backend."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Run, run_cli
from tests.rego.fake_opa import FakeOpa


@pytest.fixture
def fake_opa() -> Iterator[FakeOpa]:
    server = FakeOpa()
    try:
        yield server
    finally:
        server.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def real_opa() -> Iterator[str]:
    """A real `opa run --server`; skipped where the binary is not installed."""
    binary = shutil.which("opa")
    if binary is None:
        pytest.skip("the `opa` binary is not on PATH")
    port = _free_port()
    process = subprocess.Popen([binary, "run", "--server", f"--addr=127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


BACKENDS = ["regopy", "opa-fake", "opa-real"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> list[str]:
    """Extra `check` arguments selecting one backend; the same cases run on each."""
    if request.param == "regopy":
        return []
    if request.param == "opa-fake":
        return ["--opa-url", request.getfixturevalue("fake_opa").url]
    return ["--opa-url", request.getfixturevalue("real_opa")]


def check(root: Path, *args: str) -> Run:
    """`policygate check --format json --select rego ...` in root."""
    return run_cli("check", "--format", "json", "--select", "rego", *args, cwd=root)


def findings(run: Run) -> list[tuple[str, str, str, int, str]]:
    """(rule, severity, file, line, message) of every finding, sorted."""
    return sorted((f["rule"], f["severity"], f["file"], f["line"], f["message"])
                  for f in run.json()["findings"])
