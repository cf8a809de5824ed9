"""The sticky summary comment: created once, then updated in place."""
from __future__ import annotations

import pytest

from policygate.review.markers import sticky_marker
from policygate.github.sticky import StickyOptions, publish_sticky, sticky_body
from policygate.model import Report, Severity
from tests.github.publish_support import NUMBER, REPO, finding, plain_pr


@pytest.fixture
def pr(fake_github):
    return plain_pr(fake_github)


def comments(hub):
    return hub.repo(REPO).pulls[NUMBER].issue_comments


def test_created_once_then_updated_in_place(fake_github, client, pr):
    pull = fake_github.repo(REPO).pulls[NUMBER]
    pull.add_issue_comment("alice", "LGTM")
    pull.add_issue_comment("mallory", f"{sticky_marker('policygate')}\nfake summary")
    first = publish_sticky(client, pr, Report([finding(3)], files=1, resources=1))
    created, = fake_github.calls("issues.create_comment", "POST")
    assert created.json["body"].startswith(
        "<!-- policygate:summary policygate -->\n## policygate\n\n❌ policygate: 1 error, "
        "0 warnings\n")
    assert first.counts == {"created": 1} and first.summary == "summary comment: posted"
    ours = comments(fake_github)[-1]

    second = publish_sticky(client, pr, Report([finding(3), finding(4, severity=Severity.WARNING)]))
    assert len(fake_github.calls("issues.create_comment")) == 1
    edited, = fake_github.calls("issues.update_comment", "PATCH")
    assert edited.path == f"/repos/{REPO}/issues/comments/{ours.id}"
    assert "1 error, 1 warning" in ours.body and second.counts == {"updated": 1}
    assert [c.user for c in comments(fake_github)] == ["alice", "mallory", "github-actions[bot]"]
    assert comments(fake_github)[1].body.endswith("fake summary")

    third = publish_sticky(client, pr, Report([finding(3), finding(4, severity=Severity.WARNING)]))
    assert third.counts == {"unchanged": 1}
    assert len(fake_github.calls("issues.update_comment")) == 1


def test_one_comment_per_check_name(fake_github, client, pr):
    publish_sticky(client, pr, Report(), StickyOptions(name="policygate"))
    publish_sticky(client, pr, Report(), StickyOptions(name="policygate prod"))
    publish_sticky(client, pr, Report([finding(1)]), StickyOptions(name="policygate prod"))
    bodies = [c.body.split("\n", 1)[0] for c in comments(fake_github)]
    assert bodies == ["<!-- policygate:summary policygate -->",
                      "<!-- policygate:summary policygate-prod -->"]


def test_body_is_capped_and_escaped():
    report = Report([finding(i + 1, message="@team <b>" + "x" * 590, file=f"f{i}|`.yaml")
                     for i in range(3000)])
    body = sticky_body(report, "policygate")
    assert len(body) <= 65_536
    assert "more findings not shown (a comment is limited to 65,536 characters)" in body
    assert "<b>" not in body and "@team" not in body


def test_notes_only_are_not_called_no_findings():
    body = sticky_body(Report([finding(1, severity=Severity.NOTE)]), "policygate")
    assert "ℹ️ policygate: 1 note\n" in body and "no findings" not in body
