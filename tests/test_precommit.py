"""The real pre-commit framework runs our hooks (tests/precommit.py: this checkout as a
hook repository, one hook environment for the session)."""
from __future__ import annotations

import re
from pathlib import Path

from tests.sources.gitrepo import Repo

PROJECT = Path(__file__).parents[1]
BAD = (PROJECT / "fixtures/apps/legacy/debug.yaml").read_text()
GOOD = (PROJECT / "fixtures/apps/shop/web.yaml").read_text()


def test_hook_fails_on_a_violating_staged_manifest(tmp_path, hook_repository):
    repo = Repo(tmp_path / "app")
    repo.write({"deploy/debug.yaml": BAD})
    repo.git("add", "deploy/debug.yaml")
    process = hook_repository.run(repo.root, "policygate")
    assert process.returncode == 1, process.stdout + process.stderr
    assert "policygate" in process.stdout and "Failed" in process.stdout
    assert ("deploy/debug.yaml:15:9: error [pss/privileged] container \"shell\" runs privileged"
            in process.stdout)


def test_hook_passes_a_compliant_staged_manifest(tmp_path, hook_repository):
    repo = Repo(tmp_path / "app")
    repo.commit({"deploy/legacy.yaml": BAD}, "existing debt, untouched by this commit")
    repo.write({"deploy/web.yaml": GOOD})
    repo.git("add", "deploy/web.yaml")
    process = hook_repository.run(repo.root, "policygate")
    assert process.returncode == 0, process.stdout + process.stderr
    assert "Passed" in process.stdout


POLICY = 'package main\n\ndeny contains "no privileged" if input.privileged == true\n'
POLICY_TEST = ('package main_test\n\nimport data.main\n\n'
               'test_denies if main.deny with input as {"privileged": true}\n\n'
               'test_allows if count(main.deny) == {0} with input as {"privileged": false}\n')


def test_rego_test_hook_runs_the_policy_unit_tests(tmp_path, hook_repository):
    repo = Repo(tmp_path / "policies-repo")
    repo.write({"policies/main.rego": POLICY,
                "policies/main_test.rego": POLICY_TEST.replace("{0}", "0")})
    repo.git("add", "-A")
    passing = hook_repository.run(repo.root, "policygate-test")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    repo.write({"policies/main_test.rego": POLICY_TEST.replace("{0}", "1")})
    repo.git("add", "-A")
    failing = hook_repository.run(repo.root, "policygate-test")
    assert failing.returncode == 1
    results = [re.sub(r" \([0-9.]+ms\).*", "", line) for line in failing.stdout.splitlines()
               if line.startswith("policies/main_test.rego:")]
    assert results == ["policies/main_test.rego:5: data.main_test.test_denies: PASS",
                       "policies/main_test.rego:7: data.main_test.test_allows: FAIL"]
    assert "\nFAIL: 1/2\n" in failing.stdout


def test_hook_follows_a_staged_link_and_a_staged_link_target(tmp_path, hook_repository):
    """A symlink is not a `file` to pre-commit, and a link target need not look like a
    manifest: the hook still judges both (issue 13, item 4)."""
    repo = Repo(tmp_path / "links")
    repo.commit({"docs/pod.txt": GOOD}, "base")
    (repo.root / "deploy").mkdir()
    (repo.root / "deploy/pod.yaml").symlink_to("../docs/pod.txt")
    repo.git("add", "deploy/pod.yaml")
    linked = hook_repository.run(repo.root, "policygate")
    assert linked.returncode == 0, linked.stdout + linked.stderr
    repo.git("commit", "-q", "-m", "link")
    repo.write({"docs/pod.txt": BAD})
    repo.git("add", "docs/pod.txt")
    target = hook_repository.run(repo.root, "policygate")
    assert target.returncode == 1, target.stdout + target.stderr
    assert ("deploy/pod.yaml:15:9: error [pss/privileged] container \"shell\" runs privileged"
            in target.stdout)


def test_hook_re_judges_a_link_when_the_commit_also_stages_a_manifest(tmp_path,
                                                                      hook_repository):
    """pre-commit names the staged manifest, never the unchanged link whose target the
    same commit edits: the link is judged all the same."""
    repo = Repo(tmp_path / "links")
    repo.write({"docs/pod.txt": GOOD, "apps/web.yaml": GOOD})
    (repo.root / "deploy").mkdir()
    (repo.root / "deploy/pod.yaml").symlink_to("../docs/pod.txt")
    repo.commit(message="base")
    repo.write({"docs/pod.txt": BAD, "apps/web.yaml": GOOD + "# reviewed\n"})
    repo.git("add", "-A")
    process = hook_repository.run(repo.root, "policygate")
    assert process.returncode == 1, process.stdout + process.stderr
    errors = [line.split(" ", 3)[:3] for line in process.stdout.splitlines() if " error [" in line]
    assert errors == [["deploy/pod.yaml:8:3:", "error", "[pss/host-namespaces]"],
                      ["deploy/pod.yaml:9:3:", "error", "[pss/host-namespaces]"],
                      ["deploy/pod.yaml:15:9:", "error", "[pss/privileged]"],
                      ["deploy/pod.yaml:17:17:", "error", "[pss/baseline-capabilities]"],
                      ["deploy/pod.yaml:17:30:", "error", "[pss/baseline-capabilities]"]]


def test_every_hook_run_of_the_session_shares_one_environment(tmp_path, hook_repository):
    """What keeps the suite fast: one (repository, revision), one installed environment."""
    repo = Repo(tmp_path / "again")
    repo.write({"deploy/web.yaml": GOOD})
    repo.git("add", "-A")
    assert hook_repository.run(repo.root, "policygate").returncode == 0
    assert hook_repository.run(repo.root, "policygate-test").returncode == 0
    environments = [d for d in hook_repository.home.iterdir() if d.is_dir()
                    and d.name.startswith("repo")]
    assert len(environments) == 1, environments
