"""Everything that defines the gate comes from the base commit in pull-request mode, and a
change to any of it is a change to the gate (issue 13, items 8, 9, 11 and 12)."""
from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli
from tests.gitlab.mr_world import world  # noqa: F401 — the `world` fixture (GitLab)
from tests.integrity.helpers import feature_repo, pod, pr_context

BAD = pod("miner", hostPID="true")        # hostPID on line 7
DENY = """package main

deny contains "hostPID is not allowed here" if input.spec.hostPID
"""
ALLOW = "package main\n"
TEMPLATE = """apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8snohostpid}
spec:
  crd:
    spec:
      names: {kind: K8sNoHostPID}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8snohostpid
        violation[{"msg": "hostPID is not allowed"}] {
          input.review.object.spec.hostPID
        }
"""
CONSTRAINT = """apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sNoHostPID
metadata: {name: no-host-pid}
spec:
  enforcementAction: ACTION
  match:
    kinds: [{apiGroups: [""], kinds: [Pod]}]
"""


def _pr(tmp_path, base_files: dict, head_files: dict):
    """main holds `base_files`; the checked-out PR head adds a hostPID pod and `head_files`."""
    repo = feature_repo(tmp_path / "repo", base_files)
    base = repo.git("rev-parse", "main").strip()
    head = repo.commit({"deploy/miner.yaml": BAD, **head_files}, "the pull request")
    files = [{"path": path, "status": "modified" if path in base_files else "added"}
             for path in ["deploy/miner.yaml", *head_files]]
    return repo, pr_context(repo, base, head, files)


def _check(repo, context: str, *args: str):
    return run_cli("check", "--format", "json", "--pr-context", context, *args, cwd=repo.root)


def _rules(run) -> list[tuple[str, str, int]]:
    assert run.exit_code in (0, 1), run.stderr
    return sorted((f["rule"], f["file"], f["line"]) for f in run.json()["findings"])


# Item 9: every policy input from the base -----------------------------------------------

def test_the_named_config_comes_from_the_base(tmp_path):
    """The class: `--config` (and the Action's `config:` input) read the working tree,
    which in a pull_request job is the PR's own version."""
    repo, context = _pr(tmp_path, {"ci/gate.yaml": "pss: {warn_level: none}\n"},
                        {"ci/gate.yaml": "pss: {warn_level: none}\nrules: {pss: off}\n"})
    run = _check(repo, context, "--config", "ci/gate.yaml", "--select", "pss,approval")
    assert _rules(run) == [("approval/policy-changed", "ci/gate.yaml", 1),
                           ("pss/host-namespaces", "deploy/miner.yaml", 7)]
    changed = next(f for f in run.json()["findings"] if f["rule"] == "approval/policy-changed")
    assert changed["message"] == (
        "this pull request changes the gate itself (ci/gate.yaml, modified; changes rules); it "
        "is still judged by the base commit's version")


@pytest.mark.parametrize("option, path", [
    ("--config", "ci/gate.yaml"), ("--policy", "policy"), ("--data", "data.json"),
    ("--gatekeeper", "gk"), ("--baseline", "baseline.json")])
def test_an_input_only_the_pull_request_has_is_an_error(tmp_path, option, path):
    contents = {"ci/gate.yaml": "rules: {pss: off}\n", "policy": ALLOW, "data.json": "{}",
                "gk": TEMPLATE, "baseline.json": '{"version": 2, "findings": []}'}
    name = f"{path}/x.rego" if path == "policy" else f"{path}/t.yaml" if path == "gk" else path
    extra = ("--policy", "policy") if option == "--data" else ()
    repo, context = _pr(tmp_path, {"README.md": "x\n", "policy/ok.rego": ALLOW} if extra
                        else {"README.md": "x\n"}, {name: contents[path]})
    run = _check(repo, context, option, path, *extra)
    base = repo.git("rev-parse", "main").strip()[:12]
    assert run.exit_code == 2
    assert run.stderr == (
        f"policygate: error: {option} {path}: exists only in the pull request, not in its base "
        f"commit {base}: a pull request cannot bring the policy that judges it — merge it "
        f"first, then it applies to the pull requests after it\n")


