"""Valid but surprising YAML is judged as Kubernetes would read it."""
from __future__ import annotations

import pytest

from tests.conftest import run_cli


def privileged_findings(root):
    run = run_cli("check", "--format", "json", "--select", "pss/privileged,parse", ".", cwd=root)
    return sorted((f["rule"], f["line"]) for f in run.json()["findings"])


def pod(value: str) -> str:
    return ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
            f"    - name: a\n      securityContext:\n        privileged: {value}\n")


@pytest.mark.parametrize("value, privileged", [
    ("yes", True), ("Yes", True), ("on", True), ("ON", True), ("y", True), ("Y", True),
    ("true", True), ("no", False), ("off", False), ("n", False), ("false", False),
    ('"true"', False),  # a string: the API server rejects it, it never runs privileged
])
def test_yaml_1_1_booleans(write, value, privileged):
    expected = [("pss/privileged", 8)] if privileged else []
    assert privileged_findings(write({"pod.yaml": pod(value)})) == expected


def test_merge_keys_and_anchors_are_followed_to_the_anchor(write):
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
            "  x-defaults: &hardened\n    privileged: true\n"
            "  containers:\n    - name: a\n      securityContext:\n        <<: *hardened\n")
    # The value lives on the anchor's line; that is where the author must change it.
    assert privileged_findings(write({"pod.yaml": text})) == [("pss/privileged", 6)]


def test_unsafe_tags_are_never_executed(write, tmp_path):
    marker = tmp_path / "pwned"
    text = (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: !!python/object/apply:os.system "
            f"['touch {marker}']\n")
    result = privileged_findings(write({"evil.yaml": text}))
    assert result == []  # read as plain data, like go-yaml: a list where a name should be
    assert not marker.exists()


def test_sexagesimal_numbers_stay_strings_like_kubernetes(write):
    from policygate.parsers.yaml import Limits, parse_yaml

    parsed = parse_yaml("apiVersion: v1\nkind: ConfigMap\ndata: {time: 1:20, octal: 0755}\n",
                        "c.yaml", Limits())
    assert parsed.documents[0].data["data"] == {"time": "1:20", "octal": 493}
