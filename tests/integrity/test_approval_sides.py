"""Approval rules see both sides of a rename or copy (issue 13, item 10): moving
`deploy/prod/netpol.yaml` to `docs/` changes deploy/prod as much as docs."""
from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.integrity.helpers import feature_repo, pr_context

NETPOL = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: prod}
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""
GATE = """\
approvals:
  policy: {or: [docs-only, platform-ok]}
  rules:
    - name: docs-only
      if: {only_changed_files: ["docs/**"]}
      requires: {count: 0}
    - name: platform-ok
      if: {changed_files: ["deploy/prod/**"]}
      requires: {count: 1, teams: [acme/platform]}
    - name: netpol-ok
      if: {changed_resources: {kinds: [NetworkPolicy]}}
      requires: {count: 1, teams: [acme/security]}
    - name: owners
      requires: {count: 0, codeowners: true}
  teams: {acme/platform: [paula], acme/security: [sam]}
"""
OWNERS = "/deploy/prod/ @paula\n"


def _repo(tmp_path, policy: str):
    repo = feature_repo(tmp_path / "repo", {
        ".policygate.yaml": GATE.replace("policy: {or: [docs-only, platform-ok]}", policy),
        ".github/CODEOWNERS": OWNERS, "deploy/prod/netpol.yaml": NETPOL, "docs/index.md": "x\n"})
    return repo


def _approvals(repo, status: str, reviews=()) -> tuple[int, list[str]]:
    base = repo.git("rev-parse", "main").strip()
    head = repo.git("rev-parse", "HEAD").strip()
    files = [{"path": "docs/netpol.yaml", "status": status,
              "previous_path": "deploy/prod/netpol.yaml"}]
    run = run_cli("approvals", "--pr-context", pr_context(repo, base, head, files, reviews),
                  cwd=repo.root)
    return run.exit_code, [line.strip() for line in run.stdout.splitlines()[1:]]


def test_a_rename_out_of_prod_is_not_docs_only(tmp_path):
    """The class: file conditions that looked only at the new path of a rename."""
    repo = _repo(tmp_path, "policy: {or: [docs-only, platform-ok]}")
    repo.git("mv", "deploy/prod/netpol.yaml", "docs/netpol.yaml")
    repo.commit(message="park the policy in docs")
    code, lines = _approvals(repo, "renamed")
    assert code == 1
    assert lines[1:3] == [
        "- docs-only: skipped — also changes deploy/prod/netpol.yaml",
        "✗ platform-ok: pending — changes deploy/prod/netpol.yaml; needs 1 more approval from "
        "acme/platform (paula)"]
    assert _approvals(repo, "renamed", ["paula"])[0] == 0


@pytest.mark.parametrize("status", ["renamed", "copied"])
def test_changed_resources_see_the_old_content(tmp_path, status):
    repo = _repo(tmp_path, "policy: [netpol-ok]")
    if status == "renamed":
        repo.git("mv", "deploy/prod/netpol.yaml", "docs/netpol.yaml")
    else:
        (repo.root / "docs/netpol.yaml").write_text(NETPOL)
    repo.commit(message=status)
    code, lines = _approvals(repo, status)
    assert (code, lines[1]) == (1, "✗ netpol-ok: pending — touches NetworkPolicy/prod/deny-all; "
                                   "needs 1 more approval from acme/security (sam)")


def test_codeowners_of_the_old_path_must_approve(tmp_path):
    repo = _repo(tmp_path, "policy: [owners]")
    repo.git("mv", "deploy/prod/netpol.yaml", "docs/netpol.yaml")
    repo.commit(message="move")
    code, lines = _approvals(repo, "renamed")
    assert (code, lines[1]) == (1, "✗ owners: pending — always applies; needs a code owner's "
                                   "approval for deploy/prod/netpol.yaml (paula)")
    code, lines = _approvals(repo, "renamed", ["paula"])
    assert (code, lines[1]) == (0, "✓ owners: approved — always applies; approved by paula")


def test_check_with_pr_context_blocks_the_rename(tmp_path):
    repo = _repo(tmp_path, "policy: {or: [docs-only, platform-ok]}")
    repo.git("mv", "deploy/prod/netpol.yaml", "docs/netpol.yaml")
    head = repo.commit(message="park")
    base = repo.git("rev-parse", "main").strip()
    files = [{"path": "docs/netpol.yaml", "status": "renamed",
              "previous_path": "deploy/prod/netpol.yaml"}]
    run = run_cli("check", "--format", "json", "--select", "approval", "--pr-context",
                  pr_context(repo, base, head, files), cwd=repo.root)
    assert run.exit_code == 1
    assert [(f["rule"], f["line"]) for f in run.json()["findings"]] == [("approval/missing", 7)]


def test_a_move_inside_docs_stays_docs_only(tmp_path):
    """The negative case: both sides in docs/ satisfy the docs-only rule."""
    repo = _repo(tmp_path, "policy: {or: [docs-only, platform-ok]}")
    repo.git("mv", "docs/index.md", "docs/start.md")
    head = repo.commit(message="rename a doc")
    base = repo.git("rev-parse", "main").strip()
    files = [{"path": "docs/start.md", "status": "renamed", "previous_path": "docs/index.md"}]
    run = run_cli("approvals", "--pr-context", pr_context(repo, base, head, files), cwd=repo.root)
    assert run.exit_code == 0, run.stdout
