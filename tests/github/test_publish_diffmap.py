"""The commentable lines computed from the run's own git diff are GitHub's hunks."""
from __future__ import annotations

import pytest

from policygate.github.diff import fetch_diff
from policygate.review.diffmap import DiffIndex
from tests.github.fake_diff import parse_hunks
from tests.github.publish_support import REPO, lines, make_pr

OLD = lines(40)


def edit(text: str, **changes: str | None) -> str:
    """Replace `keyN: N` lines: a string replaces, '' deletes; `before_N` inserts above."""
    rows = text.splitlines(keepends=True)
    out = []
    for row in rows:
        key = row.split(":")[0]
        if f"before_{key}" in changes:
            out.append(changes[f"before_{key}"])
        if key in changes:
            out.append(changes[key] or "")
        else:
            out.append(row)
    return "".join(out)


CASES = {
    "one change": edit(OLD, key20="key20: x\n"),
    "changes 6 apart share a hunk": edit(OLD, key10="key10: x\n", key17="key17: x\n"),
    "changes 7 apart do not": edit(OLD, key10="key10: x\n", key18="key18: x\n"),
    "insert at the top": edit(OLD, before_key1="top: 0\n"),
    "change the last line": edit(OLD, key40="key40: x\n"),
    "append at the end": OLD + "tail: 1\n",
    "delete in the middle": edit(OLD, key20="", key21=""),
    "delete the first line": edit(OLD, key1=""),
    "insert and delete nearby": edit(OLD, key5="", before_key9="new: 1\n", key30="key30: y\n"),
}


@pytest.mark.parametrize("name", CASES)
def test_lines_and_hunks_match_githubs_diff(fake_github, tmp_path, name):
    after = CASES[name]
    pr = make_pr(fake_github, tmp_path, {"deploy/web.yaml": OLD}, {"deploy/web.yaml": after})
    ours = pr.diff.files["deploy/web.yaml"]
    total = len(after.splitlines())
    github = [sorted(h.right) for h in parse_hunks(pr.pull.file("deploy/web.yaml").patch)]
    assert [[n for n in range(first, last + 1) if n <= total] for first, last in ours] == github


def test_added_renamed_and_deleted_files(fake_github, tmp_path):
    pr = make_pr(fake_github, tmp_path, {"deploy/gone.yaml": OLD, "deploy/old.yaml": OLD},
                 {"deploy/gone.yaml": None, "deploy/old.yaml": None, "deploy/moved.yaml": OLD,
                  "deploy/new.yaml": lines(3)})
    # A pure rename is part of the diff (file comments work) but has no commentable line.
    assert pr.diff.files == {"deploy/moved.yaml": (), "deploy/new.yaml": ((1, 6),)}
    assert pr.diff.has_file("deploy/moved.yaml") and pr.diff.hunk("deploy/moved.yaml", 1) is None
    assert not pr.diff.has_file("deploy/gone.yaml")
    patches = DiffIndex.from_patches({"deploy/moved.yaml": None,
                                      "deploy/new.yaml": "@@ -0,0 +1,3 @@\n+a\n+b\n+c"})
    assert patches.files == {"deploy/moved.yaml": (), "deploy/new.yaml": ((1, 3),)}


def test_fetch_diff_reads_githubs_patches(fake_github, client, tmp_path):
    after = CASES["changes 7 apart do not"]
    pr = make_pr(fake_github, tmp_path, {"deploy/web.yaml": OLD, "deploy/gone.yaml": OLD},
                 {"deploy/web.yaml": after, "deploy/gone.yaml": None})
    fetched = fetch_diff(client, REPO, 42)
    assert fetched.files == {"deploy/web.yaml": ((7, 13), (15, 21))}
    assert fetched.files["deploy/web.yaml"] == pr.diff.files["deploy/web.yaml"]
    assert [r.endpoint for r in fake_github.requests] == ["pulls.files"]


def test_no_changes_means_no_diff():
    assert DiffIndex.from_changes(None).files == {}
