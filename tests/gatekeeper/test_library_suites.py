"""The library-style suites in fixtures/gatekeeper/ (pod security, allowed repos, required
labels, replica limits, unique ingress host), run with `policygate verify` on each engine.

These are the pass rates the README reports. The cases regopy fails are its known gap,
asserted by name so a change in either direction is noticed: rego-cpp 1.5.2 puts a string
computed by a built-in (concat, object.get, upper, ...) in double quotes when `sprintf`
formats it together with other arguments, so a message differs from OPA's.
"""
from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli

ROOT = Path(__file__).parents[2]
SUITES = "fixtures/gatekeeper"
TOTAL = 31
REGOPY_GAPS = [
    ("fixtures/gatekeeper/general/required-labels/suite.yaml", "team-and-tier", "missing-both",
     "got 0 violations containing 'missing required labels: team, tier$' but want exactly 1; "
     "messages: ['Deployment web is missing required labels: \"team, tier\"']"),
    ("fixtures/gatekeeper/general/required-labels/suite.yaml", "team-and-tier",
     "update-removes-a-label",
     "got 0 violations containing 'missing required labels: team$' but want at least 1; "
     "messages: ['Deployment web is missing required labels: \"team\"']"),
]


def _verify(*args: str) -> tuple[int, list[dict]]:
    run = run_cli("verify", SUITES, "--format", "json", *args, cwd=ROOT)
    assert run.stderr == ""
    return run.exit_code, run.json()["cases"]


def _failures(cases: list[dict]) -> list[tuple[str, str, str, str]]:
    return [(c["suite"], c["test"], c["case"], c["message"]) for c in cases if not c["passed"]]


def test_pass_rate_in_process_regopy():
    code, cases = _verify()
    assert (len(cases), sum(c["passed"] for c in cases)) == (TOTAL, TOTAL - len(REGOPY_GAPS))
    assert _failures(cases) == REGOPY_GAPS
    assert code == 1
    assert {c["status"] for c in cases} == {"pass", "fail"}     # no engine errors


def test_pass_rate_opa_backend_on_the_fake_server(opa_server):
    # The fake OPA server evaluates with regopy too: this measures the upload/query path,
    # and shows the same rego-cpp gap, not OPA's own semantics.
    code, cases = _verify("--engine", "opa", "--opa-url", opa_server.url)
    assert (len(cases), sum(c["passed"] for c in cases)) == (TOTAL, TOTAL - len(REGOPY_GAPS))
    assert _failures(cases) == REGOPY_GAPS
    assert code == 1
    assert opa_server.policies == {}                              # every upload removed


def test_pass_rate_on_a_opa_server_server(opa_server):
    code, cases = _verify("--engine", "opa", "--opa-url", opa_server)
    assert (code, _failures(cases)) == (0, [])
