"""Renames, copies and symlinks cannot carry a manifest past the gate (issue 13, items 3
and 4): a file that becomes checkable through a rename or copy is wholly new, and a
symlink inside the repository is checked as what it points to."""
from __future__ import annotations

import shutil

import pytest

from tests.conftest import run_cli
from tests.integrity.helpers import check, feature_repo, findings, pod, pr_context

MODES = ("resource", "added", "diff_context", "file", "new")
BAD = pod("miner", hostPID="true")          # hostPID on line 7
CLEAN = pod("web")


def _every_mode(repo, *args: str) -> dict[str, list]:
    return {mode: check(repo, "--diff", "main", "--filter-mode", mode, *args) for mode in MODES}


@pytest.mark.parametrize("parked, config", [
    ("docs/pod.md", ""),                                           # not a manifest name
    ("staging/pod.yaml", "paths:\n  exclude: ['staging/**']\n"),    # an excluded path
    ("other/pod.yaml", "paths:\n  include: ['deploy/**']\n"),       # outside `include`
])
def test_a_manifest_moved_into_a_checked_path_is_wholly_new(tmp_path, parked, config):
    """The class: a 100 % rename has no hunks, so a rename from anywhere the gate did not
    look at made its content invisible in every mode, `new` included."""
    repo = feature_repo(tmp_path / "repo", {parked: BAD, ".policygate.yaml": config or "{}\n"})
    (repo.root / "deploy").mkdir()
    repo.git("mv", parked, "deploy/pod.yaml")
    repo.commit(message="move into deploy/")
    expected = [("pss/host-namespaces", "deploy/pod.yaml", 7)]
    assert _every_mode(repo) == {mode: expected for mode in MODES}
    # Staged, before the commit: the same.
    repo.git("reset", "-q", "--soft", "main")
    assert check(repo, "--staged") == expected


def test_a_copy_from_an_unchecked_path_is_wholly_new_even_in_new_mode(tmp_path):
    repo = feature_repo(tmp_path / "repo", {"docs/pod.md": BAD})
    repo.git("config", "diff.renames", "copies")  # config cannot turn it into a bare copy
    shutil.copy(repo.root / "docs/pod.md", repo.root / "deploy.yaml")
    repo.commit(message="copy")
    assert _every_mode(repo) == {mode: [("pss/host-namespaces", "deploy.yaml", 7)]
                                 for mode in MODES}


def test_a_rename_between_checked_paths_keeps_its_history(tmp_path):
    """The negative case: moving a checked manifest is not a new violation in `new` mode,
    and an untouched resource is not re-judged in `resource` mode."""
    repo = feature_repo(tmp_path / "repo", {"deploy/a.yaml": BAD})
    repo.git("mv", "deploy/a.yaml", "deploy/b.yaml")
    repo.commit(message="rename")
    assert _every_mode(repo) == {"resource": [], "added": [], "diff_context": [],
                                 "file": [("pss/host-namespaces", "deploy/b.yaml", 7)], "new": []}


# Item 4 ------------------------------------------------------------------------------

def _link(repo, path: str, target: str) -> None:
    link = repo.root / path
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


def test_a_new_link_is_checked_as_its_target(tmp_path):
    repo = feature_repo(tmp_path / "repo", {"README.md": "docs\n"})
    repo.write({"docs/pod.txt": BAD})
    _link(repo, "deploy/pod.yaml", "../docs/pod.txt")
    repo.commit(message="link")
    run = run_cli("check", "--format", "json", "--select", "pss", "--pss-warn-level", "none",
                  "--diff", "main", cwd=repo.root)
    assert (run.exit_code, run.json()["summary"]["files"]) == (1, 1)
    assert findings(run) == [("pss/host-namespaces", "deploy/pod.yaml", 7)]
    assert _every_mode(repo)["new"] == [("pss/host-namespaces", "deploy/pod.yaml", 7)]


