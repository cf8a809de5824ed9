"""`data.policygate` carries the run's facts: the diff (deleted files included) and, in
pull-request mode, the PR and its approval state."""
from __future__ import annotations

import json

from tests.approvals.test_approvals_cli import GATE, context, repo  # noqa: F401 (fixture)
from tests.conftest import run_cli
from tests.sources.gitrepo import Repo

DELETED = """package main

deny contains msg if {
  some path in data.policygate.diff.deleted
  msg := sprintf("deleted %s", [path])
}
"""
APPROVAL = """package main

deny contains msg if {
  data.policygate.pr.approvals.status != "approved"
  msg := sprintf("PR %d by %s is %s", [data.policygate.pr.number, data.policygate.pr.author,
                                       data.policygate.pr.approvals.status])
}
"""


def test_policies_see_deleted_files_in_diff_mode(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.commit({"gone.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
                 "kept.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
                 "policy/main.rego": DELETED}, "base")
    repo.git("rm", "-q", "gone.yaml")
    repo.commit({"kept.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b2}\n"}, "delete")
    run = run_cli("check", "--format", "json", "--select", "rego", "--policy", "policy",
                  "--diff", "HEAD~1", cwd=repo.root)
    assert [(f["rule"], f["file"], f["message"]) for f in run.json()["findings"]] == [
        ("rego/main", "kept.yaml", "deleted gone.yaml")]


def test_policies_see_the_pull_request_and_its_approvals(repo):  # noqa: F811
    repo.git("checkout", "-q", "main")
    policy_config = GATE + "policies:\n  dirs: [policy]\n"
    repo.commit({".policygate.yaml": policy_config, "policy/main.rego": APPROVAL}, "policy")
    base = repo.git("rev-parse", "HEAD").strip()
    repo.git("checkout", "-q", "feature")
    repo.git("merge", "-q", "--no-edit", "main")
    repo.head = repo.git("rev-parse", "HEAD").strip()
    repo.base = base
    path = context(repo, ["alice"])
    run = run_cli("check", "--format", "json", "--select", "rego", "--pr-context", path,
                  cwd=repo.root)
    messages = {f["message"] for f in run.json()["findings"]}
    assert messages == {"PR 7 by dave is pending"}, run.stderr
    payload = json.loads((repo.root / path).read_text())
    assert payload["number"] == 7
