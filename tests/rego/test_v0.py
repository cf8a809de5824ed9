"""Rego v0: detected with file:line and the fix; with --v0-compatible converted on tokens
and evaluated exactly like the v1 policy a person would have written."""
from __future__ import annotations

import pytest

from policygate.rego.convert import conversion_edits
from policygate.rego.edits import apply_edits
from policygate.rego.outline import outline
from tests.rego.conftest import check, findings

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: web
          image: nginx:latest
        - name: side
          image: ghcr.io/acme/side:1.0
"""

# (v0 idiom, the v1 a person would write): each pair must give the same findings.
IDIOMS = {
    "partial set": (
        'deny[msg] {\n  input.kind == "Deployment"\n  msg := "deployment"\n}\n',
        'deny contains msg if {\n  input.kind == "Deployment"\n  msg := "deployment"\n}\n'),
    "partial object": (
        'labels[k] = v {\n  v := input.metadata.labels[k]\n}\n'
        'deny[msg] {\n  labels.tier == "front"\n  msg := "front tier"\n}\n',
        'labels[k] := v if {\n  v := input.metadata.labels[k]\n}\n'
        'deny contains msg if {\n  labels.tier == "front"\n  msg := "front tier"\n}\n'),
    "else": (
        'level = "high" {\n  input.spec.replicas > 2\n} else = "low" {\n  true\n}\n'
        'deny[msg] { msg := sprintf("level %s", [level]) }\n',
        'level := "high" if {\n  input.spec.replicas > 2\n} else := "low"\n'
        'deny contains msg if { msg := sprintf("level %s", [level]) }\n'),
    "functions and default": (
        'default replicas = 0\nreplicas = n { n := input.spec.replicas }\n'
        'single(n) { n == 1 }\ndeny[msg] { single(replicas); msg := "single replica" }\n',
        'default replicas := 0\nreplicas := n if { n := input.spec.replicas }\n'
        'single(n) if { n == 1 }\ndeny contains msg if { single(replicas); msg := "single replica" }\n'),
    "nested brackets in the head": (
        'deny[sprintf("%s has %d containers", [input.metadata.name, count(input.spec.template.spec.containers)])] {\n'
        '  input.spec.template.spec.containers[1]\n}\n',
        'deny contains sprintf("%s has %d containers", [input.metadata.name, count(input.spec.template.spec.containers)]) if {\n'
        '  input.spec.template.spec.containers[1]\n}\n'),
    "comprehensions": (
        'images = {img | img := input.spec.template.spec.containers[_].image} { true }\n'
        'deny[msg] { count([i | i := images[_]; contains(i, "ghcr.io")]) == 1; msg := "one ghcr image" }\n',
        'images := {img | img := input.spec.template.spec.containers[_].image}\n'
        'deny contains msg if { count([i | i := images[_]; contains(i, "ghcr.io")]) == 1; msg := "one ghcr image" }\n'),
    "some, every and multiple bodies": (
        'import future.keywords.every\nimport future.keywords.in\n'
        'named { every c in input.spec.template.spec.containers { c.name != "" } }\n'
        'odd { input.spec.replicas == 1 } { input.spec.replicas == 3 }\n'
        'deny[msg] { named; odd; some c in input.spec.template.spec.containers; c.name == "side"; msg := "side car" }\n',
        'named if { every c in input.spec.template.spec.containers { c.name != "" } }\n'
        'odd if { input.spec.replicas == 1 }\nodd if { input.spec.replicas == 3 }\n'
        'deny contains msg if { named; odd; some c in input.spec.template.spec.containers; c.name == "side"; msg := "side car" }\n'),
    "any and all": (
        'deny[msg] {\n  any([x | c := input.spec.template.spec.containers[_]; x := c.name == "side"])\n'
        '  not all([true, false])\n  msg := "any/all"\n}\n',
        'deny contains msg if {\n  some c in input.spec.template.spec.containers\n  c.name == "side"\n'
        '  some x in [true, false]\n  x != true\n  msg := "any/all"\n}\n'),
}


@pytest.mark.parametrize("idiom", list(IDIOMS))
def test_converted_v0_gives_the_same_findings_as_v1(write, idiom):
    v0, v1 = IDIOMS[idiom]
    root = write({"v0/p.rego": f"package main\n\n{v0}", "v1/p.rego": f"package main\n\n{v1}",
                  "web.yaml": MANIFEST})
    expected = check(root, "--policy", "v1", "web.yaml")
    assert expected.exit_code == 1 and findings(expected), expected.stderr
    converted = check(root, "--policy", "v0", "--v0-compatible", "web.yaml")
    assert (converted.exit_code, findings(converted)) == (1, findings(expected))
    assert "v0/p.rego: Rego v0 syntax converted to v1" in converted.stderr
    refused = check(root, "--policy", "v0", "web.yaml")
    assert refused.exit_code == 2 and "v0/p.rego:" in refused.stderr


def test_v0_detection_names_the_first_v0_rule_and_counts_the_rest(write):
    policy = 'package main\n\nok := 1\n\nallow {\n  true\n}\n\ndeny[msg] {\n  msg := "x"\n}\n'
    root = write({"policy/p.rego": policy, "web.yaml": MANIFEST})
    run = check(root, "--policy", "policy", "web.yaml")
    assert run.exit_code == 2
    assert run.stderr.splitlines()[0] == (
        "policygate: error: policy/p.rego:5:1: Rego v0 syntax: rule head `allow` has a body "
        "without `if` (and 1 more rules); policygate reads Rego v1 like OPA 1.x: convert the "
        "file with `opa fmt --v0-v1 --write policy/p.rego`, or pass --v0-compatible "
        "(policies.v0_compatible: true) to convert it on the fly")


def test_v1_modules_are_left_alone(write):
    root = write({"policy/p.rego": 'package main\n\ndeny contains "x" if input.kind == "Deployment"\n',
                  "web.yaml": MANIFEST})
    run = check(root, "--policy", "policy", "--v0-compatible", "web.yaml")
    assert run.exit_code == 1 and "converted" not in run.stderr


def test_errors_in_converted_modules_point_at_the_original_lines(write):
    policy = 'package main\n\ndeny[msg] {\n  msg := nosuch(input.kind)\n}\n'
    root = write({"policy/p.rego": policy, "web.yaml": MANIFEST})
    run = check(root, "--policy", "policy", "--v0-compatible", "web.yaml")
    assert run.exit_code == 2
    assert "policy/p.rego:4:10: rego_type_error: undefined function nosuch" in run.stderr


def test_converter_output_for_the_classic_conftest_idioms():
    source = ('package main\n\ndeny[msg] {\n  input.kind == "Pod"\n  msg := "pod"\n}\n\n'
              'warn[{"msg": m, "path": "spec"}] { m := "w" }\n\n'
              'p { input.a } { input.b }\n\nq = x { x := 1 } else = 2 { true }\n')
    converted = apply_edits(source, conversion_edits(outline(source))).text
    assert converted == (
        'package main\n\ndeny contains msg if {\n  input.kind == "Pod"\n  msg := "pod"\n}\n\n'
        'warn contains {"msg": m, "path": "spec"} if { m := "w" }\n\n'
        'p if { input.a } \np if { input.b }\n\nq = x if { x := 1 } else = 2 if { true }\n')
    assert outline(converted).v0_rules() == []