def test_a_change_to_the_target_is_a_change_to_every_link(tmp_path):
    """Two links (one through another link) to one file: editing the file re-judges both,
    on the target's changed lines."""
    repo = feature_repo(tmp_path / "repo", {"docs/pod.txt": CLEAN})
    _link(repo, "deploy/pod.yaml", "../docs/pod.txt")
    _link(repo, "deploy/again.yaml", "pod.yaml")
    repo.commit(message="links")
    repo.git("checkout", "-q", "-B", "main")
    repo.git("checkout", "-q", "-b", "change")
    repo.commit({"docs/pod.txt": BAD}, "edit the target")
    expected = [("pss/host-namespaces", "deploy/again.yaml", 7),
                ("pss/host-namespaces", "deploy/pod.yaml", 7)]
    assert _every_mode(repo) == {mode: expected for mode in MODES}
    # Limited to deploy/, where the target is not: the links still see its change.
    assert check(repo, "--diff", "main", "--filter-mode", "added", "deploy/") == expected
    # Only the changed lines count as changed: an old violation elsewhere in the target
    # stays out of `added` mode.
    repo.commit({"docs/pod.txt": BAD.replace("image: example/app:1.0", "image: example/app:2")})
    assert check(repo, "--diff", "HEAD~", "--filter-mode", "added") == []
    repo.git("reset", "-q", "--soft", "HEAD~")
    assert check(repo, "--staged", "--filter-mode", "added") == []
    assert check(repo, "--staged") == expected


def test_links_in_pull_request_mode(tmp_path):
    repo = feature_repo(tmp_path / "repo", {"docs/pod.txt": CLEAN})
    base = repo.git("rev-parse", "main").strip()
    _link(repo, "deploy/pod.yaml", "../docs/pod.txt")
    head = repo.commit({"docs/pod.txt": BAD}, "link")
    context = pr_context(repo, base, head, [{"path": "deploy/pod.yaml", "status": "added"},
                                            {"path": "docs/pod.txt", "status": "modified"}])
    run = run_cli("check", "--format", "json", "--select", "pss", "--pss-warn-level", "none",
                  "--pr-context", context, cwd=repo.root)
    assert (run.exit_code, run.json()["summary"]["files"]) == (1, 1)
    assert findings(run) == [("pss/host-namespaces", "deploy/pod.yaml", 7)]


@pytest.mark.parametrize("target, note", [
    ("/etc/passwd", "symlink to a path outside the repository: not followed"),
    ("../../outside.yaml", "symlink to a path outside the repository: not followed"),
    ("missing.yaml", "broken symlink or symlink loop: not followed"),
    ("loop.yaml", "broken symlink or symlink loop: not followed"),
    ("../docs", "symlink to a directory: not followed (kubectl, Argo CD and Flux do not "
                "enter it either)"),
])
def test_links_that_cannot_be_followed_are_refused_with_a_note(tmp_path, target, note):
    repo = feature_repo(tmp_path / "repo", {"docs/pod.txt": BAD})
    _link(repo, "deploy/pod.yaml", target)
    _link(repo, "deploy/loop.yaml", "pod.yaml")
    repo.commit(message="link")
    run = run_cli("check", "--format", "json", "--diff", "main", cwd=repo.root)
    assert run.exit_code == 0, run.stdout
    notes = sorted((f["rule"], f["file"], f["message"]) for f in run.json()["findings"])
    # deploy/loop.yaml leads through deploy/pod.yaml, so it ends where pod.yaml does.
    assert notes == [("source/skipped", "deploy/loop.yaml", note),
                     ("source/skipped", "deploy/pod.yaml", note)]


def test_a_link_to_a_compliant_target_passes(tmp_path):
    repo = feature_repo(tmp_path / "repo", {"docs/pod.txt": CLEAN})
    _link(repo, "deploy/pod.yaml", "../docs/pod.txt")
    repo.commit(message="link")
    run = run_cli("check", "--format", "json", "--select", "pss", "--pss-warn-level", "none",
                  "--diff", "main", cwd=repo.root)
    assert (run.exit_code, run.json()["summary"]["files"], run.json()["findings"]) == (0, 1, [])


