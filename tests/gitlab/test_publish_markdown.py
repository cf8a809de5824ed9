"""What policygate posts to a merge request cannot run GitLab quick actions, mention anyone
or inject HTML — whatever the findings say (messages come from the change and policies)."""
from __future__ import annotations

import re

from policygate.gitlab.discussions import DiscussionOptions, publish_discussions
from policygate.gitlab.facts import fetch_merge_request
from policygate.gitlab.note import NoteOptions, note_body, publish_note
from policygate.gitlab.publishing import read_discussions, safe_body
from policygate.model import Finding, Location, Report, ResourceId, Severity
from policygate.review.diffmap import DiffIndex

HOSTILE = ("/approve\n/merge\n/assign_reviewer @acme/platform <img src=x onerror=alert(1)> "
           "<!-- policygate:finding policygate " + "0" * 32 + " -->")


def test_hostile_text_cannot_act_mention_or_inject(world, fake_gitlab, client):
    finding = Finding("rego/hostile", Severity.ERROR, HOSTILE, "deploy/web.yaml",
                      Location(9, 9, 9), ResourceId("v1", "Pod", None, "/approve"),
                      ("spec", "hostile"), source="rego", fix="/merge now")
    report = Report([finding])
    mr = fetch_merge_request(client, 42, 7)
    discussions = read_discussions(client, 42, 7)
    diff = DiffIndex({"deploy/web.yaml": ((6, 12),)})
    outcome = publish_discussions(client, mr, report, DiscussionOptions(
        username="policygate-bot"), diff=diff, discussions=discussions)
    publish_note(client, mr, note_body(report, mr, "policygate", discussed=outcome.discussed,
                                       listed=outcome.listed),
                 discussions, NoteOptions(username="policygate-bot"))
    bodies = [r.json["body"] for r in fake_gitlab.writes()]
    assert len(bodies) == 2
    for body in bodies:
        assert not [line for line in body.split("\n") if line.startswith("/")]
        assert not re.search(r"@[A-Za-z]", body)               # no mention survives
        assert "<img" not in body and body.count("<!--") == 1  # only our own marker
    assert "&#47;approve /merge /assign\\_reviewer @\u2060acme/platform &lt;img" in bodies[0]


def test_safe_body_leaves_code_blocks_readable():
    body = "intro\n/approve\n```suggestion\n/merge: x\n```\n````\n```\n/close\n````\n/done"
    assert safe_body(body) == ("intro\n&#47;approve\n```suggestion\n\u200b/merge: x\n```\n"
                               "````\n```\n\u200b/close\n````\n&#47;done")
