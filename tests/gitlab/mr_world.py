"""A git clone and the matching merge request on the local GitLab API, for `policygate mr`
tests: a feature branch that makes a pod privileged, in a detached MR pipeline."""
from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from policygate.gitlab.api import GitLabSettings
from policygate.gitlab.mr import MrRequest, run_mr
from policygate.runner import CheckOptions
from tests.sources.gitrepo import Repo

# Tests count requests, not seconds: no back-off pauses, no pacing between writes.
FAST = GitLabSettings(backoff=0.0, max_wait=5.0, seconds_between_writes=0.0)
GATE = "approvals:\n  rules:\n    - name: one\n      requires: {count: 1}\n"
CLEAN = ("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n"
         "    - name: web\n      image: nginx:1.27\n      securityContext:\n"
         "        privileged: false\n")
BAD = CLEAN.replace("privileged: false", "privileged: true")


def fast(**changes: Any) -> GitLabSettings:
    return dataclasses.replace(FAST, **changes)


@dataclass
class World:
    repo: Repo
    project: Any
    mr: Any
    env: dict[str, str]
    tmp: Path

    @property
    def head(self) -> str:
        return self.mr.head_sha

    def push(self, files: dict[str, str], message: str = "change") -> str:
        """A new commit on the MR's branch, known to the fake as the MR's new head."""
        before = {name: self.repo.git("show", f"main:{name}") if self._in_main(name) else None
                  for name in files}
        head = self.repo.commit(files, message)
        self.mr.head_sha = head
        for name, text in files.items():
            self.mr.files = [f for f in self.mr.files if f.new_path != name]
            self.mr.add_file(name, before[name], text)
        self.mr.add_version(head, "2026-11-20T11:00:00.000Z")
        self.env["CI_COMMIT_SHA"] = head
        return head

    def _in_main(self, name: str) -> bool:
        return bool(self.repo.git("ls-tree", "main", "--", name).strip())


@pytest.fixture
def world(tmp_path, fake_gitlab, monkeypatch) -> World:
    repo = Repo(tmp_path / "gitops")
    base = repo.commit({".policygate.yaml": GATE, "deploy/web.yaml": CLEAN}, "base")
    repo.git("checkout", "-q", "-b", "feature")
    head = repo.commit({"deploy/web.yaml": BAD}, "privileged")
    project = fake_gitlab.add_project("acme/infra/gitops", project_id=42)
    mr = fake_gitlab.add_mr(project, 7, author="dave", head=head, base=base)
    mr.add_file("deploy/web.yaml", CLEAN, BAD)
    mr.add_commit("Dave")
    env = {**fake_gitlab.env(), "GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "7",
           "CI_MERGE_REQUEST_PROJECT_ID": "42", "CI_PROJECT_ID": "42",
           "CI_MERGE_REQUEST_EVENT_TYPE": "detached", "CI_COMMIT_SHA": head,
           "CI_MERGE_REQUEST_DIFF_BASE_SHA": base, "CI_PIPELINE_ID": "9001",
           "CI_JOB_URL": f"{fake_gitlab.url}/acme/infra/gitops/-/jobs/555"}
    monkeypatch.chdir(repo.root)
    return World(repo, project, mr, env, tmp_path)


def run(world: World, **changes: Any):
    out = io.StringIO()
    said: list[str] = []
    request = MrRequest(check=CheckOptions(select=("pss", "approval")),
                        codequality_file=str(world.tmp / "gl-code-quality-report.json"),
                        **changes)
    report = run_mr(request, env=world.env, out=out, say=said.append, client_settings=FAST)
    return report, out.getvalue(), said
