"""Rendering a change runs no code from it, reads nothing outside it, fetches nothing,
and is bounded in time and output; the renderer's own errors are findings."""
from __future__ import annotations

import http.server
import threading

from tests.conftest import run_cli
from tests.render.builders import base, findings_of, overlay

PRIVILEGED_POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  containers:\n"
                  "    - name: shell\n      image: busybox:1.36\n"
                  "      securityContext:\n        privileged: true\n")


def test_an_exec_function_in_a_kustomization_never_runs(write, tmp_path):
    marker = tmp_path / "PWNED"
    files = {**base(), **overlay(
        "prod", "resources: [../../base]\ntransformers:\n  - fn.yaml\n",
        fn__yaml=("apiVersion: example.com/v1\nkind: Evil\nmetadata:\n  name: evil\n"
                  "  annotations:\n    config.kubernetes.io/function: |\n"
                  "      exec:\n        path: ./evil.sh\n"),
        evil__sh=f"#!/bin/sh\ntouch {marker}\ncat\n")}
    root = write(files)
    (root / "overlays/prod/evil.sh").chmod(0o755)
    run = run_cli("check", "--format", "json", ".", cwd=root)
    assert not marker.exists()
    assert run.exit_code == 1
    (finding,) = run.json()["findings"]
    assert (finding["rule"], finding["file"], finding["line"]) == (
        "render/failed", "overlays/prod/kustomization.yaml", 1)
    assert finding["message"] == (
        "kubectl kustomize v5.5.0 failed on overlays/prod (exit code 1): external plugins "
        "disabled; unable to load external plugin 'Evil'")


def test_the_load_restrictor_refuses_a_patch_outside_the_kustomization(write):
    files = {**base(), **overlay("prod", "resources: [../../base]\n"
                                         "patches:\n  - path: ../../shared/patch.yaml\n"),
             "shared/patch.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                                  "  name: web\n  namespace: monitoring\nspec:\n  replicas: 2\n"}
    run = run_cli("check", "--format", "json", ".", cwd=write(files))
    (finding,) = run.json()["findings"]
    assert (finding["rule"], finding["file"], finding["line"]) == (
        "render/failed", "overlays/prod/kustomization.yaml", 3)
    assert finding["message"].endswith(
        "security; file 'shared/patch.yaml' is not in or below 'overlays/prod'")


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        _Recorder.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(PRIVILEGED_POD.encode())

    def log_message(self, *args: object) -> None:
        pass


def test_remote_bases_are_refused_without_any_request(write):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.requests.clear()
    try:
        url = f"http://127.0.0.1:{server.server_port}/pod.yaml"
        kustomization = ("resources:\n  - ../../base\n"
                         f"  - {url}\n"
                         "  - github.com/acme/manifests//base?ref=v1.2.3\n")
        run = run_cli("check", "--format", "json", ".",
                      cwd=write({**base(), **overlay("prod", kustomization)}))
    finally:
        server.shutdown()
        server.server_close()
    assert _Recorder.requests == []
    assert [(f["rule"], f["file"], f["line"], f["message"]) for f in run.json()["findings"]] == [
        ("render/refused", "overlays/prod/kustomization.yaml", 3,
         f"remote resources entry {url!r}: a render of a change never fetches anything "
         f"(vendor it into the repository)"),
        ("render/refused", "overlays/prod/kustomization.yaml", 4,
         "remote resources entry 'github.com/acme/manifests//base?ref=v1.2.3': a render of a "
         "change never fetches anything (vendor it into the repository)")]
    assert run.exit_code == 1


def test_paths_outside_the_repository_are_refused(tmp_path):
    from tests.sources.gitrepo import Repo

    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/kustomization.yaml").write_text("resources: [pod.yaml]\n")
    (tmp_path / "outside/pod.yaml").write_text(PRIVILEGED_POD)
    repo = Repo(tmp_path / "repo")
    repo.commit({**base(), **overlay("prod", "resources:\n  - ../../base\n  - ../../../outside\n"
                                             "  - /etc/kubernetes\n")})
    run = run_cli("check", "--format", "json", ".", cwd=repo.root)
    assert [(f["rule"], f["file"], f["line"]) for f in run.json()["findings"]] == [
        ("render/refused", "overlays/prod/kustomization.yaml", 3),
        ("render/refused", "overlays/prod/kustomization.yaml", 4)]
    assert run.json()["findings"][0]["message"] == (
        "resources entry '../../../outside' leads outside the repository: refused (files "
        "outside the repository are never rendered)")


def test_a_renderer_failure_is_a_finding_and_the_rest_of_the_scan_goes_on(write):
    files = {**base(), **overlay("prod", "resources: [../../base]\npatches:\n  - path: patch.yaml\n",
                                 patch__yaml="apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                                             "  name: nothere\nspec:\n  replicas: 2\n"),
             "debug/pod.yaml": PRIVILEGED_POD}
    run = run_cli("check", "--format", "json", "--select", "pss/privileged,render", ".",
                  cwd=write(files))
    assert run.exit_code == 1
    report = run.json()
    assert findings_of(report) == [("pss/privileged", "debug/pod.yaml", 10),
                                   ("render/failed", "overlays/prod/kustomization.yaml", 1)]
    assert report["findings"][1]["message"] == (
        "kubectl kustomize v5.5.0 failed on overlays/prod (exit code 1): no resource matches "
        "strategic merge patch \"Deployment.v1.apps/nothere.[noNs]\": no matches for Id "
        "Deployment.v1.apps/nothere.[noNs]; failed to find unique target for patch "
        "Deployment.v1.apps/nothere.[noNs]")
    assert report["renders"][0]["status"] == "failed"


def _config_maps(count: int) -> str:
    return "".join(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n"
                   f"data:\n  k: v\n" for i in range(count))


def test_a_render_that_takes_too_long_is_stopped(write):
    # kustomize is quadratic in resources: 4,000 take it several seconds.
    files = {"big/kustomization.yaml": "resources: [cm.yaml]\nnamePrefix: x-\n",
             "big/cm.yaml": _config_maps(4000), "debug/pod.yaml": PRIVILEGED_POD,
             ".policygate.yaml": "limits:\n  render_timeout_seconds: 1\n"}
    run = run_cli("check", "--format", "json", "--select", "pss/privileged,render", ".",
                  cwd=write(files))
    report = run.json()
    assert findings_of(report) == [("pss/privileged", "debug/pod.yaml", 10),
                                   ("render/failed", "big/kustomization.yaml", 1)]
    assert report["findings"][0]["message"] == (
        "kubectl kustomize v5.5.0 did not finish rendering big within 1 s "
        "(limits.render_timeout_seconds)")


def test_a_render_with_too_much_output_is_stopped(write):
    files = {"big/kustomization.yaml": "resources: [cm.yaml]\n", "big/cm.yaml": _config_maps(50),
             ".policygate.yaml": "limits:\n  max_render_bytes: 1000\n"}
    report = run_cli("check", "--format", "json", ".", cwd=write(files)).json()
    assert [(f["rule"], f["file"], f["message"]) for f in report["findings"]] == [
        ("render/failed", "big/kustomization.yaml",
         "kubectl kustomize v5.5.0 output for big exceeds 1,000 bytes (limits.max_render_bytes)")]
    files[".policygate.yaml"] = "limits:\n  max_render_bytes: 100000\n"
    assert run_cli("check", "--format", "json", ".", cwd=write(files)).json()["findings"] == []