@pytest.mark.parametrize("target", ["docs/pod.txt", "shared/pod.yaml"])
def test_a_staged_target_re_judges_its_links_whatever_files_are_named(tmp_path, target):
    """The class: a commit that stages a manifest and a link's target; pre-commit names
    the staged files its filter keeps (never the unchanged link), and the names limited
    the run to them."""
    repo = feature_repo(tmp_path / "repo", {target: CLEAN, "apps/web.yaml": CLEAN})
    _link(repo, "deploy/pod.yaml", f"../{target}")
    repo.commit(message="link")
    repo.write({target: BAD, "apps/web.yaml": CLEAN.replace("1.0", "1.1")})
    repo.git("add", "-A")
    named = ["apps/web.yaml"] + ([target] if target.endswith(".yaml") else [])
    expected = [("pss/host-namespaces", "deploy/pod.yaml", 7)] + (
        [("pss/host-namespaces", target, 7)] if target.endswith(".yaml") else [])
    for mode in MODES:
        assert check(repo, "--staged", "--filter-mode", mode, *named) == expected, mode
    # The negative: a compliant target leaves every link clean.
    repo.write({target: CLEAN.replace("1.0", "1.2")})
    repo.git("add", "-A")
    assert check(repo, "--staged", *named) == []


DIRECTORY_NOTE = ("symlink to a directory: not followed (kubectl, Argo CD and Flux do not "
                  "enter it either)")


@pytest.mark.parametrize("name", ["deploy/shared", "deploy/shared.yaml"])
def test_a_directory_link_is_refused_with_a_note_in_every_mode(tmp_path, name):
    """The class: a link to a directory was a note in a diff only when its name looked like
    a manifest's, and skipped silently by the full scan. Neither follows it — kubectl -R,
    Argo CD and Flux do not enter it either — and both say so."""
    repo = feature_repo(tmp_path / "repo", {"common/pod.yaml": BAD})
    _link(repo, name, "../common")
    repo.commit(message="link a directory")
    expected = [("source/skipped", name, DIRECTORY_NOTE),
                ("pss/host-namespaces", "common/pod.yaml", "pod shares the host's process (PID) "
                 "namespace (hostPID=true): remove the field or set it to false")]

    def run(*args: str) -> list[tuple[str, str, str]]:
        result = run_cli("check", "--format", "json", "--select", "pss,source",
                         "--pss-warn-level", "none", *args, cwd=repo.root)
        found = sorted(((f["rule"], f["file"], f["message"]) for f in result.json()["findings"]),
                       reverse=True)
        assert result.exit_code == (1 if len(found) > 1 else 0), result.stderr
        return found

    assert run() == expected                               # the full scan
    assert run("deploy") == expected[:1]                    # a directory holding the link
    assert run("--diff", "main") == expected[:1]            # the change adds only the link
    repo.git("reset", "-q", "--soft", "main")
    assert run("--staged") == expected[:1]
    # pre-commit names what its filter keeps (`--all-files`: every manifest, checked whole).
    assert run("--staged", "common/pod.yaml") == expected


def test_an_excluded_directory_link_is_not_mentioned(tmp_path):
    repo = feature_repo(tmp_path / "repo", {"common/pod.yaml": CLEAN,
                                            ".policygate.yaml": "paths: {exclude: [deploy]}\n"})
    _link(repo, "deploy/shared", "../common")
    repo.commit(message="link a directory")
    for args in ((), ("--diff", "main")):
        run = run_cli("check", "--format", "json", "--select", "pss,source", "--pss-warn-level",
                      "none", *args, cwd=repo.root)
        assert (run.exit_code, run.json()["findings"]) == (0, []), args
