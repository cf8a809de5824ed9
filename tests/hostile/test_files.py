"""Broken encodings and odd files: each gets a finding or a note, never a crash, and line
numbers stay right."""
from __future__ import annotations

import os

from policygate.pipeline import run_check
from policygate.settings import Settings
from policygate.sources.files import SourceFile
from tests.conftest import run_cli

POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
       "    - name: a\n      securityContext:\n        privileged: true\n")


def findings(root, *paths):
    run = run_cli("check", "--format", "json", "--select", "parse,source,pss/privileged",
                  *(paths or (".",)), cwd=root)
    assert run.exit_code in (0, 1), run.stderr
    return sorted((f["rule"], f["file"], f["line"], f["severity"]) for f in run.json()["findings"])


def test_encodings(write):
    root = write({
        "invalid-utf8.yaml": b"apiVersion: v1\nkind: Pod\nmetadata: {name: \xff\xfe}\n",
        "utf16.yaml": POD.encode("utf-16"),
        "utf8-bom.yaml": b"\xef\xbb\xbf" + POD.encode(),
        "nul.yaml": b"apiVersion: v1\x00\nkind: Pod\n",
        "binary.yaml": bytes(range(256)) * 4,
        "empty.yaml": b"",
        "crlf.yaml": POD.replace("\n", "\r\n").encode(),
        "tabs.yaml": b"apiVersion: v1\nkind: Pod\nspec:\n\tcontainers: []\n",
    })
    result = findings(root)
    assert ("parse/invalid-encoding", "invalid-utf8.yaml", 3, "error") in result
    assert ("parse/invalid-yaml", "tabs.yaml", 4, "error") in result
    assert ("parse/binary-file", "binary.yaml", 1, "note") in result
    assert ("parse/binary-file", "nul.yaml", 1, "note") in result
    for name in ("crlf.yaml", "utf16.yaml", "utf8-bom.yaml"):
        assert ("pss/privileged", name, 8, "error") in result
    assert not any(f[1] == "empty.yaml" for f in result)


def test_file_that_disappears_during_the_scan(tmp_path):
    (tmp_path / "here.yaml").write_text(POD)
    sources = [SourceFile(str(tmp_path / "gone.yaml"), "gone.yaml"),
               SourceFile(str(tmp_path / "here.yaml"), "here.yaml")]
    report = run_check(sources, Settings())
    rules = sorted((f.rule, f.file) for f in report.findings)
    assert ("parse/unreadable", "gone.yaml") in rules
    assert ("pss/privileged", "here.yaml") in rules


def test_fifo_dangling_symlink_and_loop_are_not_read(write):
    root = write({"pod.yaml": POD})
    os.mkfifo(root / "pipe.yaml")  # opening it would block forever
    (root / "dangling.yaml").symlink_to(root / "missing.yaml")
    (root / "loop-a.yaml").symlink_to(root / "loop-b.yaml")
    (root / "loop-b.yaml").symlink_to(root / "loop-a.yaml")
    result = findings(root)
    assert ("source/skipped", "pipe.yaml", 1, "note") in result
    assert ("source/skipped", "dangling.yaml", 1, "note") in result
    assert ("source/skipped", "loop-a.yaml", 1, "note") in result
    assert ("pss/privileged", "pod.yaml", 8, "error") in result


def test_symlink_outside_the_repository_is_not_followed(write, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.yaml"
    outside.write_text(POD)
    root = write({"inside.yaml": POD})
    os.mkdir(root / ".git")
    (root / "link.yaml").symlink_to(outside)
    result = findings(root)
    assert ("source/skipped", "link.yaml", 1, "note") in result
    assert not any(f[1] == "link.yaml" and f[0] == "pss/privileged" for f in result)
