"""`policygate pr` end to end: a real git clone, PyGithub against the local GitHub API,
real files for the job summary, outputs and SARIF."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from policygate.github.pr import PrError, PrRequest, target
from policygate.model import Severity
from policygate.runner import CheckOptions
from tests.conftest import run_cli
from tests.github.pr_world import CLEAN, GATE, run

SARIF_SCHEMA = json.loads((Path(__file__).parents[1] / "data/sarif-schema-2.1.0.json").read_text())
def test_pr_run_publishes_everywhere(world, fake_github):
    repo, pull, env, tmp = world
    report, stdout, said = run(env)
    assert [(f.rule, f.file, f.location.line) for f in report.findings
            if f.severity == Severity.ERROR] == [("pss/privileged", "deploy/web.yaml", 9)]
    assert "\n::error file=deploy/web.yaml,line=9," in "\n" + stdout
    [check] = fake_github.repo("acme/gitops").check_runs
    assert (check.name, check.status, check.conclusion, check.head_sha) == \
        ("policygate", "completed", "failure", repo.git("rev-parse", "HEAD").strip())
    assert any(a["path"] == "deploy/web.yaml" and a["start_line"] == 9 for a in check.annotations)
    [comment] = [c for c in pull.review_comments if "pss/privileged" in c.body]
    assert (comment.path, comment.line, comment.side) == ("deploy/web.yaml", 9, "RIGHT")
    assert "```suggestion" in comment.body and "privileged: false" in comment.body
    summary = (tmp / "summary.md").read_text()
    assert "### `deploy/web.yaml`" in summary and "pss/privileged" in summary
    outputs = (tmp / "output.txt").read_text().splitlines()
    assert f"findings={len(report.findings)}" in outputs
    assert f"sarif-file={tmp / 'out.sarif'}" in outputs
    jsonschema.validate(json.loads((tmp / "out.sarif").read_text()), SARIF_SCHEMA)


def test_second_run_posts_no_duplicates(world):
    repo, pull, env, _ = world
    run(env)
    first = len(pull.review_comments)
    run(env)
    assert len(pull.review_comments) == first


def test_fork_token_falls_back_without_changing_the_verdict(world, fake_github):
    repo, pull, env, tmp = world
    fake_github.add_token("ghs_readonly", login="github-actions[bot]",
                          permissions={"pull_requests": "read", "contents": "read",
                                       "checks": "read", "metadata": "read"})
    env = {**env, "GITHUB_TOKEN": "ghs_readonly"}
    report, stdout, said = run(env, reports=("check", "review"))
    assert report.worst() == Severity.ERROR
    fallback = [line for line in said if "could not publish" in line]
    assert len(fallback) == 1 and "annotations and the job summary" in fallback[0]
    assert "\n::error file=deploy/web.yaml,line=9," in "\n" + stdout
    assert "pss/privileged" in (tmp / "summary.md").read_text()
    assert fake_github.repo("acme/gitops").check_runs == []


def test_the_gate_comes_from_the_base_commit(world, fake_github):
    """A PR that turns the rule off in .policygate.yaml is still judged by the base."""
    repo, pull, env, _ = world
    repo.commit({".policygate.yaml": GATE + "rules:\n  pss/privileged: off\n"}, "weaken")
    head = repo.git("rev-parse", "HEAD").strip()
    pull.head_sha = head
    pull.add_file(".policygate.yaml", before=GATE, after=GATE + "rules:\n  pss/privileged: off\n")
    report, _, _ = run(env, reports=("annotations",))
    rules = {f.rule for f in report.findings}
    assert "pss/privileged" in rules and "approval/policy-changed" in rules


def test_missing_head_commit_says_how_to_fetch_it(world, fake_github):
    repo, pull, env, _ = world
    pull.head_sha = "e" * 40
    with pytest.raises(Exception) as raised:
        run(env, reports=("annotations",))
    assert "could not be fetched: run `git fetch origin pull/7/head` first" in str(raised.value)


def test_target_from_the_event_and_errors(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"issue": {"number": 3}}))
    with pytest.raises(PrError, match="not about a pull request"):
        target(PrRequest(check=CheckOptions()), {"GITHUB_EVENT_PATH": str(event)})
    with pytest.raises(PrError, match="pass --repo OWNER/NAME --pr N"):
        target(PrRequest(check=CheckOptions()), {})
    assert target(PrRequest(check=CheckOptions(), repository="a/b", number=4), {}) == ("a/b", 4)


def test_cli_pr_exit_codes(world, fake_github, monkeypatch):
    repo, pull, env, _ = world
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = run_cli("pr", "--report", "annotations", "--fail-on", "error", cwd=repo.root)
    assert result.exit_code == 1
    assert "\n::error file=deploy/web.yaml,line=9," in "\n" + result.stdout
    assert run_cli("pr", "--report", "annotations", "--fail-on", "never",
                   cwd=repo.root).exit_code == 0
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_unknown")
    bad_token = run_cli("pr", "--report", "annotations", cwd=repo.root)
    assert bad_token.exit_code == 2
    assert bad_token.stderr == (
        "policygate: error: reading pull request acme/gitops#7: GitHub rejected the token (401 "
        "Bad credentials) — check that GITHUB_TOKEN holds a valid, unexpired token\n")


def test_the_head_is_fetched_as_data_when_the_clone_lacks_it(world, tmp_path, monkeypatch):
    """Like the hardened workflow: only the base is checked out; the head comes as objects."""
    repo, pull, env, _ = world
    repo.git("config", "uploadpack.allowReachableSHA1InWant", "true")  # as GitHub does
    base_only = tmp_path / "base-only"
    subprocess.run(["git", "clone", "-q", "--single-branch", "--branch", "main",
                    str(repo.root), str(base_only)], check=True)
    monkeypatch.chdir(base_only)
    report, _, _ = run(env, reports=("annotations",))
    assert [(f.rule, f.location.line) for f in report.findings if f.rule == "pss/privileged"] == \
        [("pss/privileged", 9)]
    assert (base_only / "deploy/web.yaml").read_text() == CLEAN  # nothing was checked out
