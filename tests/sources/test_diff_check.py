"""`policygate check --diff/--staged` on real git repositories, every filter mode."""
from __future__ import annotations

import subprocess

import pytest

from tests.conftest import run_cli
from tests.sources.gitrepo import Repo

# Two resources; the first one has a pre-existing hostPID violation on line 5.
MANIFEST = """apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop}
spec:
  hostPID: true
  containers:
    - name: api
      image: example/api:1.0
---
apiVersion: v1
kind: Pod
metadata: {name: worker, namespace: shop}
spec:
  containers:
    - name: worker
      image: example/worker:1.0
"""


def check(repo: Repo, *args: str) -> tuple[int, list[tuple[str, str, int]]]:
    run = run_cli("check", "--format", "json", "--select", "pss", "--pss-warn-level", "none", *args,
                  cwd=repo.root)
    assert run.exit_code in (0, 1), run.stderr
    return run.exit_code, sorted((f["rule"], f["file"], f["line"]) for f in run.json()["findings"])


@pytest.fixture
def repo(tmp_path) -> Repo:
    repository = Repo(tmp_path / "repo")
    repository.commit({"apps/pods.yaml": MANIFEST, "apps/other.yaml": MANIFEST.replace(
        "name: api", "name: api2").replace("name: worker", "name: worker2")}, "base")
    repository.git("checkout", "-q", "-b", "feature")
    return repository


def test_untouched_files_are_not_parsed_or_reported(repo):
    repo.commit({"apps/pods.yaml": MANIFEST.replace("example/worker:1.0", "example/worker:1.1")})
    code, findings = check(repo, "--diff", "main")
    assert (code, findings) == (0, [])  # apps/other.yaml has the same violation, untouched


def test_resource_mode_rejudges_the_touched_resource(repo):
    repo.commit({"apps/pods.yaml": MANIFEST.replace("example/api:1.0", "example/api:1.1")})
    assert check(repo, "--diff", "main") == (1, [("pss/host-namespaces", "apps/pods.yaml", 5)])
    # The same pre-existing violation is not on a changed line.
    assert check(repo, "--diff", "main", "--filter-mode", "added") == (0, [])
    # Within three lines of context of the change on line 8: yes.
    assert check(repo, "--diff", "main", "--filter-mode", "diff_context") == \
        (1, [("pss/host-namespaces", "apps/pods.yaml", 5)])
    assert check(repo, "--diff", "main", "--filter-mode", "file") == \
        (1, [("pss/host-namespaces", "apps/pods.yaml", 5)])
    assert check(repo, "--diff", "main", "--filter-mode", "new") == (0, [])


# hostPID on line 8; the lines around it are changed one at a time below.
CONTEXT_POD = """apiVersion: v1
kind: Pod
metadata:
  labels: {tier: a}
  annotations: {note: a}
  name: ctx
spec:
  hostPID: true
  containers:
    - name: ctx
      image: example/ctx:1.0
      workingDir: /a
"""


@pytest.mark.parametrize("old, new, distance", [
    ("note: a", "note: b", 3),             # line 5, three lines above the finding
    ("tier: a", "tier: b", 4),             # line 4
    ("ctx:1.0", "ctx:1.1", 3),             # line 11, three lines below
    ("workingDir: /a", "workingDir: /b", 4),  # line 12
])
def test_diff_context_reaches_three_lines_from_a_change_and_no_further(tmp_path, old, new,
                                                                       distance):
    """`diff_context` is what a reviewer sees in the hunk: a finding 3 lines from the
    changed line is reported, one 4 lines away is not, though `resource` reports both."""
    repo = Repo(tmp_path / "repo")
    repo.commit({"ctx.yaml": CONTEXT_POD}, "base")
    repo.commit({"ctx.yaml": CONTEXT_POD.replace(old, new)})
    expected = [("pss/host-namespaces", "ctx.yaml", 8)]
    assert check(repo, "--diff", "HEAD~", "--filter-mode", "diff_context") == \
        ((1, expected) if distance <= 3 else (0, []))
    assert check(repo, "--diff", "HEAD~", "--filter-mode", "added") == (0, [])
    assert check(repo, "--diff", "HEAD~") == (1, expected)


@pytest.mark.parametrize("configured, findings", [
    ("added", []), ("diff_context", []), ("resource", [("pss/host-namespaces", "ctx.yaml", 8)])])
