"""The regopy reproductions of issue 15, each giving OPA's answer on every engine.

regopy (rego-cpp) answered these differently from OPA — silently: `every` with a negated
body was always true, string literals with escapes never equalled the same input, `with
input as <local variable>` failed or used a package rule of the same name, and `some p`
over an input array compared with data failed to compile. Each test states OPA's answer.
"""
from __future__ import annotations

from tests.conftest import run_cli
from tests.rego.conftest import check, findings

POLICY = r'''package main

deny contains sprintf("%s runs a privileged container", [input.metadata.name]) if {
  not every c in input.spec.containers { not c.securityContext.privileged }
}
'''


def test_not_every_with_a_negated_body_fires(write, backend):
    # OPA refuses `not every` itself; the usual spelling is a helper rule.
    helper = ('package main\n\ndeny contains sprintf("%s runs a privileged container", '
              '[input.metadata.name]) if {\n  not unprivileged\n}\n\nunprivileged if {\n'
              '  every c in input.spec.containers { not c.securityContext.privileged }\n}\n')
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n"
           "    - {name: a, image: x}\n    - {name: b, image: y, securityContext: "
           "{privileged: true}}\n")
    calm = pod.replace("privileged: true", "privileged: false").replace("web", "calm")
    root = write({"policy/p.rego": helper, "web.yaml": pod, "calm.yaml": calm})
    run = check(root, "--policy", "policy", *backend, "web.yaml", "calm.yaml")
    assert findings(run) == [("rego/main", "error", "web.yaml", 1,
                              "web runs a privileged container")]


def test_not_every_is_refused_by_opa_as_written(write):
    root = write({"policy/p.rego": POLICY, "pod.yaml": "kind: Pod\n"})
    run = check(root, "--policy", "policy", "--engine", "opa", "pod.yaml")
    assert run.exit_code == 2
    assert run.stderr.startswith("policygate: error: policy/p.rego:4:7: rego_parse_error: "
                                 "unexpected every keyword: illegal negation of 'every'")


ESCAPES = r'''package main

deny contains "the path has a backslash and a tab" if input.path == "C:\\Temp\tfile"

deny contains "registry matched with an escaped dot" if regex.match("^ghcr\\.io/", input.image)
'''


def test_string_literals_with_escapes_equal_the_same_input(write, backend):
    root = write({"policy/p.rego": ESCAPES,
                  "a.json": '{"path": "C:\\\\Temp\\tfile", "image": "ghcr.io/acme/app:1"}',
                  "b.json": '{"path": "C:/Temp/file", "image": "ghcrxio/acme/app:1"}'})
    run = check(root, "--policy", "policy", *backend, "a.json", "b.json")
    assert findings(run) == [
        ("rego/main", "error", "a.json", 1, "registry matched with an escaped dot"),
        ("rego/main", "error", "a.json", 1, "the path has a backslash and a tab")]


WITH_LOCAL = '''package main

pod := {"kind": "Job"}

deny contains "pod" if input.kind == "Pod"

test_with_input_as_a_local_that_shadows_a_rule if {
  pod := {"kind": "Pod"}
  deny == {"pod"} with input as pod
}

test_with_input_as_the_rule if {
  count(deny) == 0 with input as data.main.pod
}
'''


def test_with_input_as_a_local_variable_uses_the_local(write, engine):
    root = write({"policy/p.rego": WITH_LOCAL})
    run = run_cli("test", "--engine", engine, "policy", cwd=root)
    assert (run.exit_code, run.stdout.splitlines()[-1]) == (0, "PASS: 2/2"), run.stdout


SOME_INDEX = '''package main

deny contains sprintf("port %v at index %d is not allowed", [input.spec.ports[p].port, p]) if {
  some p
  not input.spec.ports[p].port in data.allowed_ports
}
'''


def test_some_index_over_input_with_data_compiles_and_answers(write, backend):
    root = write({"policy/p.rego": SOME_INDEX, "data.json": '{"allowed_ports": [80, 443]}',
                  "svc.json": '{"spec": {"ports": [{"port": 80}, {"port": 22}, {"port": 443}]}}'})
    run = check(root, "--policy", "policy", "--data", "data.json", *backend, "svc.json")
    assert findings(run) == [("rego/main", "error", "svc.json", 1,
                              "port 22 at index 1 is not allowed")]
