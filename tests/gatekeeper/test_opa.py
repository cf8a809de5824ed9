"""`check` with the OPA server engine (opa-python-client over real HTTP to a local OPA
server backed by the real OPA engine): the same findings as in-process, the inventory uploaded with the run, everything
removed afterwards, and server-side compile errors named by YAML line."""
from __future__ import annotations

from tests.conftest import run_cli
from tests.gatekeeper.builders import FLAG, constraint, documents, obj, template
from tests.gatekeeper.test_check import UNIQUE_HOST, _ingress


def check(root, *args: str):
    return run_cli("check", "--format", "json", "--select", "gatekeeper", *args, cwd=root)


def test_same_findings_as_in_process_and_nothing_left_behind(write, opa_server):
    root = write({"policy/unique.yaml": documents(
        template("K8sUniqueIngressHost", UNIQUE_HOST),
        constraint("K8sUniqueIngressHost", "unique", action="warn",
                   match={"kinds": [{"apiGroups": ["networking.k8s.io"], "kinds": ["Ingress"]}]})),
        "a.yaml": _ingress("shop", "web", "shop.example.com"),
        "b.yaml": _ingress("legacy", "old", "shop.example.com"),
        "c.yaml": _ingress("blog", "blog", "blog.example.com")})
    local = check(root, "--gatekeeper", "policy", "a.yaml", "b.yaml", "c.yaml")
    remote = check(root, "--gatekeeper", "policy", "--opa-url", opa_server.url,
                   "a.yaml", "b.yaml", "c.yaml")
    assert remote.exit_code == local.exit_code == 0, remote.stderr
    assert remote.json()["findings"] == local.json()["findings"]
    assert [(f["file"], f["line"], f["severity"]) for f in remote.json()["findings"]] == [
        ("a.yaml", 8, "warning"), ("b.yaml", 8, "warning")]
    # One query per (object, constraint); the inventory went up once, as data.
    posts = [path for method, path in opa_server.requests if method == "POST"]
    assert len(posts) == 3 and len(set(posts)) == 1 and posts[0].endswith(
        "/gk/t0/k8suniqueingresshost/violation")
    assert any(method == "PUT" and "/v1/data/policygate_runs/" in path
               for method, path in opa_server.requests)
    assert opa_server.policies == {} and opa_server.data == {"policygate_runs": {}}


def test_compile_errors_on_the_server_name_the_yaml_line(write, opa_server):
    text = template("K8sFlag", FLAG.replace("msg := sprintf", "msg := nosuch"))
    root = write({"policy/flag.yaml": documents(text, constraint("K8sFlag", "f")),
                  "cm.yaml": obj("v1", "ConfigMap", "a", "x")})
    run = check(root, "--gatekeeper", "policy", "--opa-url", opa_server.url, "cm.yaml")
    line = text[:text.index("nosuch")].count("\n") + 1
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr.startswith(f"policygate: error: policy/flag.yaml:{line}:18: "
                                 f"rego_type_error: undefined function nosuch"), run.stderr
    assert opa_server.policies == {}


def test_server_errors_are_failures_per_object(write, opa_server):
    root = write({"policy/flag.yaml": documents(template("K8sFlag", FLAG),
                                                constraint("K8sFlag", "f")),
                  ".policygate.yaml": f"gatekeeper:\n  dirs: [policy]\n  opa_url: {opa_server.url}\n",
                  "a.yaml": obj("v1", "ConfigMap", "a", "x"),
                  "b.yaml": obj("v1", "ConfigMap", "b", "x")})
    opa_server.configure(status=500)
    run = check(root, "a.yaml", "b.yaml")
    assert (run.exit_code, run.json()["findings"]) == (2, [])
    assert run.stderr.count("policygate: error: the server engine failed: the OPA server at "
                            f"{opa_server.url} answered 500: injected failure in ConstraintTemplate "
                            "k8sflag (policy/flag.yaml) for K8sFlag/f on ") == 2
