"""Baselines survive line shifts and renames, and still catch new violations."""
from __future__ import annotations

import hashlib
import json
from collections import Counter

import pytest

from policygate.baseline import (Baseline, apply_baseline, fingerprint, outdated_note,
                                 parse_baseline, write_baseline)
from policygate.model import Finding, Location, ResourceId, Severity, Suppression
from tests.conftest import run_cli

POD = """apiVersion: v1
kind: Pod
metadata: {name: legacy, namespace: shop}
spec:
  hostPID: true
  containers:
    - name: a
      securityContext:
        privileged: true
"""


def check(root, *args):
    return run_cli("check", "--format", "json", "--select", "pss", "--pss-warn-level", "none", *args, ".",
                   cwd=root)


def test_baseline_round_trip_line_shift_and_rename(write):
    root = write({"apps/legacy.yaml": POD})
    written = run_cli("check", "--select", "pss", "--pss-warn-level", "none", "--write-baseline", "baseline.json", ".",
                      cwd=root)
    assert written.exit_code == 0
    assert "wrote 2 findings to baseline.json" in written.stderr
    baseline = json.loads((root / "baseline.json").read_text())
    assert baseline["version"] == 2
    assert sorted(e["rule"] for e in baseline["findings"]) == ["pss/host-namespaces", "pss/privileged"]

    run = check(root, "--baseline", "baseline.json")
    assert (run.exit_code, run.json()["findings"]) == (0, [])
    assert [(s["rule"], s["line"], s["suppression"]) for s in run.json()["suppressed"]] == [
        ("pss/host-namespaces", 5, {"kind": "baseline", "reason": "present when the baseline "
                                    "was written", "by": "baseline.json", "owner": None,
                                    "expires": None}),
        ("pss/privileged", 9, {"kind": "baseline", "reason": "present when the baseline was "
                               "written", "by": "baseline.json", "owner": None, "expires": None})]

    shifted = "# moved down by a new header\n# and another\n" + POD
    (root / "apps/legacy.yaml").unlink()
    (root / "apps/renamed").mkdir()
    (root / "apps/renamed/legacy-pod.yaml").write_text(shifted)
    moved = check(root, "--baseline", "baseline.json")
    assert (moved.exit_code, moved.json()["findings"]) == (0, [])


def test_new_violations_are_reported_despite_the_baseline(write):
    root = write({"legacy.yaml": POD})
    run_cli("check", "--select", "pss", "--pss-warn-level", "none", "--write-baseline", "baseline.json", ".",
                      cwd=root)
    worse = POD + "    - name: b\n      securityContext:\n        privileged: true\n"
    (root / "legacy.yaml").write_text(worse)
    run = check(root, "--baseline", "baseline.json")
    assert run.exit_code == 1
    assert [(f["rule"], f["line"]) for f in run.json()["findings"]] == [("pss/privileged", 12)]


TWO_CONTAINERS = """apiVersion: v1
kind: Pod
metadata: {name: legacy, namespace: shop}
spec:
  containers:
    - name: a
      securityContext:
        privileged: true
    - name: b
      securityContext:
        privileged: false
"""


def test_a_violation_moved_to_another_container_is_new(write):
    """The field path is part of the fingerprint: the baselined privileged container
    being fixed does not excuse another container turning privileged."""
    root = write({"legacy.yaml": TWO_CONTAINERS})
    run_cli("check", "--select", "pss/privileged", "--write-baseline", "baseline.json", ".",
            cwd=root)
    moved = TWO_CONTAINERS.replace("privileged: true", "privileged: X").replace(
        "privileged: false", "privileged: true").replace("privileged: X", "privileged: false")
    (root / "legacy.yaml").write_text(moved)
    run = check(root, "--baseline", "baseline.json")
    assert run.exit_code == 1
    assert [(f["rule"], f["line"], f["path"]) for f in run.json()["findings"]] == \
        [("pss/privileged", 11, "spec.containers[1].securityContext.privileged")]
    assert run.json()["suppressed"] == []
    # The compliant neighbour: the same violation where it was stays known.
    (root / "legacy.yaml").write_text(TWO_CONTAINERS)
    kept = check(root, "--baseline", "baseline.json")
    assert (kept.exit_code, kept.json()["findings"]) == (0, [])
    assert [(s["rule"], s["line"]) for s in kept.json()["suppressed"]] == [("pss/privileged", 8)]


def test_an_extra_copy_of_a_baselined_resource_is_new(write):
    root = write({"legacy.yaml": POD})
    run_cli("check", "--select", "pss", "--pss-warn-level", "none", "--write-baseline", "baseline.json", ".",
                      cwd=root)
    (root / "copy.yaml").write_text(POD)
    run = check(root, "--baseline", "baseline.json")
    assert run.exit_code == 1
    # One copy stays known, one is new: the baseline absorbs findings in report order
    # (copy.yaml sorts first), so the findings of the other file are the ones reported.
    assert [(f["rule"], f["file"], f["line"]) for f in run.json()["findings"]] == [
        ("pss/host-namespaces", "legacy.yaml", 5), ("pss/privileged", "legacy.yaml", 9)]
    assert [(f["rule"], f["file"], f["line"]) for f in run.json()["suppressed"]] == [
        ("pss/host-namespaces", "copy.yaml", 5), ("pss/privileged", "copy.yaml", 9)]


