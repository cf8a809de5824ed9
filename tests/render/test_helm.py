"""Helm charts: rendered with the real helm when it is installed (.ci/install-helm), never
parsed as YAML, never silently fine without helm; `helm template | policygate check -`."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.sources.gitrepo import Repo

PROJECT = Path(__file__).parents[2]
DATA = Path(__file__).parent / "data"
CAPTURED = (DATA / "web-prod.rendered.yaml").read_bytes()


def chart_files(prefix: str = "charts/web") -> dict[str, str]:
    source = DATA / "charts/web"
    return {f"{prefix}/{p.relative_to(source).as_posix()}": p.read_text()
            for p in sorted(source.rglob("*")) if p.is_file()}


def _helm_binary() -> str | None:
    local = PROJECT / ".tools/bin/helm"
    return str(local) if local.is_file() else shutil.which("helm")


@pytest.fixture
def with_helm(monkeypatch) -> str:
    binary = _helm_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("helm is missing: .ci/install-helm installs it")
        pytest.skip("helm is not installed: run `bash .ci/install-helm`")
    monkeypatch.setenv("PATH", f"{Path(binary).parent}{os.pathsep}{os.environ['PATH']}")
    return binary


@pytest.fixture
def without_helm(monkeypatch) -> None:
    kept = [d for d in os.environ["PATH"].split(os.pathsep)
            if not (Path(d) / "helm").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(kept))
    assert shutil.which("helm") is None


def _found(run) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["file"], f["line"]) for f in run.json()["findings"]]


UNAVAILABLE = ("helm is not installed: chart charts/web is not checked; install helm "
               "(https://helm.sh/docs/intro/install/), or render the chart yourself and pipe "
               "it in: helm template charts/web | policygate check -")


# -- streams ------------------------------------------------------------------------------

def test_captured_helm_output_piped_in_is_placed_on_the_template_lines(write):
    root = write(chart_files())
    run = _stdin_run(root, CAPTURED)
    assert run.returncode == 1, run.stderr
    assert run.stdout.splitlines()[:2] == [
        "charts/web/templates/deployment.yaml:12:7: error [pss/host-namespaces] pod shares the "
        "host's process (PID) namespace (hostPID=true): remove the field or set it to false",
        "charts/web/templates/deployment.yaml:19:11: error [pss/privileged] container \"web\" "
        "runs privileged (securityContext.privileged=true): remove the field or set it to false"]


def _stdin_run(root: Path, content: bytes, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "policygate", "check", *args, "-"],
                          cwd=root, input=content.decode(), capture_output=True, text=True,
                          timeout=120)


def test_a_stream_whose_chart_is_not_here_is_reported_on_its_own_lines(write):
    root = write({"README.md": "no chart here\n"})
    run = _stdin_run(root, CAPTURED, "--format", "json", "--stdin-filename", "rendered/web.yaml")
    import json

    report = json.loads(run.stdout)
    assert [(f["rule"], f["file"], f["line"]) for f in report["findings"]] == [
        ("pss/host-namespaces", "rendered/web.yaml", 23),
        ("pss/privileged", "rendered/web.yaml", 35)]


def test_stdin_filename_is_matched_by_config_patterns(write):
    root = write({".policygate.yaml": "exceptions:\n  - rules: [pss]\n"
                                      "    files: [\"rendered/**\"]\n    reason: staging only\n"})
    named = _stdin_run(root, CAPTURED, "--stdin-filename", "rendered/web.yaml")
    assert named.returncode == 0, named.stdout
    plain = _stdin_run(root, CAPTURED)
    assert plain.returncode == 1
    assert plain.stdout.startswith("<stdin>:23:7: error [pss/host-namespaces]")


def test_a_compliant_stream_passes(write):
    root = write(chart_files())
    compliant = CAPTURED.replace(b"hostPID: true", b"hostPID: false").replace(
        b"            privileged: true\n", b"")
    run = _stdin_run(root, compliant)
    assert (run.returncode, run.stdout) == (0, "")


def test_a_fifo_is_read_as_a_stream_and_a_socket_is_refused(tmp_path):
    import socket

    fifo = tmp_path / "rendered.yaml"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"cat > {fifo}"], stdin=subprocess.PIPE)
    reader = subprocess.Popen([sys.executable, "-m", "policygate", "check", str(fifo)],
                              cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    writer.communicate(CAPTURED, timeout=60)
    out, _ = reader.communicate(timeout=120)
    assert reader.returncode == 1
    assert out.startswith(f"{fifo}:23:7: error [pss/host-namespaces]")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock.yaml"))
    try:
        refused = run_cli("check", str(tmp_path / "sock.yaml"), cwd=tmp_path)
    finally:
        server.close()
    assert refused.exit_code == 2
    assert refused.stderr == (f"policygate: error: {tmp_path}/sock.yaml: not a regular file, "
                              f"directory or stream: nothing to read\n")


def test_dev_stdin_is_read_as_a_stream(tmp_path):
    run = subprocess.run([sys.executable, "-m", "policygate", "check", "/dev/stdin"],
                         cwd=tmp_path, input=CAPTURED.decode(), capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith("/dev/stdin:23:7: error [pss/host-namespaces]")


# -- without helm -------------------------------------------------------------------------

def test_without_helm_a_chart_is_an_error_not_a_pass(write, without_helm):
    run = run_cli("check", "--format", "json", ".", cwd=write(chart_files()))
    assert run.exit_code == 1
    assert [(f["rule"], f["severity"], f["file"], f["line"], f["message"])
            for f in run.json()["findings"]] == [
        ("render/unavailable", "error", "charts/web/Chart.yaml", 1, UNAVAILABLE)]


def test_the_severity_of_a_missing_helm_comes_from_the_config(write, without_helm):
    files = {**chart_files(), ".policygate.yaml": "rules:\n  render/unavailable: warning\n"}
    run = run_cli("check", "--format", "json", ".", cwd=write(files))
    assert run.exit_code == 0
    assert [(f["rule"], f["severity"]) for f in run.json()["findings"]] == [
        ("render/unavailable", "warning")]


# -- with the real helm -------------------------------------------------------------------

def test_a_values_file_that_makes_a_container_privileged_is_reported_on_its_line(
        write, with_helm):
    values = chart_files()["charts/web/values.yaml"].replace(
        "  allowPrivilegeEscalation: false\n",
        "  allowPrivilegeEscalation: false\n  privileged: true\n")
    run = run_cli("check", "--format", "json", ".",
                  cwd=write({**chart_files(), "charts/web/values.yaml": values}))
    assert run.exit_code == 1, run.stdout
    assert _found(run) == [("pss/privileged", "charts/web/values.yaml", 7)]
    (render,) = run.json()["renders"]
    assert (render["engine"], render["renderer"], render["version"]) == ("helm", "helm",
                                                                       "v3.17.2")


def test_the_default_values_pass(write, with_helm):
    run = run_cli("check", "--format", "json", ".", cwd=write(chart_files()))
    assert run.exit_code == 0, run.stdout
    assert run.json()["findings"] == []


def test_configured_values_files_are_used_and_blamed(write, with_helm):
    files = {**chart_files(), ".policygate.yaml": (
        "render:\n  helm:\n    charts:\n      - path: charts/web\n"
        "        values: [charts/web/values-prod.yaml]\n")}
    run = run_cli("check", "--format", "json", ".", cwd=write(files))
    assert _found(run) == [("pss/host-namespaces", "charts/web/values-prod.yaml", 1),
                           ("pss/privileged", "charts/web/values-prod.yaml", 3)]


HELM_RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: shop
spec:
  chart:
    spec:
      chart: ./charts/web
      sourceRef:
        kind: GitRepository
        name: gitops
  values:
    hostPID: true
"""


