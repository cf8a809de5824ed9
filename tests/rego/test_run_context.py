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
STATUSES = """package main

deny contains msg if {
  some change in data.policygate.diff.files
  msg := sprintf("%s %s from %v", [change.status, change.path, change.previous_path])
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


def test_diff_file_statuses_use_the_pull_request_words(tmp_path):
    """`data.policygate.diff.files[].status` reads like `data.policygate.pr.files`, so one
    policy works locally and in a PR."""
    repo = Repo(tmp_path / "r")
    config = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\ndata: {k: '%s'}\n"
    repo.commit({"old.yaml": config % ("a", "long enough to be a rename " * 4),
                 "edit.yaml": config % ("b", "1"), "gone.yaml": "kind: Secret\n" + "# retired\n" * 20,
                 "policy/main.rego": STATUSES}, "base")
    repo.git("mv", "old.yaml", "moved.yaml")
    repo.git("rm", "-q", "gone.yaml")
    repo.commit({"edit.yaml": config % ("b", "2"), "new.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-d}\n"}, "change")
    run = run_cli("check", "--format", "json", "--select", "rego", "--policy", "policy",
                  "--diff", "HEAD~1", cwd=repo.root)
    assert sorted(f["message"] for f in run.json()["findings"] if f["file"] == "new.yaml") == [
        "added new.yaml from null", "modified edit.yaml from null",
        "removed gone.yaml from null", "renamed moved.yaml from old.yaml"]


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
