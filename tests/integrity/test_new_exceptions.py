"""Config `exceptions:` a change adds are suppressions it introduces: in `--diff` and
`--staged` runs (which read the working tree's config) they are reported like a new
comment or annotation; in pull-request mode the base commit's config decides alone."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import run_cli
from tests.integrity.helpers import feature_repo, pod, pr_context

FILE = "deploy/miner.yaml"
BAD = pod("miner", hostPID="true")                 # hostPID on line 7
CLEAN = pod("miner")
SELECT = ("--select", "pss,policygate,approval", "--pss-warn-level", "none")
EXCEPTION = """exceptions:
  - rule: pss/host-namespaces
    kind: Pod
    namespace: shop
    name: NAME
    reason: node agent
"""


def _exception(name: str = "miner", expires: str | None = None) -> str:
    text = EXCEPTION.replace("NAME", name)
    return text + (f"    expires: {expires}\n" if expires else "")


def _found(run) -> list[tuple[str, str, str, int]]:
    assert run.exit_code in (0, 1), run.stderr
    return [(f["rule"], f["severity"], f["file"], f["line"]) for f in run.json()["findings"]]


def _message(commit: str) -> str:
    return (f"new exception suppression of pss/host-namespaces in Pod/shop/miner (reason: "
            f"node agent; added in {commit}) is honoured here; in a pull request it needs the "
            f"approval the base config asks for (approval rules with `adds_suppressions`)")


def _diff(tmp_path, base_config: str, head_config: str):
    """main has a compliant pod and `base_config`; the branch gives it hostPID and commits
    `head_config`."""
    repo = feature_repo(tmp_path / "repo", {FILE: CLEAN, ".policygate.yaml": base_config})
    commit = repo.commit({FILE: BAD, ".policygate.yaml": head_config}, "accept the risk")
    return repo, commit[:12]


@pytest.mark.parametrize("base_config, head_config", [
    ("pss: {level: baseline}\n", "pss: {level: baseline}\n" + _exception()),       # added
    (_exception("other"), _exception("'*'")),                                     # widened
    (_exception(expires="2020-01-01"), _exception(expires="2099-01-01")),         # renewed
], ids=["added", "widened", "renewed"])
def test_an_exception_the_change_adds_is_a_new_suppression(tmp_path, base_config, head_config):
    """The class: a config exception the change itself brings, which the diff runs
    (pre-commit, a required `check --diff`) honoured silently."""
    repo, commit = _diff(tmp_path, base_config, head_config)
    run = run_cli("check", "--format", "json", *SELECT, "--diff", "main", FILE, cwd=repo.root)
    line = head_config.splitlines().index("exceptions:") + 2
    assert _found(run) == [("policygate/new-suppression", "note", ".policygate.yaml", line)]
    assert run.json()["findings"][0]["message"] == _message(f"commit {commit}")
    assert [s["rule"] for s in run.json()["suppressed"]] == ["pss/host-namespaces"]


def test_an_exception_the_base_already_had_is_honoured_silently(tmp_path):
    config = _exception()
    repo, _ = _diff(tmp_path, config, config + "# a comment\n")
    run = run_cli("check", "--format", "json", *SELECT, "--diff", "main", FILE, cwd=repo.root)
    assert (run.exit_code, _found(run)) == (0, [])
    assert [s["rule"] for s in run.json()["suppressed"]] == ["pss/host-namespaces"]


def test_staged_and_uncommitted_exceptions_are_new_too(tmp_path):
    repo = feature_repo(tmp_path / "repo", {FILE: CLEAN, ".policygate.yaml": "rules: {}\n"})
    # The exception is not even staged: the working tree's config is the one the run reads.
    repo.write({FILE: BAD, ".policygate.yaml": "rules: {}\n" + _exception()})
    repo.git("add", FILE)
    run = run_cli("check", "--format", "json", *SELECT, "--staged", cwd=repo.root)
    assert _found(run) == [("policygate/new-suppression", "note", ".policygate.yaml", 3)]
    assert run.json()["findings"][0]["message"] == _message(
        "the working tree's config (not committed yet)")


def test_a_config_git_does_not_track_yet_is_not_committed_yet(tmp_path):
    """A new `.policygate.yaml` that was never added has no history to blame."""
    repo = feature_repo(tmp_path / "repo", {FILE: CLEAN})
    repo.commit({FILE: BAD}, "hostPID")
    repo.write({".policygate.yaml": _exception()})
    run = run_cli("check", "--format", "json", *SELECT, "--diff", "main", FILE, cwd=repo.root)
    assert _found(run) == [("policygate/new-suppression", "note", ".policygate.yaml", 2)]
    assert run.json()["findings"][0]["message"] == _message(
        "the working tree's config (not committed yet)")

@pytest.mark.parametrize("base_strict, head_strict", [(True, False), (False, True)])
def test_the_stricter_config_makes_it_blocking(tmp_path, base_strict, head_strict):
    strict = "suppressions: {new: error}\n"
    repo, _ = _diff(tmp_path, strict if base_strict else "rules: {}\n",
                    (strict if head_strict else "suppressions: {new: note}\n") + _exception())
    run = run_cli("check", "--format", "json", *SELECT, "--diff", "main", cwd=repo.root)
    assert run.exit_code == 1
    assert [(r, s) for r, s, _, _ in _found(run)] == [("policygate/new-suppression", "error")]


def test_a_pull_request_cannot_bring_its_own_exception(tmp_path):
    """PR mode reads the base commit's config: the exception is not applied at all, and
    the config change is a gate change."""
    repo = feature_repo(tmp_path / "repo", {"README.md": "x\n"})
    base = repo.git("rev-parse", "main").strip()
    head = repo.commit({FILE: BAD, ".policygate.yaml": _exception()}, "add and accept")
    context = pr_context(repo, base, head, [{"path": FILE, "status": "added"},
                                            {"path": ".policygate.yaml", "status": "added"}])
    run = run_cli("check", "--format", "json", *SELECT, "--pr-context", context,
                  cwd=repo.root)
    assert _found(run) == [("approval/policy-changed", "warning", ".policygate.yaml", 1),
                           ("pss/host-namespaces", "error", FILE, 7)]
    assert run.json()["suppressed"] == []


NEXT_ENTRY = "  - rule: pss/privileged\n    reason: legacy\n"


def _commit_at(repo, files: dict[str, str], message: str, when: str) -> str:
    """A commit with its own committer time: `git blame` ranks commits by it."""
    repo.write(files)
    repo.git("add", "-A")
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo.root, env=env, check=True)
    return repo.git("rev-parse", "HEAD").strip()


def test_the_commit_named_is_the_newest_that_wrote_a_line_of_that_entry(tmp_path):
    """The entry is added, then widened on its second line, then the next entry is edited:
    the widening commit is the one to name — not the older one that added the entry, nor
    the newer one that only touched its neighbour."""
    entry_only = "exceptions:\n  - rule: pss/privileged\n    reason: legacy\n"
    repo = feature_repo(tmp_path / "repo", {FILE: CLEAN, ".policygate.yaml": entry_only})
    _commit_at(repo, {FILE: BAD, ".policygate.yaml": _exception() + NEXT_ENTRY},
               "add", "2026-11-01T10:00:00Z")
    widened = _commit_at(repo, {".policygate.yaml": (_exception() + NEXT_ENTRY).replace(
        "    kind: Pod\n", "    kind: '*'\n")}, "widen", "2026-11-02T10:00:00Z")
    _commit_at(repo, {".policygate.yaml": (_exception() + NEXT_ENTRY).replace(
        "    kind: Pod\n", "    kind: '*'\n").replace("legacy", "legacy pods")}, "reword",
        "2026-11-03T10:00:00Z")
    run = run_cli("check", "--format", "json", *SELECT, "--diff", "main", FILE, cwd=repo.root)
    assert _found(run) == [("policygate/new-suppression", "note", ".policygate.yaml", 2)]
    assert run.json()["findings"][0]["message"] == _message(f"commit {widened[:12]}")


def test_a_one_line_exception_is_blamed_on_its_own_line(tmp_path):
    """A flow-style entry is one line; the entry after it (edited later) is not part of it."""
    flow = ("exceptions:\n  - {rule: pss/host-namespaces, kind: Pod, namespace: shop, "
            "name: miner, reason: node agent}\n  - rule: pss/privileged\n    reason: legacy\n")
    repo = feature_repo(tmp_path / "repo", {FILE: CLEAN, ".policygate.yaml": "rules: {}\n"})
    added = _commit_at(repo, {FILE: BAD, ".policygate.yaml": flow}, "add", "2026-11-01T10:00:00Z")
    _commit_at(repo, {".policygate.yaml": flow.replace("legacy", "legacy pods")}, "reword",
               "2026-11-02T10:00:00Z")
    run = run_cli("check", "--format", "json", *SELECT, "--diff", "main", FILE, cwd=repo.root)
    assert _found(run) == [("policygate/new-suppression", "note", ".policygate.yaml", 2)]
    assert run.json()["findings"][0]["message"] == _message(f"commit {added[:12]}")
