"""Nothing the gate prints becomes a GitHub Actions workflow command (issue 13, item 13).

The runner splits output at LF, CR and CRLF, trims leading whitespace and takes a line
starting with `::` as a command; `##[command]` counts anywhere in a line. The only
commands in the output may be the gate's own annotations (`--format github`)."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree

import pytest

from tests.conftest import run_cli
from tests.integrity.helpers import feature_repo, pod, pr_context

HOSTILE = {
    "::stop-commands::tok.yaml": pod("a", hostPID="true"),
    "deploy/x##[add-mask]secret.yaml": pod("b", hostPID="true"),
    "deploy/\u2028  ::warning::fake.yaml": pod("c", hostPID="true"),
}
OWN = re.compile(r"::(error|warning|notice) file=")


def runner_lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)


def assert_no_commands(text: str, own: bool = False) -> None:
    for line in runner_lines(text):
        if own and OWN.match(line):
            continue
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line


@pytest.fixture
def repo(tmp_path):
    repo = feature_repo(tmp_path / "repo", {"README.md": "x\n"})
    repo.commit(HOSTILE, "hostile names")
    return repo


@pytest.mark.parametrize("format_name", ["text", "json", "sarif", "junit", "github"])
def test_no_format_prints_a_workflow_command(repo, format_name):
    """The class: anything from a pull request (file names, messages) at the start of an
    output line, or `##[` anywhere in one."""
    for args in (("--diff", "main"), (".",)):
        run = run_cli("check", "--select", "pss/host-namespaces", "--format", format_name, *args,
                      cwd=repo.root)
        assert run.exit_code == 1, run.stderr
        assert_no_commands(run.stdout, own=format_name == "github")
        assert_no_commands(run.stderr)
    if format_name == "github":
        # The gate's own annotations are still there, one per finding.
        assert len([line for line in run.stdout.splitlines() if OWN.match(line)]) == 3


def test_the_text_report_shows_the_escaped_name(repo):
    run = run_cli("check", "--select", "pss/host-namespaces", "--diff", "main", cwd=repo.root)
    lines = run.stdout.splitlines()
    assert lines[0].startswith("\\x3a:stop-commands::tok.yaml:7:3: error [pss/host-namespaces]")
    assert any(line.startswith("deploy/x#\\x23[add-mask]secret.yaml:7:3: error")
               for line in lines)


def test_machine_formats_parse_back_to_the_real_names(repo):
    names = sorted(HOSTILE)
    as_json = run_cli("check", "--select", "pss/host-namespaces", "--format", "json", ".",
                      cwd=repo.root)
    assert sorted(f["file"] for f in json.loads(as_json.stdout)["findings"]) == names
    sarif = run_cli("check", "--select", "pss/host-namespaces", "--format", "sarif", ".",
                    cwd=repo.root)
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  for r in json.loads(sarif.stdout)["runs"][0]["results"])
    assert [u for u in uris if "stop-commands" in u] == ["::stop-commands::tok.yaml"]
    junit = run_cli("check", "--select", "pss/host-namespaces", "--format", "junit", ".",
                    cwd=repo.root)
    suites = sorted(s.get("name") for s in ElementTree.fromstring(junit.stdout).iter("testsuite"))
    assert suites == names


@pytest.mark.parametrize("args, message", [
    (("explain", "##[add-mask]x"),
     "policygate: error: unknown rule '#\\x23[add-mask]x' (see `policygate rules`)"),
    (("check", "--select", "::stop-commands::x"),
     "policygate: error: unknown rule or family '::stop-commands::x' (see `policygate rules`)"),
    (("check", "--format", "##[add-mask]x"),
     "Error: Invalid value for '--format': '#\\x23[add-mask]x' is not one of 'text', 'json', "
     "'sarif', 'junit', 'github', 'gitlab-codequality'."),
    (("check", "--diff", "::add-mask::x"),
     "policygate: error: base '::add-mask::x' is not a commit in this repository: fetch it "
     "with `git fetch origin ::add-mask::x`, or check the name"),
])
def test_errors_explain_and_usage_messages_are_guarded(repo, args, message):
    """The hostile value is named in the error (escaped where it would start the line), so
    it starts no workflow command."""
    run = run_cli(*args, cwd=repo.root)
    assert run.exit_code == 2
    assert_no_commands(run.stdout + run.stderr)
    assert run.stderr.splitlines()[-1] == message


def test_approvals_output_is_guarded(repo):
    gate = ("approvals:\n  gate_files: ['**/*.rego']\n  rules:\n"
            "    - name: any\n      requires: {count: 1}\n")
    repo.commit({".policygate.yaml": gate}, "gate")
    repo.git("checkout", "-q", "-B", "main")
    repo.git("checkout", "-q", "-b", "pr")
    head = repo.commit({"::stop-commands::p.rego": "package x\n",
                        "x##[add-mask]y.yaml": "a: 1\n"}, "pr")
    base = repo.git("rev-parse", "main").strip()
    context = pr_context(repo, base, head, [
        {"path": "::stop-commands::p.rego", "status": "added"},
        {"path": "x##[add-mask]y.yaml", "status": "added"}])
    for format_name in ("text", "json"):
        run = run_cli("approvals", "--pr-context", context, "--format", format_name,
                      cwd=repo.root)
        assert run.exit_code == 1
        assert_no_commands(run.stdout + run.stderr)
    assert "\\x3a:stop-commands::p.rego:1: warning [approval/policy-changed]" in run_cli(
        "approvals", "--pr-context", context, cwd=repo.root).stdout


def test_pull_request_mode_prints_only_its_own_commands(tmp_path, fake_github, monkeypatch):
    from tests.github.pr_world import run

    repo = feature_repo(tmp_path / "gitops", {"README.md": "x\n"})
    base = repo.git("rev-parse", "main").strip()
    head = repo.commit(HOSTILE, "hostile")
    pull = fake_github.add_pull("acme/gitops", 7, author="dave", base=("main", base),
                                head=("feature", head))
    for name, text in HOSTILE.items():
        pull.add_file(name, after=text)
    pull.add_commit("dave")
    event = tmp_path / "event.json"
    event.write_text('{"pull_request": {"number": 7}, "repository": {"full_name": "acme/gitops"}}')
    summary = tmp_path / "summary.md"
    env = {**fake_github.env(), "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "acme/gitops",
           "GITHUB_OUTPUT": str(tmp_path / "out.txt"), "GITHUB_STEP_SUMMARY": str(summary)}
    monkeypatch.chdir(repo.root)
    report, stdout, said = run(env, reports=("annotations", "summary"))
    assert len(report.findings) > 3
    # Five findings in each of the three hostile file names, each on its own line.
    per_file = [("pss/host-namespaces", 7), ("pss/privilege-escalation", 9),
                ("pss/restricted-capabilities", 9), ("pss/run-as-non-root", 9),
                ("pss/seccomp-required", 9)]
    assert [(f.file, f.rule, f.location.line) for f in report.findings] == [
        (name, rule, line) for name in ("::stop-commands::tok.yaml",
                                        "deploy/x##[add-mask]secret.yaml",
                                        "deploy/\u2028  ::warning::fake.yaml")
        for rule, line in per_file]
    assert_no_commands(stdout, own=True)
    assert_no_commands("\n".join(said))
    assert_no_commands(summary.read_text())
