"""Errors a newcomer meets in the first minutes, said so they can fix them.

YAML syntax errors in plain words with the line and a caret, and the documents after a
broken one still checked; a misspelt rule gets the closest one; the shallow-clone hint
is a command that works; `--staged missing.yaml` fails like `check missing.yaml`.
"""
from __future__ import annotations

import subprocess

import pytest

from policygate.parsers.yaml import Limits, parse_yaml
from tests.conftest import run_cli
from tests.sources.gitrepo import Repo

PRIVILEGED = """apiVersion: v1
kind: Pod
metadata: {name: after, namespace: shop}
spec:
  containers:
    - name: web
      image: nginx:1.27
      securityContext: {privileged: true}
"""


def _text(root, *files: str) -> str:
    run = run_cli("check", "--select", "parse,pss/privileged", *files, cwd=root)
    assert run.exit_code == 1, run.stderr
    return run.stdout.split("\n\n")[0]


def test_a_tab_says_tabs_are_not_allowed_and_shows_the_line_with_a_caret(write):
    root = write({"pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: web\n"})
    assert _text(root, "pod.yaml") == (
        "pod.yaml:4:1: error [parse/invalid-yaml] tabs are not allowed for indentation in "
        "YAML: use spaces\n"
        "    4 |     name: web\n"
        "      | ^")


@pytest.mark.parametrize(("source", "expected"), [
    ("a: {b: 1\nc: 2\n",
     "pod.yaml:2:2: error [parse/invalid-yaml] a {...} mapping is not closed: add the missing "
     "'}' or a ',' between its entries (it opens on line 1)\n"
     "    2 | c: 2\n"
     "      |  ^"),
    ('a: 1\nb: "unclosed\n',
     "pod.yaml:2:4: error [parse/invalid-yaml] a quoted string is not closed: add the "
     "closing quote\n"
     '    2 | b: "unclosed\n'
     "      |    ^"),
    ("metadata:\n  name: a\n labels: {}\n",
     "pod.yaml:3:2: error [parse/invalid-yaml] this line is not indented like the keys of "
     "its mapping (the mapping starts on line 1): keys of one mapping start at the same "
     "column, and a nested value is indented further\n"
     "    3 |  labels: {}\n"
     "      |  ^"),
    ("image: nginx: 1.27\n",
     "pod.yaml:1:13: error [parse/invalid-yaml] a ':' here would start a key where none can "
     "be: indent the line under the key it belongs to, or put a value that contains ': ' in "
     "quotes\n"
     "    1 | image: nginx: 1.27\n"
     "      |             ^"),
    ("command: [sh, -c, `date`]\n",
     "pod.yaml:1:19: error [parse/invalid-yaml] a value cannot start with '`' (YAML reserves "
     "it): put the value in quotes\n"
     "    1 | command: [sh, -c, `date`]\n"
     "      |                   ^"),
    ("a: *base\n",
     "pod.yaml:1:4: error [parse/invalid-yaml] the alias *base refers to no anchor: define "
     "&base earlier in this document\n"
     "    1 | a: *base\n"
     "      |    ^"),
])
def test_syntax_errors_in_plain_words(write, source, expected):
    assert _text(write({"pod.yaml": source}), "pod.yaml") == expected


def test_a_control_character_is_escaped_in_the_excerpt(write):
    root = write({"pod.yaml": "a: 1\nb: \x1b[2J\n"})
    assert _text(root, "pod.yaml") == (
        "pod.yaml:2:4: error [parse/invalid-yaml] the control character U+001B is not allowed "
        "in YAML: remove it, or write it as an escape (\\x1b) in a double-quoted string\n"
        "    2 | b: \\x1b[2J\n"
        "      |    ^")


def test_a_long_line_shows_the_part_around_the_error():
    line = '{"items": [' + "1, " * 300 + "2}"
    parsed = parse_yaml(line + "\n", "big.json", Limits())
    [finding] = parsed.findings
    text, column = finding.excerpt
    assert (finding.location.line, finding.location.column) == (1, len(line))
    assert text.startswith("…") and len(text) == 101 and text.endswith("2}")
    assert text[column - 1] == "}"


def test_documents_after_a_broken_one_are_still_checked(write):
    broken = "apiVersion: v1\nkind: Pod\nmetadata: {name: broken\n"
    root = write({"all.yaml": broken + "---\n" + PRIVILEGED})
    run = run_cli("check", "--format", "json", "--select", "parse,pss/privileged", "all.yaml",
                  cwd=root)
    assert [(f["rule"], f["line"]) for f in run.json()["findings"]] == [
        ("parse/invalid-yaml", 4), ("pss/privileged", 12)]
    assert run.json()["summary"]["resources"] == 1
    # The compliant negative: the same file without the broken document.
    clean = write({"clean.yaml": PRIVILEGED.replace("true", "false")})
    assert run_cli("check", "--select", "parse,pss", "clean.yaml", cwd=clean).exit_code == 0