def test_the_config_diff_filter_mode_is_the_default_mode(tmp_path, configured, findings):
    """`diff: {filter_mode: ...}` in .policygate.yaml replaces the `resource` default, and
    `--filter-mode` on the command line still wins over it."""
    repo = Repo(tmp_path / "repo")
    repo.commit({"ctx.yaml": CONTEXT_POD,
                 ".policygate.yaml": f"diff:\n  filter_mode: {configured}\n"}, "base")
    repo.commit({"ctx.yaml": CONTEXT_POD.replace("workingDir: /a", "workingDir: /b")})
    assert check(repo, "--diff", "HEAD~") == (1 if findings else 0, findings)
    assert check(repo, "--diff", "HEAD~", "--filter-mode", "file") == \
        (1, [("pss/host-namespaces", "ctx.yaml", 8)])


def test_touching_the_other_resource_does_not_rejudge_the_first(repo):
    repo.commit({"apps/pods.yaml": MANIFEST.replace("example/worker:1.0", "example/worker:1.1")})
    assert check(repo, "--diff", "main") == (0, [])
    assert check(repo, "--diff", "main", "--filter-mode", "file") == \
        (1, [("pss/host-namespaces", "apps/pods.yaml", 5)])


def test_added_mode_reports_new_lines(repo):
    repo.commit({"apps/pods.yaml": MANIFEST.replace(
        "spec:\n  containers:\n    - name: worker",
        "spec:\n  hostNetwork: true\n  containers:\n    - name: worker")})
    assert check(repo, "--diff", "main", "--filter-mode", "added") == \
        (1, [("pss/host-namespaces", "apps/pods.yaml", 14)])


def test_nofilter_checks_everything_under_the_paths(repo):
    repo.commit({"apps/pods.yaml": MANIFEST.replace("example/worker:1.0", "example/worker:1.1")})
    assert check(repo, "--diff", "main", "--filter-mode", "nofilter") == \
        (1, [("pss/host-namespaces", "apps/other.yaml", 5), ("pss/host-namespaces", "apps/pods.yaml", 5)])


def test_new_mode_reports_only_what_the_change_introduces(repo):
    introduced = MANIFEST.replace("spec:\n  containers:\n    - name: worker",
                                  "spec:\n  hostIPC: true\n  containers:\n    - name: worker")
    repo.commit({"apps/pods.yaml": introduced})
    assert check(repo, "--diff", "main", "--filter-mode", "new") == \
        (1, [("pss/host-namespaces", "apps/pods.yaml", 14)])


def test_new_mode_keeps_a_moved_resource_quiet(repo):
    first, second = MANIFEST.split("---\n")
    repo.git("rm", "-q", "apps/pods.yaml")
    repo.commit({"apps/api.yaml": "# moved here\n\n" + first, "apps/worker.yaml": second})
    assert check(repo, "--diff", "main", "--filter-mode", "new") == (0, [])
    # Other modes see a new file with a violation in it.
    assert check(repo, "--diff", "main")[1] == [("pss/host-namespaces", "apps/api.yaml", 7)]


def test_rename_is_reported_under_the_new_path(repo):
    repo.git("mv", "apps/pods.yaml", "apps/renamed.yaml")
    repo.commit({"apps/renamed.yaml": MANIFEST.replace("example/api:1.0", "example/api:2.0")})
    assert check(repo, "--diff", "main") == (1, [("pss/host-namespaces", "apps/renamed.yaml", 5)])


def test_added_file_and_deleted_file(repo):
    repo.git("rm", "-q", "apps/other.yaml")
    repo.commit({"apps/new.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: n}\nspec:\n"
                                  "  hostNetwork: true\n  containers: [{name: c, image: i}]\n"})
    code, findings = check(repo, "--diff", "main")
    assert findings == [("pss/host-namespaces", "apps/new.yaml", 5)]


def test_range_forms_and_reading_from_commits_not_the_working_tree(repo):
    repo.commit({"apps/pods.yaml": MANIFEST.replace("example/api:1.0", "example/api:1.1")})
    (repo.root / "apps/pods.yaml").write_text("garbage: [\n")  # uncommitted: ignored
    expected = (1, [("pss/host-namespaces", "apps/pods.yaml", 5)])
    assert check(repo, "--diff", "main") == expected
    assert check(repo, "--diff", "main..HEAD") == expected
    assert check(repo, "--diff", "main...feature") == expected


def test_merge_commit_uses_the_merge_base(repo):
    repo.commit({"apps/pods.yaml": MANIFEST.replace("example/api:1.0", "example/api:1.1")})
    repo.git("checkout", "-q", "main")
    repo.commit({"apps/other.yaml": MANIFEST.replace("example/worker:1.0", "example/worker:9")},
                "main moves on")
    repo.git("checkout", "-q", "feature")
    repo.git("merge", "-q", "--no-edit", "main")
    # main's own change (apps/other.yaml) is not the feature's: only pods.yaml is judged.
    assert check(repo, "--diff", "main") == (1, [("pss/host-namespaces", "apps/pods.yaml", 5)])


