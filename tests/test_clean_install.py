"""A clean install on this Python, without the OPA override, works end to end on regorus,
and is the slim core.

`pip install` of the project on a Python older than 3.14 brings gordon-to-regorus (the
environment markers) and not opa-golib-python-bindings (its metadata says 3.14): the
gate must still judge Rego, name the engine in the JSON report, and say once per run, on
stderr and never in a report body, that the answer is regorus's and not OPA's.

The core is what a local or pre-commit check needs: the GitHub client and the OPA server
client are extras, and a command that needs one says how to install it (exit 2).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gatekeeper.builders import FLAG, constraint, documents, obj, template

ROOT = Path(__file__).resolve().parents[1]
POLICY = 'package main\n\ndeny contains "no owner" if not input.metadata.labels.owner\n'


@pytest.fixture(scope="module")
def core(tmp_path_factory) -> Path:
    """A virtualenv with `pip install <this checkout>`: the core, no extras."""
    venv = tmp_path_factory.mktemp("core") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(ROOT)],
                         capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr
    return venv


def test_the_core_installs_no_platform_or_server_client(core):
    listed = subprocess.run([str(core / "bin" / "pip"), "list", "--format", "freeze"],
                            capture_output=True, text=True, check=True).stdout
    names = {line.partition("==")[0].lower() for line in listed.split()}
    assert {"gitops-policygate", "pyyaml", "jsonschema", "click"} <= names
    for heavy in ("pygithub", "opa-python-client", "aiohttp", "cryptography", "pynacl",
                  "python-gitlab", "requests"):
        assert heavy not in names, heavy
    version = subprocess.run([str(core / "bin" / "policygate"), "--version"],
                             capture_output=True, text=True, check=True).stdout
    assert version.splitlines()[0] == "policygate, version 0.2.0"
    assert "rego engine server (opa-python-client not installed)" in version


@pytest.mark.parametrize(("args", "extra", "package"), [
    (["pr", "--repo", "acme/gitops", "--pr", "1"], "github", "PyGithub"),
    (["approvals", "--repo", "acme/gitops", "--pr", "1"], "github", "PyGithub"),
    (["check", "--opa-url", "http://127.0.0.1:9", "--policy", "policy", "cm.yaml"], "opa",
     "opa-python-client"),
    (["mr", "--project", "acme/gitops", "--mr", "1"], "gitlab", "python-gitlab"),
])
def test_a_command_that_needs_a_missing_extra_names_it(core, tmp_path, args, extra, package):
    work = tmp_path / "repo"
    (work / "policy").mkdir(parents=True)
    (work / "policy" / "p.rego").write_text(POLICY)
    (work / "cm.yaml").write_text(obj("v1", "ConfigMap", "a", "x"))
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    env = {**os.environ, "GITHUB_TOKEN": "t", "POLICYGATE_GITLAB_TOKEN": "t"}
    run = subprocess.run([str(core / "bin" / "policygate"), *args], cwd=work, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.endswith(f"{package} is not installed, and `policygate` needs it for "
                               f"this: pip install 'gitops-policygate[{extra}]'\n"), run.stderr
    assert run.stdout == ""


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="on 3.14 the install brings OPA")
def test_a_clean_install_runs_rego_and_gatekeeper_on_regorus_and_says_so_once(tmp_path, core):
    venv = core
    python = str(venv / "bin" / "python")
    probe = subprocess.run([python, "-c", "import importlib.util as u; print("
                            "u.find_spec('opa_bindings') is None, u.find_spec('regorus') is not None)"],
                           capture_output=True, text=True, check=True)
    assert probe.stdout.split() == ["True", "True"]
    work = tmp_path / "repo"
    (work / "policy").mkdir(parents=True)
    (work / "policy" / "p.rego").write_text(POLICY)
    (work / "gk.yaml").write_text(documents(template("K8sFlag", FLAG), constraint("K8sFlag", "f")))
    (work / "cm.yaml").write_text(obj("v1", "ConfigMap", "a", "x"))
    command = [str(venv / "bin" / "policygate"), "check", "--policy", "policy",
               "--gatekeeper", "gk.yaml", "--select", "rego,gatekeeper", "cm.yaml"]
    text = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=120)
    assert text.returncode == 1, text.stderr
    assert text.stderr == ("policygate: note: Rego runs on regorus, not OPA (opa-golib-python-"
                           "bindings is not installed): the constructs regorus reads "
                           "differently are refused or reported; `pip install "
                           "--ignore-requires-python opa-golib-python-bindings` makes OPA the "
                           "engine\n")
    assert text.stdout.startswith("cm.yaml:1:1: error [gatekeeper/K8sFlag/f] flagged ConfigMap/a\n"
                                  "cm.yaml:1:1: error [rego/main] no owner\n")
    assert "regorus" not in text.stdout
    report = subprocess.run([*command, "--format", "json"], cwd=work, capture_output=True,
                            text=True, timeout=120)
    body = json.loads(report.stdout)
    assert body["rego_engine"] == {"name": "regorus", "distribution": "gordon-to-regorus",
                                   "version": "0.13.0"}
    assert sorted(f["rule"] for f in body["findings"]) == ["gatekeeper/K8sFlag/f", "rego/main"]
    assert "not OPA" not in report.stdout
