"""Hostile file names and messages: every output format stays well-formed, and nothing
escapes into workflow commands, Markdown or the terminal."""
from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest

from tests.conftest import run_cli
from tests.sources.gitrepo import Repo

SARIF_SCHEMA = json.loads((Path(__file__).parents[1] / "data/sarif-schema-2.1.0.json").read_text())
POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
       "    - name: a\n      securityContext:\n        privileged: true\n")

NAMES = {
    "spaces": "my dir/web app.yaml",
    "unicode": "déploiement/网页.yaml",
    "newline": "evil\n::error::injected.yaml",
    "workflow command": "x::add-mask::y.yaml",
    "percent": "100%25 %0A.yaml",
    "leading dash": "-rf.yaml",
    "mention": "@org/admins.yaml",
}


@pytest.mark.parametrize("case", list(NAMES))
def test_hostile_file_names_in_every_format(write, case):
    name = NAMES[case]
    root = write({name: POD})
    base = ("check", "--select", "pss/privileged")
    github = run_cli(*base, "--format", "github", "--", name, cwd=root).stdout
    assert github.count("\n") == 1 and github.startswith("::error file=")
    assert "::add-mask::" not in github.split("::", 2)[1]  # only inside the escaped file=
    assert "\r" not in github
    report = run_cli(*base, "--format", "json", "--", name, cwd=root).json()
    [finding] = report["findings"]
    assert finding["line"] == 8
    assert "\n" not in finding["file"]
    sarif = json.loads(run_cli(*base, "--format", "sarif", "--", name, cwd=root).stdout)
    jsonschema.validate(sarif, SARIF_SCHEMA)
    junit = run_cli(*base, "--format", "junit", "--", name, cwd=root).stdout
    ElementTree.fromstring(junit.encode())
    text = run_cli(*base, "--", name, cwd=root).stdout
    assert text.splitlines()[0].endswith("error [pss/privileged] container \"a\" runs privileged "
                                         "(securityContext.privileged=true): remove the field or "
                                         "set it to false")


def test_newline_in_a_name_is_escaped_in_every_report(write):
    root = write({NAMES["newline"]: POD})
    github = run_cli("check", "--select", "pss/privileged", "--format", "github", ".",
                     cwd=root).stdout
    assert github == ("::error file=evil\\x0a%3A%3Aerror%3A%3Ainjected.yaml,line=8,endLine=8,"
                      "col=9,title=policygate%3A pss/privileged::container \"a\" runs privileged "
                      "(securityContext.privileged=true): remove the field or set it to false\n")


def test_undecodable_file_name_in_a_diff(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.commit({"ok.yaml": "a: 1\n"})
    raw = bytes(repo.root) + b"/bad-\xff.yaml"
    with open(raw, "w") as handle:
        handle.write(POD)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "bad name")
    run = run_cli("check", "--format", "json", "--select", "pss/privileged", "--diff", "HEAD~1",
                  cwd=repo.root)
    assert [f["file"] for f in run.json()["findings"]] == ["bad-\\xff.yaml"]
    sarif = run_cli("check", "--format", "sarif", "--diff", "HEAD~1", cwd=repo.root).stdout
    jsonschema.validate(json.loads(sarif), SARIF_SCHEMA)


def test_hostile_values_in_messages_stay_one_line(write):
    text = POD.replace("name: a", 'name: "a\\n::error::fake\\r\\n<script>@team"')
    root = write({"pod.yaml": text})
    github = run_cli("check", "--select", "pss/privileged", "--format", "github", ".",
                     cwd=root).stdout
    assert github.count("\n") == 1
    assert "%0A::error::fake%0D%0A" not in github  # the name is JSON-quoted in the message
    report = run_cli("check", "--select", "pss/privileged", "--format", "json", ".",
                     cwd=root).json()
    assert report["findings"][0]["message"].startswith(
        'container "a\\n::error::fake\\r\\n<script>@team" runs privileged')
