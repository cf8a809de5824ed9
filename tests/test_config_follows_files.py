"""The config is the one of the repository that holds the checked paths, not of the shell.

`cd ~ && policygate check ~/repo/deploy` must judge ~/repo by ~/repo/.policygate.yaml:
picking up another directory's config (or none) would give a different verdict than
pre-commit and CI give for the same files. Paths in two repositories are two checks.
"""
from __future__ import annotations

from tests.conftest import run_cli
from tests.sources.gitrepo import Repo

POD = """apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  hostNetwork: true
  containers:
    - {name: web, image: "nginx:1.27"}
"""
# The repository's own decision: host networking is accepted here.
REPO_CONFIG = "rules:\n  pss/host-namespaces: off\n"


def _rules(run) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["file"], f["line"]) for f in run.json()["findings"]]


def test_the_config_of_the_repository_holding_the_paths_applies_from_anywhere(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit({"deploy/web.yaml": POD, ".policygate.yaml": REPO_CONFIG})
    home = tmp_path / "home"
    home.mkdir()
    # A config in the shell's directory that would fail the pod: it must not apply.
    (home / ".policygate.yaml").write_text("rules:\n  pss/host-namespaces: error\n")
    args = ("check", "--format", "json", "--select", "pss/host-namespaces")
    from_home = run_cli(*args, str(repo.root / "deploy"), cwd=home)
    from_repo = run_cli(*args, "deploy", cwd=repo.root)
    assert (from_home.exit_code, _rules(from_home)) == (0, [])
    assert (from_repo.exit_code, _rules(from_repo)) == (0, [])
    # The negative: without the repository's config the same files fail, named from its root.
    (repo.root / ".policygate.yaml").unlink()
    failing = run_cli(*args, str(repo.root / "deploy"), cwd=home)
    assert (failing.exit_code, _rules(failing)) == (
        1, [("pss/host-namespaces", "deploy/web.yaml", 5)])


def test_staged_from_outside_reads_that_repositorys_index(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit({"README.md": "gitops\n"})
    repo.write({"deploy/web.yaml": POD})
    repo.git("add", "-A")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    run = run_cli("check", "--staged", "--format", "json", "--select", "pss/host-namespaces",
                  str(repo.root / "deploy/web.yaml"), cwd=outside)
    assert (run.exit_code, _rules(run)) == (1, [("pss/host-namespaces", "deploy/web.yaml", 5)])


def test_paths_in_two_repositories_are_an_error_that_says_so(tmp_path):
    first, second = Repo(tmp_path / "one"), Repo(tmp_path / "two")
    first.commit({"web.yaml": POD})
    second.commit({"web.yaml": POD})
    run = run_cli("check", str(first.root / "web.yaml"), str(second.root / "web.yaml"),
                  cwd=tmp_path)
    assert run.exit_code == 2
    assert run.stderr == (
        f"policygate: error: the paths are in different repositories: {first.root}/web.yaml "
        f"(in {first.root}) and {second.root}/web.yaml (in {second.root}); each repository "
        f"has its own config, so check them in separate runs\n")
    loose = tmp_path / "loose.yaml"
    loose.write_text(POD)
    mixed = run_cli("check", str(first.root / "web.yaml"), str(loose), cwd=tmp_path)
    assert mixed.exit_code == 2
    assert f"{loose} (in no git repository)" in mixed.stderr
    # Two paths of one repository are one check.
    both = run_cli("check", "--select", "pss/host-namespaces", str(first.root / "web.yaml"),
                   str(first.root), cwd=tmp_path)
    assert both.exit_code == 1, both.stderr
