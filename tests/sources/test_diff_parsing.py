from __future__ import annotations

from policygate.sources.changes import range_changes, split_range
from policygate.sources.diff import Hunk, parse_hunks, parse_raw, unquote
from policygate.sources.git import Git
from tests.sources.gitrepo import Repo


def test_unquote_git_c_style_paths():
    assert unquote('"a\\tb \\"c\\" \\\\ \\303\\251"') == 'a\tb "c" \\ é'
    assert unquote("plain/name.yaml") == "plain/name.yaml"


def test_parse_hunks_zero_context():
    patch = (b"diff --git a/x.yaml b/x.yaml\nindex 1..2 100644\n--- a/x.yaml\n+++ b/x.yaml\n"
             b"@@ -2 +2 @@ a\n-b: 2\n+b: 5\n@@ -5,2 +4,0 @@\n-x\n-y\n@@ -9,0 +8,3 @@\n+1\n+2\n+3\n"
             b"diff --git a/gone.yaml b/gone.yaml\n--- a/gone.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-z\n")
    hunks = parse_hunks(patch)
    assert hunks == {"x.yaml": [Hunk(2, 1, 2, 1), Hunk(5, 2, 4, 0), Hunk(9, 0, 8, 3)]}


def test_changed_lines_and_deletion_points():
    [change] = parse_raw(b":100644 100644 " + b"a" * 40 + b" " + b"b" * 40 + b" M\0x.yaml\0")
    change.hunks = [Hunk(2, 1, 2, 1), Hunk(5, 2, 4, 0), Hunk(9, 0, 8, 3)]
    assert change.added_lines() == [(2, 2), (8, 10)]
    assert change.touched_lines() == [(2, 2), (8, 10), (4, 5)]


def test_split_range():
    assert split_range("main") == ("main", "HEAD")
    assert split_range("main..feature") == ("main", "feature")
    assert split_range("main...") == ("main", "HEAD")


def test_renames_and_deleted_files_are_listed(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.commit({"a.yaml": "a: 1\nb: 2\nc: 3\nd: 4\n", "gone.yaml": "x: 1\n"})
    repo.git("mv", "a.yaml", "b.yaml")
    repo.git("rm", "-q", "gone.yaml")
    repo.commit({"b.yaml": "a: 1\nb: 2\nc: 3\nd: 5\n"})
    changes = range_changes(Git(repo.root), "HEAD~1", [])
    assert changes.deleted == ["gone.yaml"]
    renamed = next(c for c in changes.changes if c.status == "R")
    assert (renamed.old_path, renamed.path, renamed.added_lines()) == ("a.yaml", "b.yaml", [(4, 4)])
