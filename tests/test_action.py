"""The GitHub Action and the workflows we publish: actionlint, the action metadata schema,
and the options the action passes exist on `policygate pr`."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli

ROOT = Path(__file__).parents[1]
# examples/gitlab-ci*.yml are GitLab CI, validated in tests/gitlab/test_ci_example.py.
WORKFLOWS = sorted(p for p in (ROOT / "examples").glob("*.yml")
                   if not p.name.startswith("gitlab-ci")) + \
    sorted((ROOT / ".github/workflows").glob("*.yml"))
ACTIONLINT = shutil.which("actionlint", path=str(Path(sys.executable).parent))


def actionlint(*files: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    assert ACTIONLINT, "actionlint is a dev dependency (pip install -e '.[dev]')"
    return subprocess.run([ACTIONLINT, "-no-color", *map(str, files)], cwd=cwd,
                          capture_output=True, text=True)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_pass_actionlint(workflow):
    result = actionlint(workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_wrong_input_of_our_action(tmp_path):
    """Proof the check above can fail: actionlint reads ./action.yml for local uses."""
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    workflow = tmp_path / ".github/workflows/bad.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text((ROOT / ".github/workflows/policygate.yml").read_text()
                        .replace("paths: fixtures", "pathz: fixtures"))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = actionlint(workflow, cwd=tmp_path)
    assert result.returncode == 1
    assert 'input "pathz" is not defined in action "policygate"' in result.stdout


def test_action_metadata_matches_the_schema():
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                             "vendor.github-actions", str(ROOT / "action.yml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_passes_only_options_policygate_pr_has():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    script = next(step["run"] for step in action["runs"]["steps"] if step.get("id") == "gate")
    used = set(re.findall(r"(--[a-z][a-z-]+)", script))
    help_text = run_cli("pr", "--help").stdout
    assert used and all(option in help_text for option in used), used
    assert set(action["outputs"]) == {"findings", "sarif-file"}


def test_action_never_installs_from_the_pull_request():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    install = next(step for step in action["runs"]["steps"] if step.get("name") == "Install policygate")
    assert '"$ACTION_PATH[github,opa]"' in install["run"]
    assert "github.workspace" not in install["run"]
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), "inputs reach scripts through env only"
