"""The images:/actions:/gitops: config sections, and the provenance rules in the catalog."""
from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

FULL = """images:
  allowed: [registry.example.com, docker.io/library/*, ghcr.io/acme]
  pinning:
    paths: [clusters/prod/**, Dockerfile]
    exempt: [registry.example.com/dev]
actions:
  pinning:
    exempt: [actions/*]
gitops:
  allowed: [github.com/acme, https://charts.bitnami.com/bitnami]
  pinning:
    paths: [clusters/prod/**]
    exempt: [github.com/acme/sandbox]
    tags: [release-*]
"""

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n" \
      "    - {name: a, image: 'registry.example.com/a:1'}\n"


def test_a_full_provenance_config_is_valid(write):
    root = write({".policygate.yaml": FULL, "p.yaml": POD})
    run = run_cli("check", "--select", "image,action,gitops", "p.yaml", cwd=root)
    assert (run.exit_code, run.stdout, run.stderr) == (0, "", "")


def test_sections_may_be_empty(write):
    root = write({".policygate.yaml": "images:\nactions:\ngitops:\n  pinning:\n", "p.yaml": POD})
    run = run_cli("check", "--select", "image", "p.yaml", cwd=root)
    assert (run.exit_code, run.stderr) == (0, "")


@pytest.mark.parametrize("config, message", [
    ("images:\n  allow: [nginx]\n",
     ".policygate.yaml:2:3: unknown key 'allow' in `images` — did you mean 'allowed'? "
     "(valid keys: allowed, pinning)"),
    ("images:\n  allowed: []\n",
     ".policygate.yaml:2:3: `images.allowed`: [] should be non-empty"),
    ("gitops:\n  pinning:\n    paths: prod/**\n",
     ".policygate.yaml:3:5: `gitops.pinning.paths`: 'prod/**' is not of type 'array'"),
    ("actions:\n  pinning:\n    tags: [v*]\n",
     ".policygate.yaml:3:5: unknown key 'tags' in `actions.pinning` (valid keys: exempt)"),
])
def test_config_mistakes_name_file_line_and_key(write, config, message):
    root = write({".policygate.yaml": config, "p.yaml": POD})
    run = run_cli("check", "p.yaml", cwd=root)
    assert run.exit_code == 2
    assert run.stderr == f"policygate: error: {message}\n"


def test_the_catalog_lists_the_provenance_rules():
    run = run_cli("rules", "--format", "json")
    listed = {entry["id"]: entry["severity"] for entry in json.loads(run.stdout)}
    assert {rule: listed[rule] for rule in (
        "image/invalid-reference", "image/untrusted-registry", "image/not-pinned",
        "image/latest-tag", "action/not-pinned", "gitops/untrusted-source",
        "gitops/unpinned-revision")} == {
        "image/invalid-reference": "error", "image/untrusted-registry": "error",
        "image/not-pinned": "warning", "image/latest-tag": "warning",
        "action/not-pinned": "error", "gitops/untrusted-source": "error",
        "gitops/unpinned-revision": "warning"}


def test_explain_gives_the_fix():
    run = run_cli("explain", "action/not-pinned")
    assert run.exit_code == 0
    assert "- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2" \
        in run.stdout
    assert "gh api" in run.stdout


def test_severity_and_selection_apply_to_the_new_families(write):
    files = {".policygate.yaml": "rules:\n  image/latest-tag: error\n",
             "p.yaml": POD.replace("registry.example.com/a:1", "nginx")}
    root = write(files)
    run = run_cli("check", "--format", "json", "p.yaml", cwd=root)
    assert run.exit_code == 1
    assert [(f["rule"], f["severity"]) for f in run.json()["findings"]
            if f["rule"].startswith("image/")] == [("image/latest-tag", "error")]
    run = run_cli("check", "--format", "json", "--ignore", "image", "p.yaml", cwd=root)
    assert [f for f in run.json()["findings"] if f["rule"].startswith("image/")] == []
