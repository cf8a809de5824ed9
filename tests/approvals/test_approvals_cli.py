"""`policygate approvals` and `check --pr-context`: trusted base, tree output, exit codes,
offline and through PyGithub against the local GitHub API fixture."""
from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli
from tests.sources.gitrepo import Repo

GATE = """\
approvals:
  policy: [platform-ok]
  rules:
    - name: platform-ok
      if: {changed_files: ["deploy/prod/**"]}
      requires: {count: 2, teams: [acme/platform]}
  teams: {acme/platform: [alice, bob, carol]}
"""
WEAKENED = GATE.replace("count: 2", "count: 0")
WEB = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: prod}\ndata: {a: '1'}\n"


@pytest.fixture
def repo(tmp_path):
    """main has the gate; the PR branch weakens it and changes a prod manifest."""
    repository = Repo(tmp_path / "gitops")
    base = repository.commit({".policygate.yaml": GATE, "deploy/prod/web.yaml": WEB}, "base")
    repository.git("checkout", "-q", "-b", "feature")
    head = repository.commit({".policygate.yaml": WEAKENED,
                              "deploy/prod/web.yaml": WEB.replace("'1'", "'2'")}, "weaken")
    repository.base, repository.head = base, head
    return repository


def context(repo, reviews=(), **extra):
    data = {"repository": "acme/gitops", "number": 7, "author": "dave",
            "base": {"ref": "main", "sha": repo.base}, "head": {"ref": "feature", "sha": repo.head},
            "files": [{"path": ".policygate.yaml", "status": "modified"},
                      {"path": "deploy/prod/web.yaml", "status": "modified"}],
            "commits": [{"sha": repo.head, "author": "dave", "committer": "dave"}],
            "reviews": [{"user": u, "state": "APPROVED", "commit_id": repo.head,
                         "submitted_at": "2026-11-20T10:00:00Z"} for u in reviews]}
    data.update(extra)
    path = repo.root / "pr.json"
    path.write_text(json.dumps(data))
    return "pr.json"


def test_a_pr_that_weakens_the_gate_is_judged_by_the_base_rule(repo):
    run = run_cli("approvals", "--pr-context", context(repo, ["alice"]), cwd=repo.root)
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert lines[0] == "Approval policy: not approved"
    assert lines[2].startswith("    ✗ platform-ok: pending — changes deploy/prod/web.yaml; "
                               "needs 1 more approval from acme/platform (bob, carol)")
    changed = next(line for line in lines if "[approval/policy-changed]" in line)
    assert changed == (".policygate.yaml:1: warning [approval/policy-changed] this pull request "
                       "changes the gate itself (.policygate.yaml, modified; changes approvals); "
                       "it is still judged by the base commit's version")
    missing = next(line for line in lines if "[approval/missing]" in line)
    assert missing.startswith(".policygate.yaml:4: error [approval/missing] approval rule "
                              "'platform-ok' changes deploy/prod/web.yaml; needs 1 more")


def test_enough_approvals_on_the_head_pass(repo):
    run = run_cli("approvals", "--pr-context", context(repo, ["alice", "bob"]), cwd=repo.root)
    assert run.exit_code == 0
    assert run.stdout.splitlines()[0] == "Approval policy: approved"


def test_json_output(repo):
    run = run_cli("approvals", "--format", "json", "--pr-context", context(repo, ["alice"]),
                  cwd=repo.root)
    payload = json.loads(run.stdout)
    assert payload["approvals"]["status"] == "pending"
    rule = payload["approvals"]["policy"]["children"][0]
    assert (rule["name"], rule["missing"], rule["approved_by"]) == ("platform-ok", 1, ["alice"])
    assert sorted(f["rule"] for f in payload["findings"]) == ["approval/missing",
                                                               "approval/policy-changed"]


def test_missing_base_commit_exits_2_with_the_fix(repo):
    path = context(repo, base={"ref": "main", "sha": "f" * 40})
    run = run_cli("approvals", "--pr-context", path, cwd=repo.root)
    assert run.exit_code == 2
    assert f"base '{'f' * 40}' is not a commit in this repository: fetch it" in run.stderr


