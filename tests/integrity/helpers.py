"""Manifests and runners shared by the gate-integrity tests (issue 13): every test drives
the real CLI on a real git repository and compares exact (rule, file, line) triples."""
from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Run, run_cli
from tests.sources.gitrepo import Repo

# A compliant pod; `pod(name, **fields)` adds pod-level fields such as hostPID: true.
POD = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: shop
spec:
{fields}  containers:
    - name: app
      image: example/app:1.0
"""


def pod(name: str, **fields: str) -> str:
    return POD.format(name=name, fields="".join(f"  {k}: {v}\n" for k, v in fields.items()))


Triple = tuple[str, str, int]


def findings(run: Run) -> list[Triple]:
    assert run.exit_code in (0, 1), run.stderr
    return sorted((f["rule"], f["file"], f["line"]) for f in run.json()["findings"])


def check(repo: Repo, *args: str) -> list[Triple]:
    """`check --format json` limited to the Pod Security rules (enforced level only)."""
    return findings(run_cli("check", "--format", "json", "--select", "pss",
                            "--pss-warn-level", "none", *args, cwd=repo.root))


def feature_repo(root: Path, files: dict[str, str | bytes]) -> Repo:
    """A repository whose main holds `files`, checked out on a new branch `feature`."""
    repo = Repo(root)
    repo.commit(files, "base")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def pr_context(repo: Repo, base: str, head: str, files: list[dict], reviews=(),
               author: str = "dave", name: str = "pr.json") -> str:
    """Write a PR-context file (schemas/pr-context.schema.json) into the repository; its name."""
    data = {"repository": "acme/gitops", "number": 7, "author": author,
            "base": {"ref": "main", "sha": base}, "head": {"ref": "feature", "sha": head},
            "files": files,
            "commits": [{"sha": head, "author": author, "committer": author}],
            "reviews": [{"user": user, "state": "APPROVED", "commit_id": head,
                         "submitted_at": "2026-11-20T10:00:00Z"} for user in reviews]}
    (repo.root / name).write_text(json.dumps(data))
    return name