def test_an_input_nowhere_is_an_error(tmp_path):
    repo, context = _pr(tmp_path, {"README.md": "x\n"}, {})
    run = _check(repo, context, "--policy", "nope")
    assert (run.exit_code, run.stderr) == (2, "policygate: error: --policy nope: not found in "
                                              f"the base commit {repo.git('rev-parse', 'main')[:12]}\n")


def test_rego_policy_and_data_come_from_the_base(tmp_path):
    data = 'package main\n\ndeny contains "hostPID in a denied namespace" if {\n' \
           '  input.spec.hostPID\n  input.metadata.namespace in data.denied\n}\n'
    repo, context = _pr(tmp_path, {"policy/pods.rego": data, "data.json": '{"denied": ["shop"]}'},
                        {"policy/pods.rego": ALLOW, "data.json": '{"denied": []}'})
    run = _check(repo, context, "--policy", "policy", "--data", "data.json", "--select",
                 "rego,approval")
    assert _rules(run) == [("approval/policy-changed", "data.json", 1),
                           ("approval/policy-changed", "policy/pods.rego", 1),
                           ("rego/main", "deploy/miner.yaml", 1)]


def test_config_policy_entries_come_from_the_base_relative_to_the_config(tmp_path):
    config = "policies: {dirs: [rego]}\n"
    repo, context = _pr(tmp_path, {"ci/gate.yaml": config, "ci/rego/pods.rego": DENY},
                        {"ci/rego/pods.rego": ALLOW})
    run = _check(repo, context, "--config", "ci/gate.yaml", "--select", "rego,approval")
    assert _rules(run) == [("approval/policy-changed", "ci/rego/pods.rego", 1),
                           ("rego/main", "deploy/miner.yaml", 1)]


def test_gatekeeper_objects_come_from_the_base(tmp_path):
    repo, context = _pr(tmp_path, {"gk/template.yaml": TEMPLATE,
                                   "gk/constraint.yaml": CONSTRAINT.replace("ACTION", "deny")},
                        {"gk/constraint.yaml": CONSTRAINT.replace("ACTION", "dryrun")})
    run = _check(repo, context, "--gatekeeper", "gk", "--select", "gatekeeper,approval",
                 "deploy")
    assert [(f["rule"], f["severity"], f["file"]) for f in run.json()["findings"]] == [
        ("gatekeeper/K8sNoHostPID/no-host-pid", "error", "deploy/miner.yaml"),
        ("approval/policy-changed", "warning", "gk/constraint.yaml")]


def test_the_actions_config_input_comes_from_the_base(tmp_path, fake_github, monkeypatch):
    """`policygate pr --config` is what the Action's `config:` input runs."""
    import io

    from policygate.github.pr import PrRequest, run_pr
    from policygate.runner import CheckOptions
    from tests.github.clients import FAST

    base_config = "pss: {warn_level: none}\n"
    repo = feature_repo(tmp_path / "gitops", {"ci/gate.yaml": base_config})
    base = repo.git("rev-parse", "main").strip()
    head = repo.commit({"deploy/miner.yaml": BAD, "ci/gate.yaml": base_config + "rules: {pss: off}\n"})
    pull = fake_github.add_pull("acme/gitops", 7, author="dave", base=("main", base),
                                head=("feature", head))
    pull.add_file("deploy/miner.yaml", after=BAD)
    pull.add_file("ci/gate.yaml", before=base_config, after=base_config + "rules: {pss: off}\n")
    pull.add_commit("dave")
    event = tmp_path / "event.json"
    event.write_text('{"pull_request": {"number": 7}, "repository": {"full_name": "acme/gitops"}}')
    env = {**fake_github.env(), "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "acme/gitops",
           "GITHUB_OUTPUT": str(tmp_path / "out.txt")}
    monkeypatch.chdir(repo.root)
    request = PrRequest(check=CheckOptions(select=("pss", "approval"), config_file="ci/gate.yaml"),
                        reports=("annotations",))
    report = run_pr(request, env=env, out=io.StringIO(), say=lambda _: None,
                    client_settings=FAST)
    assert sorted((f.rule, f.file) for f in report.findings) == [
        ("approval/policy-changed", "ci/gate.yaml"), ("pss/host-namespaces", "deploy/miner.yaml")]


