"""GitLab faults through python-gitlab: 401, 403 on a fork, 404 MR gone, 429 + Retry-After,
5xx with bounded retries (a POST is never retried blindly), pagination."""
from __future__ import annotations

import pytest

from policygate.gitlab.api import GitLabError, connect
from policygate.gitlab.facts import fetch_merge_request
from policygate.gitlab.mr import run_mr
from tests.gitlab.mr_world import fast, run


def test_401_names_the_variable_to_fix(world, fake_gitlab):
    client = connect(fast(), env=fake_gitlab.env("glpat-revoked"))
    with pytest.raises(GitLabError) as raised:
        fetch_merge_request(client, 42, 7)
    assert str(raised.value) == ("reading merge request !7 of 42: GitLab rejected the token "
                                 "(401 Unauthorized) — check that POLICYGATE_GITLAB_TOKEN "
                                 "holds a valid, unexpired token")
    assert len(fake_gitlab.calls("mrs.get")) == 1                 # a 401 is not retried


def test_404_mr_gone(world, fake_gitlab):
    del world.project.merge_requests[7]
    with pytest.raises(GitLabError) as raised:
        run(world)
    assert str(raised.value) == ("reading merge request !7 of 42: merge request or project not "
                                 "found, or the token cannot see it (404)")


def test_job_token_reads_nothing_of_an_mr_and_says_what_to_store(world, fake_gitlab):
    fake_gitlab.add_token("ci-job-token", "policygate-bot", job=True)
    env = {key: value for key, value in world.env.items() if key != "POLICYGATE_GITLAB_TOKEN"}
    env["CI_JOB_TOKEN"] = "ci-job-token"
    with pytest.raises(GitLabError) as raised:
        run_mr_with(world, env)
    assert "CI_JOB_TOKEN may not do this: store a project access token with the api scope as " \
           "POLICYGATE_GITLAB_TOKEN" in str(raised.value)
    assert fake_gitlab.calls("mrs.get")[0].auth == "JOB-TOKEN"


def run_mr_with(world, env):
    import io

    from policygate.gitlab.mr import MrRequest
    from policygate.runner import CheckOptions

    return run_mr(MrRequest(check=CheckOptions(select=("pss",)), reports=("text",)), env=env,
                  out=io.StringIO(), say=lambda line: None, client_settings=fast())


def test_429_is_waited_out_and_retried_even_for_a_post(world, fake_gitlab):
    fake_gitlab.rate_limit("discussions.create", retry_after=0, times=2)
    run(world)
    posts = fake_gitlab.calls("discussions.create")
    assert [r.status for r in posts[:3]] == [429, 429, 201]       # nothing posted twice
    assert len(world.mr.diff_discussions()) == 5


def test_a_retry_after_longer_than_we_wait_fails_now_with_the_reason(world, fake_gitlab):
    fake_gitlab.rate_limit("mrs.get", retry_after=3600, times=None)
    with pytest.raises(GitLabError) as raised:
        run(world)
    assert str(raised.value) == ("reading merge request !7 of 42: GitLab rate limit: it asks to "
                                 "wait 3600s, longer than the 5s policygate waits — retry later")
    assert len(fake_gitlab.calls("mrs.get")) == 1


def test_5xx_on_a_read_is_retried_a_bounded_number_of_times(world, fake_gitlab):
    fake_gitlab.fail("mrs.diffs", 502, times=None)
    with pytest.raises(GitLabError) as raised:
        run(world)
    assert len(fake_gitlab.calls("mrs.diffs")) == 4                # 1 + 3 retries
    assert str(raised.value) == ("reading merge request !7 of 42: GitLab answered 502 (4 "
                                 "attempts) — GitLab may be having problems; retry later")
    fake_gitlab.clear_log()
    fake_gitlab.faults.clear()
    fake_gitlab.fail("mrs.diffs", 503, times=2)                    # a passing fault heals
    run(world, reports=("text",))
    assert [r.status for r in fake_gitlab.calls("mrs.diffs")] == [503, 503, 200]


def test_a_post_that_got_a_5xx_is_not_retried(world, fake_gitlab):
    fake_gitlab.fail("notes.create", 502, times=None)
    with pytest.raises(GitLabError) as raised:
        run(world)
    assert len(fake_gitlab.calls("notes.create")) == 1
    assert str(raised.value) == ("posting the summary note: GitLab answered 502 Bad Gateway (1 "
                                 "attempt) — GitLab may be having problems; retry later")


def test_every_list_is_read_across_pages(world, fake_gitlab):
    for index in range(130):
        world.mr.add_file(f"docs/{index:03}.md", None, "x\n")
    for index in range(105):
        world.mr.add_commit(f"Bot {index}")
    report, _, _ = run(world, reports=("text",))
    assert [r.query.get("page", "1") for r in fake_gitlab.calls("mrs.diffs")] == ["1", "2"]
    assert [r.query.get("page", "1") for r in fake_gitlab.calls("mrs.commits")] == ["1", "2"]
    assert {r.query.get("per_page") for r in fake_gitlab.calls("mrs.diffs")} == {"100"}


def test_a_file_list_gitlab_cut_short_fails_file_rules_closed(world, fake_gitlab):
    world.repo.git("checkout", "-q", "main")               # the target moves on
    world.mr.start_sha = world.repo.commit({".policygate.yaml": (
        "approvals:\n  rules:\n    - name: deploy\n"
        "      if: {changed_files: {paths: ['deploy/**']}}\n      requires: {count: 1}\n")},
        "gate")
    world.repo.git("checkout", "-q", "feature")
    world.mr.changes_count = "1000+"
    report, _, _ = run(world, reports=("text",))
    [missing] = [f for f in report.findings if f.rule.startswith("approval/")]
    assert "GitLab listed only part of the changed files (its diff limits), so file-based " \
           "conditions cannot be evaluated; split the merge request" in missing.message
