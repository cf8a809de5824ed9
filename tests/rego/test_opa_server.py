"""The OPA server engine end to end: opa-python-client over real HTTP to a local server
that evaluates with the real OPA engine (tests/rego/opa_server.py) (and the error paths a real fleet has: down, slow, failing, wrong token)."""
from __future__ import annotations

import socket

from tests.rego.conftest import check, findings

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:latest
"""

POLICY = """package main

import data.lib.images

deny contains {"msg": sprintf("%s uses :latest", [c.name]), "path": sprintf("spec.containers[%d].image", [i])} if {
  some i, c in input.spec.containers
  images.latest(c.image)
}
"""

LIBRARY = """package lib.images

latest(image) if endswith(image, ":latest")
"""


def test_uploads_under_a_run_id_queries_once_per_document_and_cleans_up(write, opa_server):
    root = write({"policy/a_main.rego": POLICY, "policy/z_lib.rego": LIBRARY, "pod.yaml": POD,
                  "other.yaml": POD.replace("nginx:latest", "nginx:1.27")})
    run = check(root, "--policy", "policy", "--opa-url", opa_server.url, "pod.yaml", "other.yaml")
    assert run.exit_code == 1, run.stderr
    assert findings(run) == [("rego/main", "error", "pod.yaml", 8, "web uses :latest")]
    puts = [path for method, path in opa_server.requests if method == "PUT"]
    assert all(path.startswith("/v1/policies/policygate/r") for path in puts)
    # main.rego calls a function of lib.rego, uploaded later: the upload retries it.
    assert len(puts) == 4
    queries = [path for method, path in opa_server.requests if method == "POST"]
    assert len(queries) == 2 and len(set(queries)) == 1
    assert queries[0].startswith("/v1/data/policygate_runs/r")
    assert opa_server.policies == {}  # deleted when the run ended


def test_data_files_are_uploaded_with_the_run_and_removed(write, opa_server):
    policy = ('package main\n\ndeny contains "not allowed" if not input.metadata.name in '
              'data.allowed.names\n')
    root = write({"policy/p.rego": policy, "data.json": '{"allowed": {"names": ["api"]}}',
                  "pod.yaml": POD, "api.yaml": POD.replace("name: web\nspec", "name: api\nspec")})
    run = check(root, "--policy", "policy", "--data", "data.json", "--opa-url", opa_server.url,
                "pod.yaml", "api.yaml")
    assert run.exit_code == 1
    assert findings(run) == [("rego/main", "error", "pod.yaml", 1, "not allowed")]
    assert opa_server.data == {"policygate_runs": {}}


def test_server_down_is_a_clear_error(write):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = write({"policy/p.rego": POLICY, "pod.yaml": POD})
    run = check(root, "--policy", "policy", "--opa-url", f"http://127.0.0.1:{port}", "pod.yaml")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == (f"policygate: error: cannot reach a healthy OPA server at "
                          f"http://127.0.0.1:{port} (GET /health failed); start it or fix --opa-url\n")


def test_server_errors_fail_the_run_per_document(write, opa_server):
    opa_server.configure(status=500)
    root = write({"policy/p.rego": POLICY, "policy/lib.rego": LIBRARY, "pod.yaml": POD})
    run = check(root, "--policy", "policy", "--opa-url", opa_server.url, "pod.yaml")
    assert run.exit_code == 2
    assert run.json()["findings"] == []
    assert (f"the server engine failed on pod.yaml document 1 (Pod/web): the OPA "
            f"server at {opa_server.url} answered 500: injected failure") in run.stderr


def test_server_timeout_names_the_document(write, opa_server):
    opa_server.configure(delay=1.0)
    root = write({"policy/p.rego": POLICY, "policy/lib.rego": LIBRARY, "pod.yaml": POD,
                  ".policygate.yaml": "policies:\n  timeouts: {server: 0.3}\n  opa_retries: 0\n"})
    run = check(root, "--policy", "policy", "--opa-url", opa_server.url, "pod.yaml")
    assert run.exit_code == 2
    assert "took longer than" not in run.stderr
    assert "on pod.yaml document 1 (Pod/web)" in run.stderr
    assert f"the OPA server at {opa_server.url} did not answer in time" in run.stderr


def test_bearer_token_comes_from_the_named_environment_variable(write, opa_server, monkeypatch):
    opa_server.configure(token="s3cret")
    config = "policies:\n  opa_token_env: POLICYGATE_TEST_OPA_TOKEN\n"
    root = write({"policy/p.rego": POLICY, "policy/lib.rego": LIBRARY, "pod.yaml": POD,
                  ".policygate.yaml": config})
    missing = check(root, "--policy", "policy", "--opa-url", opa_server.url, "pod.yaml")
    assert missing.exit_code == 2
    assert "POLICYGATE_TEST_OPA_TOKEN (policies.opa_token_env) is not set" in missing.stderr
    monkeypatch.setenv("POLICYGATE_TEST_OPA_TOKEN", "wrong")
    refused = check(root, "--policy", "policy", "--opa-url", opa_server.url, "pod.yaml")
    assert refused.exit_code == 2 and "answered 401" in refused.stderr
    assert "s3cret" not in refused.stderr and "wrong" not in refused.stderr
    monkeypatch.setenv("POLICYGATE_TEST_OPA_TOKEN", "s3cret")
    accepted = check(root, "--policy", "policy", "--opa-url", opa_server.url, "pod.yaml")
    assert accepted.exit_code == 1
    assert findings(accepted) == [("rego/main", "error", "pod.yaml", 8, "web uses :latest")]


def test_server_mode_queries_policies_already_on_the_server(write, opa_server):
    from opa_client import OpaClient

    client = OpaClient(host="127.0.0.1", port=int(opa_server.url.rsplit(":", 1)[1]))
    client.update_policy_from_string(
        'package main\n\ndeny contains "pods need an owner" if {\n  input.kind == "Pod"\n'
        '  not input.metadata.labels.owner\n}\n', "fleet/main.rego", rego_compat=False)
    client.close_connection()
    root = write({"pod.yaml": POD, "owned.yaml": POD.replace("name: web\n", "name: web\n  labels: {owner: me}\n", 1),
                  ".policygate.yaml": "policies:\n  opa_mode: server\n"})
    run = check(root, "--opa-url", opa_server.url, "pod.yaml", "owned.yaml")
    assert run.exit_code == 1, run.stderr
    assert findings(run) == [("rego/main", "error", "pod.yaml", 1, "pods need an owner")]
    assert ("GET", "/v1/policies") in opa_server.requests
    assert list(opa_server.policies) == ["fleet/main.rego"]  # nothing uploaded, nothing deleted


def test_server_mode_without_rules_for_the_namespace_is_an_error(write, opa_server):
    root = write({"pod.yaml": POD, ".policygate.yaml": "policies:\n  opa_mode: server\n"})
    run = check(root, "--opa-url", opa_server.url, "pod.yaml")
    assert run.exit_code == 2
    assert "has no deny, violation or warn rules in namespace main" in run.stderr


def test_the_test_server_speaks_the_rest_api_the_client_uses(opa_server):
    """The server answers opa-python-client's calls with OPA's shapes (the client is real)."""
    from opa_client import OpaClient
    from opa_client.errors import RegoParseError

    client = OpaClient(host="127.0.0.1", port=int(opa_server.url.rsplit(":", 1)[1]))
    assert client.check_health()
    assert client.update_policy_from_string("package t\n\nallow if input.ok\n", "t",
                                            rego_compat=False)
    assert client.query_rule({"ok": True}, "t", "allow") == {"result": True}
    assert client.query_rule({"ok": False}, "t", "allow") == {}
    assert client.update_or_create_data({"x": 1}, "cfg")
    assert client.patch_data("cfg", [{"op": "add", "path": "/y", "value": 2}])
    assert client.get_data("cfg") == {"result": {"x": 1, "y": 2}}
    assert [p["id"] for p in client._session.get(f"{opa_server.url}/v1/policies").json()["result"]] == ["t"]
    try:
        client.update_policy_from_string("package t\n\nallow if {\n", "bad", rego_compat=False)
        raise AssertionError("a bad module must be refused")
    except RegoParseError as error:
        assert error.errors[0]["code"] == "rego_parse_error"
        assert error.errors[0]["location"]["file"] == "bad"
    assert client.delete_data("cfg") and client.delete_policy("t")
    client.close_connection()