def test_a_helm_release_renders_the_chart_with_its_values(tmp_path, with_helm):
    repo = Repo(tmp_path / "repo")
    repo.commit({**chart_files(), "clusters/web.yaml": HELM_RELEASE})
    run = run_cli("check", "--format", "json", ".", cwd=repo.root)
    assert run.exit_code == 1
    assert _found(run) == [("pss/host-namespaces", "clusters/web.yaml", 14)]
    assert run.json()["findings"][0]["resource"]["namespace"] == "shop"
    assert run.json()["renders"][0]["led_by"] == [
        {"kind": "HelmRelease", "name": "shop/web", "file": "clusters/web.yaml", "line": 1}]


def test_a_missing_dependency_is_a_render_failure_never_a_download(write, with_helm):
    chart = chart_files()
    chart["charts/web/Chart.yaml"] += ("dependencies:\n  - name: redis\n    version: 19.0.0\n"
                                       "    repository: https://charts.example.com\n")
    run = run_cli("check", "--format", "json", ".", cwd=write(chart))
    (finding,) = run.json()["findings"]
    assert (finding["rule"], finding["file"]) == ("render/failed", "charts/web/Chart.yaml")
    assert finding["message"] == (
        "helm v3.17.2 failed on charts/web (exit code 1): An error occurred while checking for "
        "chart dependencies. You may need to run `helm dependency build` to fetch missing "
        "dependencies: found in Chart.yaml, but missing in charts/ directory: redis "
        "(dependencies are never downloaded during a check: run `helm dependency build` and "
        "commit the charts/ directory)")


