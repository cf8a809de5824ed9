"""examples/gitlab-ci.yml and the job it includes: valid against GitLab's CI schema
(check-jsonschema's vendored copy) and hardened — the job comes from a pinned include of a
protected project, runs on merge requests, cannot fail quietly, installs a release tag from its own repository
and publishes the Code Quality report."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

EXAMPLES = Path(__file__).parents[2] / "examples"
PIPELINE, JOB = EXAMPLES / "gitlab-ci.yml", EXAMPLES / "gitlab-ci-policygate.yml"
CHECK = Path(sys.executable).parent / "check-jsonschema"


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECK), "--builtin-schema", "vendor.gitlab-ci", str(path)],
                          capture_output=True, text=True)


@pytest.mark.parametrize("path", [PIPELINE, JOB], ids=lambda p: p.name)
def test_the_examples_validate_against_gitlab_ci_schema(path):
    result = validate(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_can_fail(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(JOB.read_text().replace("allow_failure: false", "allow_failure: maybe"))
    result = validate(broken)
    assert result.returncode == 1
    assert "allow_failure" in result.stdout


def test_the_gate_definition_comes_from_a_pinned_protected_include():
    pipeline = yaml.safe_load(PIPELINE.read_text())
    assert pipeline["include"] == [{"project": "acme/ci-policies", "ref": "policygate-v1.0.0",
                                    "file": "/gitlab-ci-policygate.yml"}]
    assert "policygate" not in pipeline           # no job body in the MR-editable file
    assert "CI/CD configuration file" in " ".join(PIPELINE.read_text().replace("#", "").split())


def test_the_job_is_hardened():
    job = yaml.safe_load(JOB.read_text())["policygate"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert job["allow_failure"] is False
    assert job["script"] == ["pip install --no-cache-dir 'gitops-policygate[gitlab] @ "
                             "git+https://github.com/policygate/policygate@v0.2.0'",
                             "policygate mr"]
    assert re.fullmatch(r".* @ git\+https://\S+@v\d+\.\d+\.\d+'", job["script"][0])  # a tag
    assert job["artifacts"]["reports"] == {"codequality": "gl-code-quality-report.json"}
    assert job["artifacts"]["when"] == "always"
    assert job["variables"]["GIT_SUBMODULE_STRATEGY"] == "none"