def test_approvals_command_reads_the_named_config_from_the_base(tmp_path):
    gate = ("approvals:\n  rules:\n    - name: two\n      requires: {count: 2}\n")
    repo, context = _pr(tmp_path, {"ci/gate.yaml": gate},
                        {"ci/gate.yaml": gate.replace("count: 2", "count: 0")})
    run = run_cli("approvals", "--pr-context", context, "--config", "ci/gate.yaml", cwd=repo.root)
    assert run.exit_code == 1
    assert run.stdout.splitlines()[2].strip().startswith("✗ two: pending — always applies; "
                                                         "needs 2 more approvals")


# Item 8: the baseline ----------------------------------------------------------------

def test_the_baseline_comes_from_the_base_and_is_a_gate_file(tmp_path):
    empty = json.dumps({"version": 2, "findings": []})
    repo = feature_repo(tmp_path / "repo", {"baseline.json": empty, "README.md": "x\n"})
    base = repo.git("rev-parse", "main").strip()
    repo.write({"deploy/miner.yaml": BAD})
    # The PR regenerates the baseline so that it covers its own violation.
    written = run_cli("check", "--select", "pss", "--write-baseline", "baseline.json", "deploy",
                      cwd=repo.root)
    assert written.exit_code == 0
    head = repo.commit(message="regenerate the baseline")
    files = [{"path": "deploy/miner.yaml", "status": "added"},
             {"path": "baseline.json", "status": "modified"}]
    run = _check(repo, pr_context(repo, base, head, files), "--baseline", "baseline.json",
                 "--select", "pss,approval", "--pss-warn-level", "none")
    assert _rules(run) == [("approval/policy-changed", "baseline.json", 1),
                           ("pss/host-namespaces", "deploy/miner.yaml", 7)]
    # The negative case: outside PR mode the working tree's baseline applies.
    assert json.loads(run_cli("check", "--format", "json", "--select", "pss", "--pss-warn-level",
                              "none", "--baseline", "baseline.json", "deploy",
                              cwd=repo.root).stdout)["findings"] == []


# Items 11 and 12: which files are the gate's own ------------------------------------------

APPROVAL_GATE = """\
approvals:
  if_no_rule_applies: pass
  rules:
    - name: gate-change
      if: {policy_changed: true}
      requires: {count: 1, teams: [acme/security]}
  teams: {acme/security: [sam]}
"""


def _gate_change(tmp_path, config_extra: str, base_files: dict, changed: dict):
    repo = feature_repo(tmp_path / "repo", {".policygate.yaml": APPROVAL_GATE + config_extra,
                                            **base_files})
    base = repo.git("rev-parse", "main").strip()
    head = repo.commit(changed, "change")
    files = [{"path": path, "status": "modified" if path in base_files else "added"}
             for path in changed]
    run = run_cli("approvals", "--pr-context", pr_context(repo, base, head, files), cwd=repo.root)
    return run.exit_code, [line for line in run.stdout.splitlines() if "policy-changed" in line]


@pytest.mark.parametrize("form, changed", [
    ("./policy", "policy/team.rego"), ("policy/", "policy/team.rego"),
    ("policies//team", "policies/team/a.rego"), ("x/../policy", "policy/team.rego"),
    ("./policy/./", "policy/team.rego")])