def test_invalid_context_file_exits_2(repo):
    (repo.root / "bad.json").write_text('{"repository": "acme/gitops"}')
    run = run_cli("approvals", "--pr-context", "bad.json", cwd=repo.root)
    assert run.exit_code == 2
    assert run.stderr.startswith("policygate: error: bad.json")


def test_check_with_pr_context_adds_approval_findings(repo):
    run = run_cli("check", "--format", "json", "--select", "approval", "--pr-context",
                  context(repo, ["alice"]), "deploy", cwd=repo.root)
    assert run.exit_code == 1
    rules = sorted(f["rule"] for f in run.json()["findings"])
    assert rules == ["approval/missing", "approval/policy-changed"]


def test_through_github_with_an_unreadable_team(repo, fake_github, monkeypatch):
    pull = fake_github.add_pull("acme/gitops", 7, author="dave", base=("main", repo.base),
                                head=("feature", repo.head))
    pull.add_file("deploy/prod/web.yaml", before=WEB, after=WEB.replace("'1'", "'2'"))
    pull.add_commit("dave")
    pull.add_review("alice")
    pull.add_review("bob")
    fake_github.add_team("acme/sre", ["alice", "bob"], secret=True)
    for name, value in fake_github.env().items():
        monkeypatch.setenv(name, value)
    gate = GATE.replace("teams: [acme/platform]", "teams: [acme/sre]")
    repo.git("checkout", "-q", "main")
    repo.commit({".policygate.yaml": gate}, "needs sre")
    pull_base = repo.git("rev-parse", "HEAD").strip()
    pull.base_sha = pull_base
    run = run_cli("approvals", "--repo", "acme/gitops", "--pr", "7", cwd=repo.root)
    assert run.exit_code == 1, run.stderr
    assert "cannot verify membership of acme/sre (404" in run.stdout
    assert "give the action a token with Members: read, or list the team under " \
           "`approvals.teams`" in run.stdout
    team_calls = fake_github.calls("teams.get")
    assert team_calls and all(call.status == 404 for call in team_calls)


GITLAB_GATE = """\
approvals:
  rules:
    - name: owners
      requires: {count: 0, codeowners: true}
  teams: {acme/dba: [dan, dora], acme/platform: [pat]}
"""
GITLAB_OWNERS = "* @acme/platform\n\n[Database][2] @acme/dba\ndeploy/prod/\n\n^[Docs] @writer\n*.md\n"


def test_a_gitlab_context_is_judged_with_gitlab_codeowners_sections_and_counts(tmp_path):
    """`platform: gitlab` in the file: CODEOWNERS is read with GitLab's rules (the same
    file under GitHub's rules would read `[Database][2]` as an invalid pattern)."""
    repository = Repo(tmp_path / "gitops")
    base = repository.commit({".policygate.yaml": GITLAB_GATE, "CODEOWNERS": GITLAB_OWNERS,
                              "deploy/prod/web.yaml": WEB}, "base")
    repository.git("checkout", "-q", "-b", "feature")
    head = repository.commit({"deploy/prod/web.yaml": WEB.replace("'1'", "'2'")}, "change")
    repository.base, repository.head = base, head

    def judge(*approvers: str):
        return run_cli("approvals", "--pr-context", context(
            repository, approvers, platform="gitlab", repository="acme/infra/gitops",
            files=[{"path": "deploy/prod/web.yaml", "status": "modified"}]),
            cwd=repository.root)

    one = judge("pat", "dan")
    assert one.exit_code == 1
    assert ("needs 2 code owner approvals (1 more) for [Database] deploy/prod/ "
            "(deploy/prod/web.yaml; acme/dba)") in one.stdout
    assert "invalid-codeowners" not in one.stdout
    assert judge("pat", "dan", "dora").exit_code == 0
    assert judge("dan", "dora").exit_code == 1        # the unnamed section still needs pat