@pytest.mark.parametrize("content, message", [
    ("{not json", "baseline.json: not a policygate baseline (invalid JSON: Expecting property "
                  "name enclosed in double quotes: line 1 column 2 (char 1))"),
    ('{"version": 3, "findings": []}', "baseline.json: not a policygate baseline (expected "
                                       "version 2); write one with --write-baseline"),
    ('{"version": 2, "findings": {}}', "baseline.json: not a policygate baseline (expected "
                                       "version 2); write one with --write-baseline"),
    ('[{"version": 2}]', "baseline.json: not a policygate baseline (expected version 2); write "
                         "one with --write-baseline"),
])
def test_a_baseline_that_is_not_one_exits_2_naming_the_file(write, content, message):
    root = write({"legacy.yaml": POD, "baseline.json": content})
    run = check(root, "--baseline", "baseline.json")
    assert (run.exit_code, run.stderr) == (2, f"policygate: error: {message}\n")


def test_a_missing_baseline_exits_2_naming_the_file(write):
    run = check(write({"legacy.yaml": POD}), "--baseline", "nowhere.json")
    assert (run.exit_code, run.stderr) == (
        2, "policygate: error: nowhere.json: cannot read the baseline: No such file or directory\n")


def _finding(rule="pss/privileged", path=("spec", "hostPID"), evidence="true",
             resource=ResourceId("apps/v1", "Deployment", "shop", "web"), file="a.yaml",
             message="m"):
    return Finding(rule, Severity.ERROR, message, file, Location(3, 1, 3), resource, path,
                   evidence=evidence)


def test_the_fingerprint_is_rule_api_group_kind_namespace_name_path_and_value():
    def digest(*parts):
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
    assert fingerprint(_finding()) == digest("pss/privileged", "apps", "Deployment", "shop",
                                             "web", "spec.hostPID", "true")
    assert fingerprint(_finding(), version=1) == digest("pss/privileged", "apps", "Deployment",
                                                        "shop", "web", "spec.hostPID")
    core = _finding(resource=ResourceId("v1", "Pod", None, None), evidence=None)
    assert fingerprint(core) == digest("pss/privileged", "", "Pod", "", "", "spec.hostPID", "")
    # Without a resource (a file-level finding): rule, file and the message's words.
    loose = _finding(rule="parse/invalid-yaml", resource=None, message="bad  yaml\n here")
    assert fingerprint(loose) == digest("parse/invalid-yaml", "a.yaml", "bad yaml here")


def test_write_baseline_is_sorted_json_with_the_finding_it_stands_for(tmp_path):
    findings = [_finding(file="b.yaml"), _finding(rule="pss/host-namespaces", path=()),
                _finding(rule="parse/invalid-yaml", resource=None, path=())]
    assert write_baseline(tmp_path / "b.json", findings) == 3
    entries = [{"rule": "parse/invalid-yaml", "file": "a.yaml", "resource": None, "path": None,
                "fingerprint": fingerprint(findings[2])},
               {"rule": "pss/host-namespaces", "file": "a.yaml",
                "resource": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop",
                             "name": "web"}, "path": None, "fingerprint": fingerprint(findings[1])},
               {"rule": "pss/privileged", "file": "b.yaml",
                "resource": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop",
                             "name": "web"}, "path": "spec.hostPID",
                "fingerprint": fingerprint(findings[0])}]
    assert (tmp_path / "b.json").read_text() == json.dumps(
        {"version": 2, "findings": entries}, indent=2) + "\n"
    assert parse_baseline((tmp_path / "b.json").read_bytes(), "b.json") == Baseline(
        Counter(fingerprint(f) for f in findings), 2)


def test_each_baseline_entry_absorbs_one_finding_and_never_a_meta_finding():
    twice = [_finding(), _finding(), _finding(rule="policygate/unused-suppression")]
    baseline = Baseline(Counter({fingerprint(twice[0]): 1,
                                 fingerprint(twice[2]): 1}))
    kept, suppressed = apply_baseline(twice, baseline, "base.json")
    assert (kept, suppressed) == ([twice[1], twice[2]], [twice[0]])
    assert twice[0].suppression == Suppression("baseline", "present when the baseline was written",
                                               "base.json")
    assert (twice[1].suppression, twice[2].suppression) == (None, None)
    # Two entries absorb both copies.
    again = [_finding(), _finding()]
    kept, suppressed = apply_baseline(again, Baseline(Counter({fingerprint(again[0]): 2})), "b")
    assert (kept, suppressed) == ([], again)


def test_an_old_baseline_matches_without_values_and_says_so_once():
    old = Baseline(Counter({fingerprint(_finding(), version=1): 1}), version=1)
    kept, suppressed = apply_baseline([_finding(evidence="false")], old, "old.json")
    assert (kept, len(suppressed)) == ([], 1)
    assert outdated_note(old, "old.json") == [Finding(
        "policygate/outdated-baseline", Severity.NOTE,
        "old.json is a version 1 baseline: it matches findings by rule, resource and field "
        "only, so the same field with another value (a new image, a wider host path) still "
        "counts as known; rewrite it with `policygate check --write-baseline old.json`",
        "old.json", Location(1, 1, 1), source="config")]
    assert outdated_note(Baseline(Counter()), "new.json") == []