def test_staged_content_is_judged_not_the_working_tree(repo):
    fixed = MANIFEST.replace("  hostPID: true\n", "")
    repo.write({"apps/pods.yaml": MANIFEST.replace("example/api:1.0", "example/api:1.1")})
    repo.git("add", "apps/pods.yaml")
    repo.write({"apps/pods.yaml": fixed})  # fixed in the working tree, not staged
    assert check(repo, "--staged") == (1, [("pss/host-namespaces", "apps/pods.yaml", 5)])
    repo.git("add", "apps/pods.yaml")
    assert check(repo, "--staged") == (0, [])


def test_staged_named_files_without_changes_are_checked_whole(repo):
    """`pre-commit run --all-files` names files that have nothing staged."""
    assert check(repo, "--staged", "apps/other.yaml") == \
        (1, [("pss/host-namespaces", "apps/other.yaml", 5)])


def test_staged_in_a_repository_without_commits(tmp_path):
    fresh = Repo(tmp_path / "fresh")
    fresh.write({"pod.yaml": MANIFEST})
    fresh.git("add", "pod.yaml")
    assert check(fresh, "--staged") == (1, [("pss/host-namespaces", "pod.yaml", 5)])


def test_shallow_clone_without_the_base_exits_2_with_the_fix(repo, tmp_path):
    repo.commit({"apps/pods.yaml": MANIFEST.replace("example/api:1.0", "example/api:1.1")})
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "feature",
                    f"file://{repo.root}", str(clone)], check=True)
    run = run_cli("check", "--diff", "origin/main", cwd=clone)
    assert run.exit_code == 2
    assert run.stderr.strip() == (
        "policygate: error: base 'origin/main' is not in this shallow clone: fetch it with "
        "`git fetch origin main` (or use `fetch-depth: 0` with actions/checkout)")


def test_shallow_clone_without_the_merge_base_exits_2_with_the_fix(repo, tmp_path):
    repo.commit({"apps/pods.yaml": MANIFEST.replace("example/api:1.0", "example/api:1.1")})
    repo.git("checkout", "-q", "main")
    repo.commit({"apps/other.yaml": MANIFEST + "# main\n"}, "main moves")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-single-branch",
                    f"file://{repo.root}", str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", "feature"], cwd=clone, check=True)
    run = run_cli("check", "--diff", "origin/main", cwd=clone)
    assert run.exit_code == 2
    assert "no merge base between 'origin/main' and HEAD: the clone is shallow" in run.stderr
    assert "git fetch --deepen=100" in run.stderr


def test_diff_outside_a_repository_exits_2(tmp_path):
    (tmp_path / "pod.yaml").write_text(MANIFEST)
    run = run_cli("check", "--staged", cwd=tmp_path)
    assert run.exit_code == 2
    assert "--staged needs a git repository" in run.stderr


def test_binary_submodule_and_outside_symlink_are_skipped_with_a_note(repo, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(MANIFEST)
    sub = Repo(tmp_path / "sub")
    sub.commit({"x.yaml": MANIFEST})
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.root),
             "vendored.yaml")
    (repo.root / "link.yaml").symlink_to(outside)
    repo.commit({"blob.yaml": b"\x00\x01binary"})
    run = run_cli("check", "--format", "json", "--select", "parse,source", "--diff", "main",
                  cwd=repo.root)
    notes = sorted((f["rule"], f["file"], f["message"]) for f in run.json()["findings"])
    assert notes == [
        ("parse/binary-file", "blob.yaml", "binary content (NUL byte); file skipped"),
        ("source/skipped", "link.yaml", "symlink to a path outside the repository: not followed"),
        ("source/skipped", "vendored.yaml", "submodule: not checked (check it in its own repository)"),
    ]
    assert run.exit_code == 0


def test_unusual_file_names_keep_their_hunks(repo):
    name = "apps/tab\there é \"q\".yaml"
    repo.commit({name: MANIFEST})
    repo.git("checkout", "-q", "-b", "second")
    repo.commit({name: MANIFEST.replace("example/worker:1.0", "example/worker:2.0")})
    assert check(repo, "--diff", "feature", "--filter-mode", "added") == (0, [])
    # Reports show control characters escaped, so a name cannot split a report line.
    assert check(repo, "--diff", "feature", "--filter-mode", "file") == \
        (1, [("pss/host-namespaces", 'apps/tab\\x09here é "q".yaml', 5)])
