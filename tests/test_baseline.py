"""Baselines survive line shifts and renames, and still catch new violations."""
from __future__ import annotations

import json

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
    assert len(run.json()["findings"]) == 2


def test_unreadable_baseline_exits_2(write):
    root = write({"legacy.yaml": POD, "baseline.json": "{not json"})
    run = check(root, "--baseline", "baseline.json")
    assert run.exit_code == 2
    assert "baseline.json: not a policygate baseline" in run.stderr
