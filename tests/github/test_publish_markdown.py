"""Byte-exact Markdown of comments and review bodies built from hostile findings.

Messages, rule ids (user policies), resource names and file names all come from the pull
request; what GitHub stores must show them as text: no mention, no HTML, no marker, no
escape from a code span or a table row.
"""
from __future__ import annotations

from policygate.baseline import fingerprint
from policygate.review.comment_text import BODY_LIMIT, finding_comment
from policygate.review.markers import read_finding_marker
from policygate.github.review import ReviewOptions, publish_review
from policygate.model import Finding, Location, Report, ResourceId, Severity
from tests.github.publish_support import lines, make_pr

EVIL_FILE = "deploy/`evil` @x |<b>.yaml"
FAKE_MARKER = "<!-- policygate:finding policygate " + "0" * 32 + " -->"
EVIL_MESSAGE = (f"pwned @acme/admins &#64;root <img src=x onerror=alert(1)> {FAKE_MARKER} "
                "```\n| a | b |\n</details>")
EVIL = Finding("rego/x`y", Severity.WARNING, EVIL_MESSAGE, EVIL_FILE, Location(2, 1, 2),
               ResourceId("v1", "Pod", "ns", "@team <b>"), ("metadata", "annotations", "a|b"),
               "rego", "set @x to <y>")
NJ = "\u2060"                                   # the word joiner that breaks a mention


def evil_at(file: str, line: int) -> Finding:
    return Finding(EVIL.rule, EVIL.severity, EVIL.message, file, Location(line, 1, line),
                   EVIL.resource, EVIL.path, EVIL.source, EVIL.fix)


def test_hostile_comment_body_is_byte_exact(fake_github, client, tmp_path):
    pr = make_pr(fake_github, tmp_path, {}, {EVIL_FILE: lines(3)})
    publish_review(client, pr.pr, Report([EVIL]), ReviewOptions(), diff=pr.diff, head=pr.head)
    comment = fake_github.calls("pulls.create_review")[0].json["comments"][0]
    assert comment["path"] == EVIL_FILE and comment["line"] == 2
    assert comment["body"] == (
        f"<!-- policygate:finding policygate {fingerprint(EVIL)} -->\n"
        "🟡 warning · ``rego/x`y``\n\n"
        f"pwned @{NJ}acme/admins &amp;\\#64;root &lt;img src\\=x onerror\\=alert\\(1\\)&gt; "
        "&lt;\\!\\-\\- policygate\\:finding policygate 00000000000000000000000000000000 "
        "\\-\\-&gt; \\`\\`\\` \\| a \\| b \\| &lt;/details&gt;\n\n"
        f"`Pod/ns/@{NJ}team <b>` · `metadata.annotations[\"a|b\"]`\n\n"
        f"**Fix:** set @{NJ}x to &lt;y&gt;\n")


def test_hostile_row_in_the_review_body_is_byte_exact(fake_github, client, tmp_path):
    pr = make_pr(fake_github, tmp_path, {}, {"deploy/a.yaml": lines(3)})
    publish_review(client, pr.pr, Report([EVIL]), ReviewOptions(), diff=pr.diff, head=pr.head)
    body = fake_github.calls("pulls.create_review")[0].json["body"]
    row = body.split("|---|---:|---|---|---|\n")[1].split("\n")[0]
    assert row == (
        f"| ``deploy/`evil` @{NJ}x \\|<b>.yaml`` | 2 | 🟡 warning | ``rego/x`y`` | "
        f"pwned @{NJ}acme/admins &amp;\\#64;root &lt;img src\\=x onerror\\=alert\\(1\\)&gt; "
        "&lt;\\!\\-\\- policygate\\:finding policygate 00000000000000000000000000000000 "
        "\\-\\-&gt; \\`\\`\\` &#124; a &#124; b &#124; &lt;/details&gt; |")
    assert body.count("</details>") == 1 and "<img" not in body and "<!-- policygate:f" not in body


def test_hostile_file_comment_names_the_line_and_stays_text(fake_github, client, tmp_path):
    pr = make_pr(fake_github, tmp_path, {EVIL_FILE: lines(20)},
                 {EVIL_FILE: lines(20).replace("key1: 1\n", "key1: one\n")})
    publish_review(client, pr.pr, Report([evil_at(EVIL_FILE, 15)]), ReviewOptions(),
                   diff=pr.diff, head=pr.head)
    sent, = fake_github.calls("pulls.create_review_comment")
    assert sent.json["subject_type"] == "file" and sent.json["path"] == EVIL_FILE
    body = sent.json["body"]
    assert "**Line 15** (outside the changed lines)\n\npwned @\u2060acme" in body
    assert "<img" not in body and "@acme" not in body and "&#64;" not in body


def test_a_message_with_a_fake_marker_does_not_forge_one(fake_github, client, tmp_path):
    pr = make_pr(fake_github, tmp_path, {}, {"deploy/a.yaml": lines(5)})
    real = Finding("r/real", Severity.ERROR, "real", "deploy/a.yaml", Location(1, 1, 1))
    forger = Finding("r/forger", Severity.ERROR,
                     f"\n<!-- policygate:finding policygate {fingerprint(real)} -->",
                     "deploy/a.yaml", Location(2, 1, 2))
    options = ReviewOptions()
    for _ in range(2):
        publish_review(client, pr.pr, Report([real, forger]), options, diff=pr.diff,
                       head=pr.head)
    stored = fake_github.repo("acme/gitops").pulls[42].review_comments
    assert [read_finding_marker(c.body, "policygate").fingerprint for c in stored] == [
        fingerprint(real), fingerprint(forger)]
    assert len(fake_github.calls("pulls.create_review")) == 1        # the re-run added nothing


def test_comment_bodies_stay_within_githubs_limit():
    huge = Finding("r/x", Severity.ERROR, "@" * 100_000, "a.yaml", Location(1, 1, 1),
                   fix="`" * 50_000)
    body = finding_comment("policygate", "a" * 32, huge)
    assert len(body) < BODY_LIMIT
    assert body.count(f"@{NJ}") == 1999 and body.endswith("…\n")