def test_every_broken_document_is_reported_and_every_good_one_checked(write):
    text = "a: [1\n---\n" + PRIVILEGED + "---\nb: {\n---\n" + PRIVILEGED.replace("after", "last")
    run = run_cli("check", "--format", "json", "--select", "parse,pss/privileged", "f.yaml",
                  cwd=write({"f.yaml": text}))
    assert [(f["rule"], f["line"], (f["resource"] or {}).get("name"))
            for f in run.json()["findings"]] == [
        ("parse/invalid-yaml", 2, None), ("pss/privileged", 10, "after"),
        ("parse/invalid-yaml", 13, None), ("pss/privileged", 21, "last")]


def test_a_character_the_reader_refuses_costs_only_its_own_document(write):
    text = PRIVILEGED + "---\nbell: \x07\n---\n" + PRIVILEGED.replace("after", "last")
    run = run_cli("check", "--format", "json", "--select", "parse,pss/privileged", "f.yaml",
                  cwd=write({"f.yaml": text}))
    assert [(f["rule"], f["line"]) for f in run.json()["findings"]] == [
        ("pss/privileged", 8), ("parse/invalid-yaml", 10), ("pss/privileged", 19)]


@pytest.mark.parametrize(("args", "message"), [
    (("check", "--select", "pss/privilegd", "."),
     "unknown rule or family 'pss/privilegd' — did you mean 'pss/privileged'?"),
    (("check", "--ignore", "imge", "."),
     "unknown rule or family 'imge' — did you mean 'image'?"),
    (("explain", "pss/privilegd"), "unknown rule 'pss/privilegd' — did you mean 'pss/privileged'?"),
    (("explain", "nothing-like-any-rule"), "unknown rule 'nothing-like-any-rule'"),
])
def test_a_misspelt_rule_gets_the_closest_one(write, args, message):
    run = run_cli(*args, cwd=write({"a.yaml": "a: 1\n"}))
    assert run.exit_code == 2
    assert run.stderr == f"policygate: error: {message} (see `policygate rules`)\n"


def test_explaining_a_family_lists_its_rules(write):
    run = run_cli("explain", "action", cwd=write({}))
    assert (run.exit_code, run.stderr) == (
        2, "policygate: error: action is a family of rules: explain one of them, "
           "action/not-pinned\n")


@pytest.fixture
def shallow(tmp_path):
    """A depth-1 clone of a repository with three commits."""
    origin = Repo(tmp_path / "origin")
    origin.commit({"pod.yaml": PRIVILEGED.replace("true", "false")}, "one")
    first = origin.commit({"README.md": "two\n"}, "two")
    origin.commit({"pod.yaml": PRIVILEGED}, "three")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{origin.root}", str(clone)],
                   check=True)
    return clone, first


def test_a_relative_base_in_a_shallow_clone_gets_a_fetch_that_works(shallow):
    clone, _ = shallow
    run = run_cli("check", "--diff", "HEAD~1", "--select", "pss/privileged", cwd=clone)
    assert run.exit_code == 2
    assert run.stderr == (
        "policygate: error: base 'HEAD~1' is not in this shallow clone: fetch more history "
        "with `git fetch --deepen=50` (repeat as needed) or use `fetch-depth: 0` with "
        "actions/checkout\n")
    subprocess.run(["git", "fetch", "-q", "--deepen=50"], cwd=clone, check=True)
    after = run_cli("check", "--diff", "HEAD~1", "--select", "pss/privileged", cwd=clone)
    assert after.exit_code == 1, after.stderr


def test_a_commit_id_in_a_shallow_clone_is_fetched_by_its_id(shallow):
    clone, first = shallow
    run = run_cli("check", "--diff", first, "--select", "pss/privileged", cwd=clone)
    assert run.exit_code == 2
    command = f"git fetch origin {first}"
    assert f"`{command}`" in run.stderr
    subprocess.run(command.split() + ["-q"], cwd=clone, check=True)
    assert "is not in this shallow clone" not in run_cli(
        "check", "--diff", first, cwd=clone).stderr


def test_staged_with_a_missing_path_exits_2_like_a_plain_check(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit({"pod.yaml": PRIVILEGED.replace("true", "false")})
    plain = run_cli("check", "missing.yaml", cwd=repo.root)
    staged = run_cli("check", "--staged", "missing.yaml", cwd=repo.root)
    assert (plain.exit_code, plain.stderr) == (
        2, "policygate: error: missing.yaml: no such file or directory\n")
    assert (staged.exit_code, staged.stderr) == (plain.exit_code, plain.stderr)
    # A path whose deletion is staged is known to the index: not an error.
    repo.git("rm", "-q", "pod.yaml")
    assert run_cli("check", "--staged", "pod.yaml", cwd=repo.root).exit_code == 0
