"""The real pre-commit framework runs our hook (`pre-commit try-repo` on this checkout)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sources.gitrepo import Repo

PROJECT = Path(__file__).parents[1]
BAD = (PROJECT / "fixtures/apps/legacy/debug.yaml").read_text()
GOOD = (PROJECT / "fixtures/apps/shop/web.yaml").read_text()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    """One hook environment for the module: installing it is the slow part."""
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo: Repo, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(PROJECT),
                           "policygate", "--verbose"], cwd=repo.root, env=env,
                          capture_output=True, text=True, timeout=600)


def test_hook_fails_on_a_violating_staged_manifest(tmp_path, pre_commit_home):
    repo = Repo(tmp_path / "app")
    repo.write({"deploy/debug.yaml": BAD})
    repo.git("add", "deploy/debug.yaml")
    process = try_repo(repo, pre_commit_home)
    assert process.returncode == 1, process.stdout + process.stderr
    assert "policygate" in process.stdout and "Failed" in process.stdout
    assert ("deploy/debug.yaml:15:9: error [pss/privileged] container \"shell\" runs privileged"
            in process.stdout)


def test_hook_passes_a_compliant_staged_manifest(tmp_path, pre_commit_home):
    repo = Repo(tmp_path / "app")
    repo.commit({"deploy/legacy.yaml": BAD}, "existing debt, untouched by this commit")
    repo.write({"deploy/web.yaml": GOOD})
    repo.git("add", "deploy/web.yaml")
    process = try_repo(repo, pre_commit_home)
    assert process.returncode == 0, process.stdout + process.stderr
    assert "Passed" in process.stdout


POLICY = 'package main\n\ndeny contains "no privileged" if input.privileged == true\n'
POLICY_TEST = ('package main_test\n\nimport data.main\n\n'
               'test_denies if main.deny with input as {"privileged": true}\n\n'
               'test_allows if count(main.deny) == {0} with input as {"privileged": false}\n')


def test_rego_test_hook_runs_the_policy_unit_tests(tmp_path, pre_commit_home):
    repo = Repo(tmp_path / "policies-repo")
    repo.write({"policies/main.rego": POLICY,
                "policies/main_test.rego": POLICY_TEST.replace("{0}", "0")})
    repo.git("add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "PRE_COMMIT_COLOR": "never"}
    passing = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(PROJECT),
                              "policygate-test", "--verbose"], cwd=repo.root, env=env,
                             capture_output=True, text=True, timeout=600)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    repo.write({"policies/main_test.rego": POLICY_TEST.replace("{0}", "1")})
    repo.git("add", "-A")
    failing = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(PROJECT),
                              "policygate-test", "--verbose"], cwd=repo.root, env=env,
                             capture_output=True, text=True, timeout=600)
    assert failing.returncode == 1
    assert "test_allows" in failing.stdout and "FAIL" in failing.stdout.upper()


def test_hook_follows_a_staged_link_and_a_staged_link_target(tmp_path, pre_commit_home):
    """A symlink is not a `file` to pre-commit, and a link target need not look like a
    manifest: the hook still judges both (issue 13, item 4)."""
    repo = Repo(tmp_path / "links")
    repo.commit({"docs/pod.txt": GOOD}, "base")
    (repo.root / "deploy").mkdir()
    (repo.root / "deploy/pod.yaml").symlink_to("../docs/pod.txt")
    repo.git("add", "deploy/pod.yaml")
    linked = try_repo(repo, pre_commit_home)
    assert linked.returncode == 0, linked.stdout + linked.stderr
    repo.git("commit", "-q", "-m", "link")
    repo.write({"docs/pod.txt": BAD})
    repo.git("add", "docs/pod.txt")
    target = try_repo(repo, pre_commit_home)
    assert target.returncode == 1, target.stdout + target.stderr
    assert ("deploy/pod.yaml:15:9: error [pss/privileged] container \"shell\" runs privileged"
            in target.stdout)


def test_hook_re_judges_a_link_when_the_commit_also_stages_a_manifest(tmp_path,
                                                                      pre_commit_home):
    """pre-commit names the staged manifest, never the unchanged link whose target the
    same commit edits: the link is judged all the same."""
    repo = Repo(tmp_path / "links")
    repo.write({"docs/pod.txt": GOOD, "apps/web.yaml": GOOD})
    (repo.root / "deploy").mkdir()
    (repo.root / "deploy/pod.yaml").symlink_to("../docs/pod.txt")
    repo.commit(message="base")
    repo.write({"docs/pod.txt": BAD, "apps/web.yaml": GOOD + "# reviewed\n"})
    repo.git("add", "-A")
    process = try_repo(repo, pre_commit_home)
    assert process.returncode == 1, process.stdout + process.stderr
    errors = [line.split(" ", 3)[:3] for line in process.stdout.splitlines() if " error [" in line]
    assert errors == [["deploy/pod.yaml:8:3:", "error", "[pss/host-namespaces]"],
                      ["deploy/pod.yaml:9:3:", "error", "[pss/host-namespaces]"],
                      ["deploy/pod.yaml:15:9:", "error", "[pss/privileged]"],
                      ["deploy/pod.yaml:17:17:", "error", "[pss/baseline-capabilities]"],
                      ["deploy/pod.yaml:17:30:", "error", "[pss/baseline-capabilities]"]]
