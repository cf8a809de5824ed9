"""A git clone and the matching pull request on the local GitHub API, for `policygate pr`
tests (tests/github/test_pr_command.py and tests/hostile/test_github_faults.py)."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from policygate.github.pr import PrRequest, run_pr
from policygate.runner import CheckOptions
from tests.github.clients import FAST
from tests.sources.gitrepo import Repo

GATE = "github:\n  reports: [check, review, annotations, summary, sarif]\n"
CLEAN = ("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n"
         "    - name: web\n      image: nginx:1.27\n      securityContext:\n"
         "        privileged: false\n")
BAD = CLEAN.replace("privileged: false", "privileged: true")


@pytest.fixture
def world(tmp_path, fake_github, monkeypatch):
    """A clone whose feature branch makes a pod privileged, and the matching PR on GitHub."""
    repo = Repo(tmp_path / "gitops")
    base = repo.commit({".policygate.yaml": GATE, "deploy/web.yaml": CLEAN}, "base")
    repo.git("checkout", "-q", "-b", "feature")
    head = repo.commit({"deploy/web.yaml": BAD}, "privileged")
    pull = fake_github.add_pull("acme/gitops", 7, author="dave", base=("main", base),
                                head=("feature", head))
    pull.add_file("deploy/web.yaml", before=CLEAN, after=BAD)
    pull.add_commit("dave")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7},
                                 "repository": {"full_name": "acme/gitops"}}))
    env = {**fake_github.env(), "GITHUB_EVENT_PATH": str(event),
           "GITHUB_REPOSITORY": "acme/gitops", "GITHUB_EVENT_NAME": "pull_request",
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
           "GITHUB_OUTPUT": str(tmp_path / "output.txt")}
    monkeypatch.chdir(repo.root)
    return repo, pull, env, tmp_path


def run(env, **changes):
    out = io.StringIO()
    said: list[str] = []
    request = PrRequest(check=CheckOptions(select=("pss", "approval")),
                        sarif_file=str(Path(env["GITHUB_OUTPUT"]).parent / "out.sarif"),
                        **changes)
    report = run_pr(request, env=env, out=out, say=said.append, client_settings=FAST)
    return report, out.getvalue(), said


