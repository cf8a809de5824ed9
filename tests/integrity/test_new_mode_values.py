"""`new` mode and baselines compare the offending value, not just its place (issue 13,
item 5): the same rule on the same field of the same resource with another value is a
new violation."""
from __future__ import annotations

import hashlib
import json

import pytest

from tests.conftest import run_cli
from tests.integrity.helpers import feature_repo, findings
from tests.sources.gitrepo import Repo

CONFIG = "images:\n  allowed: [registry.example.com]\n"
AGENT = """apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
        - name: agent
          image: quay.io/acme/agent:1.0
      volumes:
        - name: logs
          hostPath: {path: /var/log/agent}
"""
IMAGE_LINE, HOSTPATH_LINE = 11, 14


def _new(repo: Repo) -> list:
    return findings(run_cli("check", "--format", "json", "--select",
                            "image/untrusted-registry,pss/host-path-volumes", "--diff", "main",
                            "--filter-mode", "new", cwd=repo.root))


@pytest.fixture
def repo(tmp_path) -> Repo:
    """The base already breaks both rules: an image outside the allow-list, a hostPath."""
    return feature_repo(tmp_path / "repo", {".policygate.yaml": CONFIG, "ops/agent.yaml": AGENT})


def test_a_different_image_on_the_same_field_is_new(repo):
    repo.commit({"ops/agent.yaml": AGENT.replace("quay.io/acme/agent:1.0",
                                                 "evil.example/miner:1")})
    assert _new(repo) == [("image/untrusted-registry", "ops/agent.yaml", IMAGE_LINE)]


def test_a_wider_host_path_on_the_same_field_is_new(repo):
    repo.commit({"ops/agent.yaml": AGENT.replace("/var/log/agent", "/")})
    assert _new(repo) == [("pss/host-path-volumes", "ops/agent.yaml", HOSTPATH_LINE)]


def test_the_same_values_elsewhere_in_the_resource_stay_old(repo):
    """The negative case: other edits, and moving the resource, report nothing new."""
    repo.commit({"ops/agent.yaml": "# moved down\n" + AGENT.replace("app: agent}}\n  template",
                                                                   "app: agent}}\n"
                                                                   "  minReadySeconds: 5\n"
                                                                   "  template")})
    assert _new(repo) == []


def _baseline_run(repo: Repo, *args: str):
    return run_cli("check", "--format", "json", "--select",
                   "image/untrusted-registry,pss/host-path-volumes,policygate", *args, ".",
                   cwd=repo.root)


def test_the_baseline_compares_values_too(repo):
    written = run_cli("check", "--select", "image/untrusted-registry,pss/host-path-volumes",
                      "--write-baseline", "baseline.json", ".", cwd=repo.root)
    assert written.exit_code == 0
    assert json.loads((repo.root / "baseline.json").read_text())["version"] == 2
    assert findings(_baseline_run(repo, "--baseline", "baseline.json")) == []
    repo.write({"ops/agent.yaml": AGENT.replace("/var/log/agent", "/")})
    assert findings(_baseline_run(repo, "--baseline", "baseline.json")) == \
        [("pss/host-path-volumes", "ops/agent.yaml", HOSTPATH_LINE)]


def _v1_fingerprint(rule: str, group: str, kind: str, namespace: str, name: str, path: str) -> str:
    """How version 1 baselines fingerprinted a finding (no value)."""
    return hashlib.sha256("\0".join([rule, group, kind, namespace, name, path]).encode()
                          ).hexdigest()[:32]


def test_a_version_1_baseline_still_reads_with_a_note(repo):
    entries = [{"rule": rule, "fingerprint": _v1_fingerprint(rule, "apps", "DaemonSet", "ops",
                                                             "agent", path)}
               for rule, path in (("image/untrusted-registry", "spec.template.spec.containers[0].image"),
                                  ("pss/host-path-volumes", "spec.template.spec.volumes[0].hostPath"))]
    (repo.root / "old.json").write_text(json.dumps({"version": 1, "findings": entries}))
    repo.write({"ops/agent.yaml": AGENT.replace("/var/log/agent", "/")})
    run = _baseline_run(repo, "--baseline", "old.json")
    assert run.exit_code == 0
    # Version 1 matches by field only, so the wider host path still counts as known ...
    assert [s["rule"] for s in run.json()["suppressed"]] == \
        ["image/untrusted-registry", "pss/host-path-volumes"]
    # ... and the report says so, once.
    assert [(f["rule"], f["severity"], f["file"], f["message"]) for f in run.json()["findings"]] \
        == [("policygate/outdated-baseline", "note", "old.json",
             "old.json is a version 1 baseline: it matches findings by rule, resource and field "
             "only, so the same field with another value (a new image, a wider host path) still "
             "counts as known; rewrite it with `policygate check --write-baseline old.json`")]
    assert _baseline_run(repo, "--baseline", "old.json", "--fail-on", "note").exit_code == 1
