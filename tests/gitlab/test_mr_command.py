"""`policygate mr` end to end: a real git clone, python-gitlab against the local GitLab API,
a real Code Quality file validated against GitLab's format."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest

from policygate.gitlab.mr import MrError, MrRequest, Target, target
from policygate.model import Severity
from policygate.runner import CheckOptions
from tests.conftest import run_cli
from tests.gitlab.mr_world import BAD, CLEAN, GATE, run

CODEQUALITY = json.loads((Path(__file__).parents[1] / "data/gitlab-codequality.schema.json")
                         .read_text())
PRIVILEGED_MARKER = "🔴 error · `pss/privileged`"


def discussion_on(mr, rule: str):
    [found] = [d for d in mr.diff_discussions() if f"`{rule}`" in d.notes[0].body]
    return found


def test_an_mr_with_violations_gets_discussions_note_status_and_code_quality(world,
                                                                            fake_gitlab):
    report, out, said = run(world)
    assert [(f.rule, f.file, f.location.line) for f in report.findings
            if f.severity == Severity.ERROR and f.file == "deploy/web.yaml"] == [
        ("pss/privileged", "deploy/web.yaml", 9)]
    # A discussion on the exact changed line: GitLab's position with the MR's diff SHAs.
    privileged = discussion_on(world.mr, "pss/privileged")
    assert privileged.notes[0].position == {
        "base_sha": world.mr.base_sha, "start_sha": world.mr.start_sha,
        "head_sha": world.head, "old_path": "deploy/web.yaml", "new_path": "deploy/web.yaml",
        "position_type": "text", "new_line": 9, "old_line": None}
    assert privileged.notes[0].author == "policygate-bot"
    assert "```suggestion\n        privileged: false\n```" in privileged.notes[0].body
    # A finding on an unchanged line of the hunk carries its old line too (GitLab needs it).
    escalation = discussion_on(world.mr, "pss/privilege-escalation")
    assert (escalation.notes[0].position["new_line"],
            escalation.notes[0].position["old_line"]) == (8, 8)
    assert len(world.mr.diff_discussions()) == 5
    # One summary note, listing what has no discussion of its own.
    [note] = [d.notes[0] for d in world.mr.discussions if d.individual_note]
    assert note.body.startswith("<!-- policygate:summary policygate -->\n## policygate\n")
    assert ("5 findings discussed on the diff, 1 only listed here (1 about the merge request "
            "as a whole).") in note.body
    # The commit status on the head, in the running pipeline, pointing at the job.
    [status] = world.project.statuses
    assert (status.sha, status.name, status.status, status.target_url, status.pipeline_id,
            status.ref) == (world.head, "policygate", "failed", world.env["CI_JOB_URL"], 9001,
                            "feature")
    assert status.description == "policygate: 2 errors, 4 warnings — fails on error"
    # The job log gets the text report; the Code Quality file validates.
    assert "deploy/web.yaml:9:9: error [pss/privileged]" in out
    quality = json.loads((world.tmp / "gl-code-quality-report.json").read_text())
    jsonschema.validate(quality, CODEQUALITY)
    assert [(i["check_name"], i["location"]) for i in quality if i["severity"] == "critical"] \
        == [("approval/missing", {"path": ".policygate.yaml", "lines": {"begin": 3}}),
            ("pss/privileged", {"path": "deploy/web.yaml", "lines": {"begin": 9}})]
    assert said[:3] == ["policygate: discussions: 5 new line discussions",
                        "policygate: summary note: posted",
                        "policygate: commit status policygate: failed"]


def test_a_compliant_mr_passes_with_a_green_status_and_no_discussions(world, fake_gitlab):
    world.push({"deploy/web.yaml": CLEAN + "# reviewed\n"})
    world.mr.approve("alice", approved_at="2026-11-20T11:30:00.000Z")   # after the push
    report, out, said = run(world)
    assert report.findings == []
    assert [(s.status, s.description) for s in world.project.statuses] == [
        ("success", "policygate: no findings")]
    assert world.mr.diff_discussions() == []
    assert said == ["policygate: discussions: nothing new to post",
                    "policygate: summary note: posted",
                    "policygate: commit status policygate: success"]
    # The same MR before the approval came after the push: the approval is of an older
    # commit and does not count (GitLab says when it was given; the versions say when the
    # head was pushed).
    world.mr.approved_by = [("alice", "2026-11-20T10:30:00.000Z")]
    stale, _, _ = run(world, reports=("text",))
    assert [f.rule for f in stale.findings] == ["approval/missing"]
    assert "alice: approved an older commit" in stale.findings[0].message


def test_a_rerun_changes_nothing(world, fake_gitlab):
    run(world)
    fake_gitlab.clear_log()
    run(world)
    assert fake_gitlab.writes() == []
    assert [r.endpoint for r in fake_gitlab.calls()] == [
        "mrs.get", "mrs.diffs", "mrs.commits", "mrs.approvals", "mrs.approval_state", "user",
        "discussions.list", "statuses.list"]


def test_a_fixed_finding_is_resolved_and_a_replied_one_left_alone(world, fake_gitlab):
    run(world)
    privileged = discussion_on(world.mr, "pss/privileged")
    seccomp = discussion_on(world.mr, "pss/seccomp-required")
    seccomp.notes.append(type(seccomp.notes[0])(1, "carol", "we need this, see ticket", "now"))
    fixed = BAD.replace("privileged: true", "privileged: false\n"
                        "        seccompProfile: {type: RuntimeDefault}")
    world.push({"deploy/web.yaml": fixed}, "fix")
    fake_gitlab.clear_log()
    report, _, said = run(world)
    assert "pss/privileged" not in [f.rule for f in report.findings]
    assert privileged.notes[0].resolved is True
    assert privileged.notes[0].body.startswith(
        "<!-- policygate:finding policygate ") and " resolved -->\n✅ **Resolved:**" in \
        privileged.notes[0].body
    assert seccomp.notes[0].resolved is False              # a person replied: left alone
    assert [r.endpoint for r in fake_gitlab.writes()] == [
        "discussions.edit_note", "discussions.resolve", "notes.update", "statuses.create"]
    assert "resolved" in said[0] and "left alone (replied to)" in said[0]
    fake_gitlab.clear_log()
    run(world)                                             # and that is stable too
    assert fake_gitlab.writes() == []


def test_an_mr_that_drops_a_rule_is_still_judged_by_the_target(world, fake_gitlab):
    weakened = GATE + "rules:\n  pss/privileged: off\n"
    world.push({".policygate.yaml": weakened}, "weaken")
    report, out, _ = run(world, reports=("text",))
    rules = [f.rule for f in report.findings]
    assert "pss/privileged" in rules
    [changed] = [f for f in report.findings if f.rule == "approval/policy-changed"]
    assert (changed.file, changed.severity) == (".policygate.yaml", Severity.WARNING)
    assert "it is still judged by the base commit's version" in changed.message
    assert "changes rules" in changed.message


def test_merged_results_pipeline_judges_the_mr_head(world, fake_gitlab):
    """CI_COMMIT_SHA is a merge commit there: the MR's head is the source branch's SHA."""
    head = world.head
    world.repo.git("checkout", "-q", "main")
    world.repo.git("merge", "-q", "--no-ff", "-m", "merged result", "feature")
    merge = world.repo.git("rev-parse", "HEAD").strip()
    world.env.update(CI_MERGE_REQUEST_EVENT_TYPE="merged_result", CI_COMMIT_SHA=merge,
                     CI_MERGE_REQUEST_SOURCE_BRANCH_SHA=head,
                     CI_MERGE_REQUEST_TARGET_BRANCH_SHA=world.mr.start_sha)
    report, _, _ = run(world)
    assert [f.location.line for f in report.findings if f.rule == "pss/privileged"] == [9]
    assert [s.sha for s in world.project.statuses] == [head]
    assert discussion_on(world.mr, "pss/privileged").notes[0].position["head_sha"] == head


def test_project_and_mr_outside_ci(world, fake_gitlab):
    for name in [k for k in world.env if k.startswith(("CI_MERGE", "CI_COMMIT", "GITLAB_CI"))]:
        del world.env[name]
    report, _, _ = run(world, project="acme/infra/gitops", iid=7, reports=("text",))
    assert "pss/privileged" in [f.rule for f in report.findings]
    assert fake_gitlab.calls("mrs.get")[0].path == "/projects/acme/infra/gitops/merge_requests/7"


def test_target_from_ci_variables_and_errors():
    request = MrRequest(check=CheckOptions())
    detached = {"CI_MERGE_REQUEST_IID": "7", "CI_MERGE_REQUEST_PROJECT_ID": "42",
                "CI_COMMIT_SHA": "a" * 40, "CI_MERGE_REQUEST_EVENT_TYPE": "detached",
                "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": ""}
    assert target(request, detached) == Target("42", 7, "a" * 40, None)
    merged = {**detached, "CI_MERGE_REQUEST_EVENT_TYPE": "merged_result",
              "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": "b" * 40,
              "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": "c" * 40}
    assert target(request, merged) == Target("42", 7, "b" * 40, "c" * 40)
    with pytest.raises(MrError, match=r"not a merge request pipeline: add `rules: - if: "
                                      r"\$CI_PIPELINE_SOURCE == \"merge_request_event\"`"):
        target(request, {"GITLAB_CI": "true"})
    with pytest.raises(MrError, match="outside GitLab CI.*pass --project PATH-OR-ID --mr IID"):
        target(request, {})


def test_fork_mr_is_judged_with_the_target_config_and_falls_back_in_one_line(world,
                                                                           fake_gitlab):
    fork = fake_gitlab.add_project("dave/gitops", project_id=77)
    world.mr.source_project_id = fork.id
    fake_gitlab.add_token("glpat-fork", "dave-fork-bot", read_only=True)
    world.env.update(POLICYGATE_GITLAB_TOKEN="glpat-fork", CI_PROJECT_ID="77")
    report, out, said = run(world)
    assert report.blocks(Severity.ERROR)                    # the verdict is unchanged
    fallback = [line for line in said if "could not publish" in line]
    assert fallback == [
        "policygate: could not publish the discussions, summary note and commit status to "
        "the merge request — opening a discussion on deploy/web.yaml:9: GitLab refused (403 "
        "Forbidden) — the token is not allowed to do this (a merge request from a fork, or a "
        "token without the api scope or role) (a merge request from a fork runs with a token "
        "that may not write to the target project); the findings are in the job log and the "
        "Code Quality report instead, the verdict is unchanged"]
    assert "deploy/web.yaml:9:9: error [pss/privileged]" in out
    assert json.loads((world.tmp / "gl-code-quality-report.json").read_text())
    assert world.mr.discussions == [] and world.project.statuses == []
    assert fake_gitlab.calls("statuses.create")[0].json.get("pipeline_id") is None


def test_a_pipeline_for_an_older_head_leaves_discussions_to_the_newer_one(world, fake_gitlab):
    old_head = world.head
    world.push({"deploy/web.yaml": BAD + "# newer\n"}, "newer")
    world.env["CI_COMMIT_SHA"] = old_head
    report, _, said = run(world)
    assert world.mr.discussions == []
    assert [s.sha for s in world.project.statuses] == [old_head]
    assert any(f"has a newer head ({world.head[:12]}) than this pipeline's {old_head[:12]}" in line
               for line in said)


def test_cli_exit_codes(world, fake_gitlab, monkeypatch):
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    out_file = str(world.tmp / "cq.json")
    result = run_cli("mr", "--report", "text,codequality", "--codequality-file", out_file,
                     cwd=world.repo.root)
    assert result.exit_code == 1
    assert "deploy/web.yaml:9:9: error [pss/privileged]" in result.stdout
    assert run_cli("mr", "--report", "text", "--fail-on", "never",
                   cwd=world.repo.root).exit_code == 0
    monkeypatch.setenv("POLICYGATE_GITLAB_TOKEN", "glpat-unknown")
    bad_token = run_cli("mr", "--report", "text", cwd=world.repo.root)
    assert bad_token.exit_code == 2
    assert bad_token.stderr == (
        "policygate: error: reading merge request !7 of 42: GitLab rejected the token (401 "
        "Unauthorized) — check that POLICYGATE_GITLAB_TOKEN holds a valid, unexpired token\n")


def test_missing_extra_is_one_line_with_the_install_command(world, monkeypatch):
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setitem(sys.modules, "gitlab", None)       # python-gitlab not installed
    result = run_cli("mr", cwd=world.repo.root)
    assert result.exit_code == 2
    assert result.stderr == ("policygate: error: python-gitlab is not installed, and "
                             "`policygate` needs it for this: pip install "
                             "'gitops-policygate[gitlab]'\n")


def test_the_discussion_budget_counts_standing_discussions_so_reruns_add_none(world,
                                                                            fake_gitlab):
    """GitLab has no review to batch into: the budget caps what stands on the MR, the rest
    is listed in the note — a re-run must not post the next batch."""
    world.repo.git("checkout", "-q", "main")
    world.mr.start_sha = world.repo.commit(
        {".policygate.yaml": GATE + "gitlab:\n  max_discussions: 2\n"}, "budget")
    world.repo.git("checkout", "-q", "feature")
    run(world)
    assert [d.notes[0].position["new_line"] for d in world.mr.diff_discussions()] == [9, 8]
    [note] = [d.notes[0] for d in world.mr.discussions if d.individual_note]
    assert ("2 findings discussed on the diff, 4 only listed here (1 about the merge request "
            "as a whole; 3 over the limit of line discussions).") in note.body
    fake_gitlab.clear_log()
    run(world)
    assert fake_gitlab.writes() == []
