"""Differential tests: one corpus, every engine, identical results.

The corpus: the shipped policies (policies/) over the fixtures' manifests, the fixtures'
Gatekeeper templates over their samples, and tests/rego/corpus — Conftest-style rules and
unit tests with `with`, `every`, escapes, `some` over indices, sprintf of arrays, and
object/set comprehensions. Each runs on OPA in-process, regorus and an OPA server (backed
by the real OPA engine), and the JSON results must be the same bytes.

Where an engine is known to read Rego differently, the case is listed in KNOWN with the
reason, and the test asserts it is refused or reported on that engine — never a
silently different answer.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from policygate.rego.choice import regorus_notice
from tests.conftest import run_cli
from tests.rego.conftest import ENGINES, check, findings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = "tests/rego/corpus"
LIBRARY = sorted(p.stem for p in (ROOT / "policies").glob("*.rego")
                 if not p.stem.endswith("_test") and not p.stem.startswith("_"))


def _engines(request: pytest.FixtureRequest) -> dict[str, list[str]]:
    """Arguments selecting each engine: the installed in-process ones and a server."""
    server = request.getfixturevalue("opa_server")
    return {**{name: ["--engine", name] for name in ENGINES}, "server": ["--opa-url", server.url]}


def _same_on_every_engine(request: pytest.FixtureRequest, *args: str) -> dict:
    """The JSON report of `check ARGS` on every engine; asserts they are identical."""
    reports = {}
    for name, selector in _engines(request).items():
        run = run_cli("check", "--format", "json", *selector, *args, cwd=ROOT)
        assert run.exit_code in (0, 1), (name, run.stderr)
        report = run.json()
        report.pop("rego_engine")
        reports[name] = report
    first = next(iter(reports.values()))
    assert {name: report == first for name, report in reports.items()} == {
        name: True for name in reports}
    return first


def test_corpus_rules_judge_the_same_on_every_engine(request):
    report = _same_on_every_engine(request, "--select", "rego", "--policy", CORPUS, "--data",
                                   f"{CORPUS}/data.yaml", f"{CORPUS}/docs")
    assert sorted((f["file"].rpartition("/")[2], f["line"], f["message"])
                  for f in report["findings"]) == [
        ("banner.yaml", 1, "the banner has a tab and a quote"),
        ("deploy.yaml", 1, "image docker.io/library/nginx:1.27 is from docker.io, not an "
                           "allowed registry"),
        ("deploy.yaml", 1, 'web is missing ["tier"] (tier)'),
        ("deploy.yaml", 15, "the team label is what keeps this Deployment's labels complete"),
        ("pod.yaml", 1, "web: every container must be unprivileged"),
        ("service.yaml", 8, "port 22 is reserved")]


def test_corpus_unit_tests_pass_on_every_engine():
    outcomes = {}
    for name in ENGINES:
        run = run_cli("test", "--engine", name, "--format", "json", CORPUS, cwd=ROOT)
        assert run.exit_code == 0, run.stdout
        outcomes[name] = [(t["name"], t["result"]) for t in json.loads(run.stdout)["tests"]]
    assert len({tuple(v) for v in outcomes.values()}) == 1
    assert [result for _, result in outcomes[ENGINES[0]]] == ["pass"] * 10


def test_library_policies_judge_the_fixtures_the_same_on_every_engine(request, tmp_path):
    config = tmp_path / "policygate.yaml"
    config.write_text(f"policies:\n  library: [{', '.join(LIBRARY)}]\n")
    report = _same_on_every_engine(request, "--select", "rego", "--config", str(config),
                                   "fixtures")
    assert report["failures"] == [] and len(report["findings"]) > 100
    assert {f["rule"].split("/")[1] for f in report["findings"]} >= {"lib.probes", "lib.resources"}


def test_gatekeeper_templates_judge_their_samples_the_same_on_every_engine(request):
    suites = ("allowed-repos", "replica-limits", "required-labels", "unique-ingress-host")
    policy = [arg for suite in suites for name in ("template.yaml", "constraint.yaml")
              for arg in ("--gatekeeper", f"fixtures/gatekeeper/general/{suite}/{name}")]
    samples = [f"fixtures/gatekeeper/general/{suite}/samples" for suite in suites]
    report = _same_on_every_engine(request, "--select", "gatekeeper", *policy, *samples)
    assert report["failures"] == [] and len(report["findings"]) >= 8


# ----------------------------------------------------------- known differences
POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n"

# (name, why the engines differ, policy, what each engine does with it).
KNOWN = [
    ("builtin-error",
     "OPA's bindings raise built-in errors (strict); `opa eval` answers undefined. policygate "
     "asks OPA again with the failing built-in made lenient; regorus cannot, so it reports",
     'package main\n\ndeny contains "n" if to_number(input.metadata.name) > 1\n'
     'deny contains "pod" if input.kind == "Pod"\n',
     {"opa": "answer", "regorus": "reported"}),
    ("newline-paren",
     "regorus reads a line starting with `(` as a call of the line before",
     'package main\n\ndeny contains "x" if {\n  input.kind == "Pod"\n  (1 + 1) == 2\n}\n',
     {"opa": "answer", "regorus": "refused"}),
    ("bodyless-function",
     "OPA reads `f(x)` without a body as `f(x) := true`; regorus refuses it",
     'package main\n\nf(x)\n\ndeny contains "x" if f(input.kind)\n',
     {"opa": "answer", "regorus": "refused"}),
    ("sprintf-arity",
     "OPA formats a missing argument as %!v(MISSING); regorus raises",
     'package main\n\ndeny contains sprintf("%s %s", [input.kind]) if true\n',
     {"opa": "answer", "regorus": "reported"}),
    ("unknown-function",
     "OPA refuses an unknown function when it loads the policy; regorus when the rule runs",
     'package main\n\ndeny contains "x" if nosuch(input.kind)\n',
     {"opa": "refused", "regorus": "reported"}),
    ("use-before-declare",
     "a comprehension that uses a name and then declares it with := (Conftest's "
     "examples/combine): OPA compiles it, regorus refuses it",
     'package main\n\ndeny contains name if {\n  name := input.metadata.name\n'
     '  same := [name | name == input.metadata.name; name := input.kind]\n'
     '  count(same) > 0\n}\n',
     {"opa": "answer", "regorus": "refused"}),
]


@pytest.mark.parametrize(("name", "why", "policy", "outcome"), KNOWN, ids=[k[0] for k in KNOWN])
def test_known_differences_are_refused_or_reported(write, engine, name, why, policy, outcome):
    root = write({"policy/p.rego": policy, "pod.yaml": POD})
    run = check(root, "--policy", "policy", "--engine", engine, "pod.yaml")
    expected = outcome[engine]
    if expected == "refused":
        assert (run.exit_code, run.stdout) == (2, ""), run.stderr
        assert run.stderr.startswith("policygate: error: policy/p.rego:")
        if engine == "regorus":
            assert "--engine opa" in run.stderr
    elif expected == "reported":
        assert run.exit_code == 1, run.stderr
        errors = [f for f in run.json()["findings"] if f["rule"] == "rego/runtime-error"]
        assert len(errors) == 1 and "run with --engine opa" in errors[0]["message"]
    else:
        assert run.exit_code == 1, run.stderr
        rules = [f["rule"] for f in run.json()["findings"]]
        assert rules and "rego/runtime-error" not in rules


def test_known_differences_give_opas_answer_on_opa(write):
    """What the 'answer' rows above answer on OPA, exactly."""
    answers = {}
    for name, _, policy, _ in KNOWN[:4]:
        root = write({f"{name}/policy/p.rego": policy, f"{name}/pod.yaml": POD})
        answers[name] = [m for *_, m in findings(check(root / name, "--policy", "policy",
                                                       "--engine", "opa", "pod.yaml"))]
    assert answers == {"builtin-error": ["pod"], "newline-paren": ["x"],
                       "bodyless-function": ["x"], "sprintf-arity": ["Pod %!s(MISSING)"]}


def test_regorus_undefined_inside_a_result_is_reported_not_passed_on(write):
    """regorus writes an undefined value inside a result as the string "<undefined>": a
    result holding that string is reported on regorus (OPA returns the string as written)."""
    policy = 'package main\n\ndeny contains "<undefined>" if input.kind == "Pod"\n'
    root = write({"policy/p.rego": policy, "pod.yaml": POD})
    run = check(root, "--policy", "policy", "--engine", "regorus", "pod.yaml")
    assert run.exit_code == 1
    assert [f["message"].split(";")[0] for f in run.json()["findings"]] == [
        'runtime error in data.main.deny (policy/p.rego): regorus returned an undefined value '
        'inside a result (it writes it as the string "<undefined>")']
    assert run.stderr == f"policygate: note: {regorus_notice()}\n"
    on_opa = check(root, "--policy", "policy", "--engine", "opa", "pod.yaml")
    assert [f["message"] for f in on_opa.json()["findings"]] == ["<undefined>"]
