"""The library-style suites in fixtures/gatekeeper/ (pod security, allowed repos, required
labels, replica limits, unique ingress host), run with `policygate verify` on each engine:
OPA in-process, regorus, and an OPA server (backed by the real OPA engine). Every case
passes on every engine, with no listed exception."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli

ROOT = Path(__file__).parents[2]
SUITES = "fixtures/gatekeeper"
TOTAL = 31


def _verify(*args: str) -> tuple[int, list[dict], str]:
    run = run_cli("verify", SUITES, "--format", "json", *args, cwd=ROOT)
    return run.exit_code, run.json()["cases"], run.stderr


def test_every_case_passes_in_process(engine):
    code, cases, _ = _verify("--engine", engine)
    assert [(c["suite"], c["test"], c["case"], c["message"]) for c in cases if not c["passed"]] == []
    assert (code, len(cases)) == (0, TOTAL)


def test_every_case_passes_on_an_opa_server(opa_server):
    code, cases, stderr = _verify("--opa-url", opa_server.url)
    assert [(c["suite"], c["test"], c["case"], c["message"]) for c in cases if not c["passed"]] == []
    assert (code, len(cases), stderr) == (0, TOTAL, "")
    assert opa_server.policies == {}                            # every upload removed