# -- one chart file, one answer -------------------------------------------------------------

TEMPLATE = "charts/web/templates/deployment.yaml"


def _privileged_chart() -> dict[str, str]:
    chart = chart_files()
    chart[TEMPLATE] = chart[TEMPLATE].replace("      hostPID: {{ .Values.hostPID }}\n",
                                              "      hostPID: true\n")
    return chart


@pytest.mark.parametrize("helm", ["with_helm", "without_helm"])
def test_check_dir_file_staged_and_pre_commit_give_one_answer_for_a_template(
        tmp_path, request, helm, hook_repository):
    request.getfixturevalue(helm)
    repo = Repo(tmp_path / "repo")
    repo.commit({"README.md": "charts\n"})
    repo.write(_privileged_chart())
    repo.git("add", "-A")
    if helm == "with_helm":
        expected = f"{TEMPLATE}:12:7: error [pss/host-namespaces]"
    else:
        expected = "charts/web/Chart.yaml:1:1: error [render/unavailable]"
    answers = {
        "check DIR": run_cli("check", ".", cwd=repo.root),
        "check FILE": run_cli("check", TEMPLATE, cwd=repo.root),
        "check --staged": run_cli("check", "--staged", cwd=repo.root),
        "check --staged FILE": run_cli("check", "--staged", TEMPLATE, cwd=repo.root)}
    for mode, run in answers.items():
        assert run.exit_code == 1, (mode, run.stdout, run.stderr)
        assert [line for line in run.stdout.splitlines() if "error [" in line] == [
            line for line in answers["check DIR"].stdout.splitlines() if "error [" in line], mode
        assert run.stdout.startswith(expected), (mode, run.stdout)
    repo.git("commit", "-q", "-m", "chart")
    hook = hook_repository.run(repo.root, "policygate", "--all-files")
    assert hook.returncode == 1, hook.stdout + hook.stderr
    assert expected in hook.stdout
    assert "parse/invalid-yaml" not in hook.stdout


def test_a_helm_release_values_from_a_generated_config_map_are_blamed_on_the_file(
        tmp_path, with_helm):
    release = HELM_RELEASE.replace("  values:\n    hostPID: true\n",
                                   "  valuesFrom:\n    - kind: ConfigMap\n      name: web-values\n")
    repo = Repo(tmp_path / "repo")
    repo.commit({**chart_files(), "clusters/web.yaml": release,
                 "clusters/kustomization.yaml": ("resources: [web.yaml]\nconfigMapGenerator:\n"
                                                 "  - name: web-values\n"
                                                 "    files: [values.yaml=web-values.yaml]\n"),
                 "clusters/web-values.yaml": "securityContext:\n  privileged: true\n"})
    run = run_cli("check", "--format", "json", ".", cwd=repo.root)
    assert run.exit_code == 1, run.stdout
    assert _found(run) == [("pss/privileged", "clusters/web-values.yaml", 2)]


def test_a_chart_yaml_next_to_manifests_does_not_hide_them(write, with_helm):
    # Bypass attempt: templates/ used to be skipped whenever a Chart.yaml sat beside it.
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  containers:\n"
           "    - name: shell\n      image: busybox:1.36\n"
           "      securityContext:\n        privileged: true\n")
    root = write({"deploy/Chart.yaml": "apiVersion: v2\nname: deploy\nversion: 0.1.0\n",
                  "deploy/templates/debug.yaml": pod})
    run = run_cli("check", "--format", "json", "--select", "pss/privileged", ".", cwd=root)
    assert _found(run) == [("pss/privileged", "deploy/templates/debug.yaml", 10)]