def test_configured_policy_paths_are_normalised(tmp_path, form, changed):
    extra = f"policies:\n  dirs: ['{form}']\n"
    code, lines = _gate_change(tmp_path, extra, {changed: ALLOW}, {changed: DENY})
    assert (code, lines) == (1, [
        f"{changed}:1: warning [approval/policy-changed] this pull request changes the gate "
        f"itself ({changed}, modified); it is still judged by the base commit's version"])


@pytest.mark.parametrize("key", ["data", "gatekeeper"])
def test_data_and_gatekeeper_paths_are_normalised(tmp_path, key):
    extra = ("policies:\n  data: ['./data//ref.json']\n" if key == "data"
             else "gatekeeper:\n  dirs: ['gk/']\n")
    changed = "data/ref.json" if key == "data" else "gk/t.yaml"
    code, lines = _gate_change(tmp_path, extra, {changed: "{}"}, {changed: '{"a": 1}'})
    assert code == 1 and len(lines) == 1 and lines[0].startswith(f"{changed}:1: warning")


def test_gate_files_globs_are_normalised(tmp_path):
    code, lines = _gate_change(tmp_path, "  gate_files: ['./ci//**']\n", {"ci/deploy.sh": "a\n"},
                               {"ci/deploy.sh": "b\n"})
    assert (code, len(lines)) == (1, 1) and lines[0].startswith("ci/deploy.sh:1: warning")


@pytest.mark.parametrize("path", [".github/workflows/gate.yml", ".pre-commit-config.yaml",
                                  "action.yml", ".github/actions/setup/action.yaml"])
def test_the_workflow_and_hook_definitions_are_gate_files(tmp_path, path):
    """The class: a same-repository PR editing the job behind the required check
    (`fail-on: never`), the hook pin, or the local action the workflow runs."""
    code, lines = _gate_change(tmp_path, "", {path: "name: gate\n"},
                               {path: "name: gate\n# fail-on: never\n"})
    assert (code, lines) == (1, [
        f"{path}:1: warning [approval/policy-changed] this pull request changes the gate "
        f"itself ({path}, modified); it is still judged by the base commit's version"])


def test_an_ordinary_change_is_not_a_gate_change(tmp_path):
    code, lines = _gate_change(tmp_path, "", {"deploy/web.yaml": "a: 1\n"},
                               {"deploy/web.yaml": "a: 2\n"})
    assert (code, lines) == (0, [])


def test_gitlabs_named_config_comes_from_the_target_commit(world):
    """`policygate mr --config`: the same class on GitLab (the world: a feature branch
    that makes a pod privileged, tests/gitlab/mr_world.py)."""
    import io

    from policygate.gitlab.mr import MrRequest, run_mr
    from policygate.runner import CheckOptions
    from tests.gitlab.mr_world import FAST

    gate = "pss: {warn_level: none}\n"
    world.repo.git("checkout", "-q", "main")
    world.repo.commit({"ci/gate.yaml": gate}, "named config")
    world.repo.git("checkout", "-q", "feature")
    world.repo.git("merge", "-q", "--no-edit", "main")
    world.mr.base_sha = world.mr.start_sha = world.repo.git("rev-parse", "main").strip()
    world.env["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = world.mr.base_sha
    world.push({"ci/gate.yaml": gate + "rules: {pss: off}\n"}, "turn the rules off")
    request = MrRequest(check=CheckOptions(select=("pss", "approval"), config_file="ci/gate.yaml"),
                        reports=("text",), codequality_file=str(world.tmp / "cq.json"))
    report = run_mr(request, env=world.env, out=io.StringIO(), say=lambda _: None,
                    client_settings=FAST)
    assert sorted((f.rule, f.file) for f in report.findings) == [
        ("approval/policy-changed", "ci/gate.yaml"), ("pss/privileged", "deploy/web.yaml")]
