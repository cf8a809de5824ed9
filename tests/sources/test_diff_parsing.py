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


def test_every_escape_git_writes_and_what_is_not_quoted():
    assert unquote('"\\a\\b\\t\\n\\v\\f\\r\\"\\\\"') == "\a\b\t\n\v\f\r\"\\"
    assert unquote('"caf\\303\\251/\\342\\230\\203.yaml"') == "café/☃.yaml"
    # Not a quoted name: kept as written, quotes and all.
    assert [unquote(text) for text in ('"', '"open', 'close"', '""')] == ['"', '"open', 'close"',
                                                                         ""]
    # A backslash with nothing after it, or before a letter git never escapes, stays.
    assert unquote('"a\\"') == "a\\"
    assert unquote('"a\\qb"') == "a\\qb"
    # Raw bytes that are not UTF-8 survive the round trip (surrogateescape), escaped or not.
    assert unquote('"\\377x"') == b"\xffx".decode("utf-8", "surrogateescape")
    assert unquote('"\udcff\\t"') == "\udcff\t"


def test_raw_records_added_deleted_renamed_copied_and_odd_names():
    a, b = b"a" * 40, b"b" * 40
    null = b"0" * 40
    raw = (b":000000 100644 " + null + b" " + b + b" A\0new-\xfd.yaml\0"
           b":100644 000000 " + a + b" " + null + b" D\0gone.yaml\0"
           b":100644 100644 " + a + b" " + b + b" R087\0old-\xfe.yaml\0new\tname.yaml\0"
           b":100644 120000 " + a + b" " + b + b" T\0link.yaml\0"
           b":100644 100644 " + a + b" " + a + b" C100\0src.yaml\0copy-\xff.yaml\0")
    changes = parse_raw(raw)
    assert [(c.path, c.status, c.old_path, c.old_id, c.new_id, c.old_mode, c.new_mode)
            for c in changes] == [
        ("new-\udcfd.yaml", "A", None, "0" * 40, "b" * 40, "000000", "100644"),
        ("gone.yaml", "D", "gone.yaml", "a" * 40, "0" * 40, "100644", "000000"),
        ("new\tname.yaml", "R", "old-\udcfe.yaml", "a" * 40, "b" * 40, "100644", "100644"),
        ("link.yaml", "T", "link.yaml", "a" * 40, "b" * 40, "100644", "120000"),
        ("copy-\udcff.yaml", "C", "src.yaml", "a" * 40, "a" * 40, "100644", "100644")]
    assert [(c.deleted, c.status_word) for c in changes] == [
        (False, "added"), (True, "removed"), (False, "renamed"), (False, "changed"),
        (False, "copied")]
    assert parse_raw(b"") == []
    modified = parse_raw(b":100644 100644 " + a + b" " + b + b" M\0m.yaml\0")[0]
    assert modified.status_word == "modified"
    modified.status = "X"   # a letter git may add one day reads as GitHub's "changed"
    assert modified.status_word == "changed"


def test_hunks_count_their_lines_so_content_is_never_a_header():
    patch = (b'diff --git "a/q\\tx.yaml" "b/q\\tx.yaml"\n--- "a/q\\tx.yaml"\n'
             b'+++ "b/q\\tx.yaml"\t\n'
             b"@@ -1,2 +1,3 @@\n-a\n-b\n++++ b/other.yaml\n+@@ -9 +9 @@\n+++ /dev/null\n"
             b"\\ No newline at end of file\n"
             b"@@ -7 +8 @@\n--- old\n+++ new\n"
             b"@@ malformed @@\n"
             b"diff --git a/del.yaml b/del.yaml\n--- a/del.yaml\n+++ /dev/null\n@@ -1,2 +0,0 @@\n"
             b"-x\n-y\n"
             b"diff --git a/d.yaml b/d.yaml\n--- a/d.yaml\n+++ b/d.yaml\n@@ -3,0 +4 @@\n+z\n")
    assert parse_hunks(patch) == {"q\tx.yaml": [Hunk(1, 2, 1, 3), Hunk(7, 1, 8, 1)],
                                  "d.yaml": [Hunk(3, 0, 4, 1)]}


def test_no_newline_markers_are_not_counted_and_names_keep_their_own_ends():
    """`\\ No newline at end of file` after a removed line is not a line of the hunk: the
    added line after it (`++ b/evil`, shown `+++ b/evil`) is still content. git ends a name
    that has a space with a tab, which is not part of the name."""
    patch = (b"diff --git a/x.yaml b/x.yaml\n--- a/x.yaml\n+++ b/x.yaml\n"
             b"@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+++ b/evil\n"
             b"@@ -5 +5 @@\n-x\n+y\n"
             b"diff --git a/MAX b/MAX\n--- a/MAX\n+++ b/MAX\t\n@@ -1 +1 @@\n-1\n+2\n"
             b"diff --git a/sp b/sp\n--- a/trail \t\n+++ b/trail \t\n@@ -2 +2 @@\n-1\n+2\n")
    assert parse_hunks(patch) == {"x.yaml": [Hunk(1, 1, 1, 1), Hunk(5, 1, 5, 1)],
                                  "MAX": [Hunk(1, 1, 1, 1)], "trail ": [Hunk(2, 1, 2, 1)]}


def test_line_ranges_of_each_kind_of_hunk():
    [change] = parse_raw(b":100644 100644 " + b"a" * 40 + b" " + b"b" * 40 + b" M\0x.yaml\0")
    change.hunks = [Hunk(1, 1, 1, 1), Hunk(4, 3, 4, 2), Hunk(10, 2, 9, 0), Hunk(20, 0, 18, 4)]
    assert change.added_lines() == [(1, 1), (4, 5), (18, 21)]
    assert change.touched_lines() == [(1, 1), (4, 5), (18, 21), (9, 10)]
    assert change.touched_old_lines() == [(1, 1), (4, 6), (10, 11), (20, 21)]
