"""GitLab CODEOWNERS: sections, optional sections, counts, default owners, groups and roles,
GitLab's matching rules, invalid lines — and how they decide a merge request's approvals."""
from __future__ import annotations

import pytest

from policygate.approvals.codeowners_gitlab import parse_gitlab_codeowners
from tests.approvals.cases import approved, judge, pr

OWNERS = """\
# Lines before the first section belong to the unnamed section.
* @general
/deploy/ @acme/platform

[Database][2] @dba-lead @acme/dba
db/
/deploy/prod/db/ @acme/dba/oncall

^[Docs] @writer
*.md

[database]
/deploy/prod/db/pg.yaml @dora
"""
RULES = {"rules": [{"name": "owners", "requires": {"count": 0, "codeowners": True}}],
         "teams": {"acme/platform": ["pat"], "acme/dba": ["dan", "dora"],
                   "acme/dba/oncall": ["otto"]}}


def owners_of(text: str, path: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(e.section, e.owners) for e in parse_gitlab_codeowners(text, "CODEOWNERS")
            .entries_for(path)]


def gitlab(files: list[str], *approvers: str, **changes):
    return pr(platform="gitlab", repository="acme/infra/gitops",
              files=[{"path": f, "status": "modified"} for f in files],
              reviews=[approved(user) for user in approvers], **changes)


def test_each_section_decides_on_its_own_and_the_last_match_wins_within_it():
    assert owners_of(OWNERS, "deploy/prod/db/other.yaml") == [
        ("codeowners", ("acme/platform",)), ("Database", ("acme/dba/oncall",))]
    # `[database]` continues the Database section: its later entry wins for pg.yaml, with
    # the approval count of the header it stands under (none given: one approval).
    entries = parse_gitlab_codeowners(OWNERS, "CODEOWNERS").entries_for("deploy/prod/db/pg.yaml")
    assert [(e.section, e.owners, e.approvals) for e in entries] == [
        ("codeowners", ("acme/platform",), 0), ("Database", ("dora",), 0)]
    assert owners_of(OWNERS, "README.md") == [("codeowners", ("general",)), ("Docs", ("writer",))]
    # Repeated section names are combined, whatever their case: `[database]` adds to it.
    assert list(parse_gitlab_codeowners(OWNERS, "CODEOWNERS").sections) == [
        "codeowners", "Database", "Docs"]


@pytest.mark.parametrize("pattern, path, matches", [
    ("*", "a/b/c.yaml", True),
    ("*.md", "docs/deep/x.md", True),            # no leading slash: any depth
    ("docs/index.md", "a/docs/index.md", True),  # GitLab prepends /**/ (GitHub would not)
    ("/docs/index.md", "a/docs/index.md", False),
    ("/docs/", "docs/a/b.md", True),             # trailing slash: everything below
    ("/docs/*", "docs/a.md", True),
    ("/docs/*", "docs/a/b.md", False),           # * stops at /
    ("/docs/**/*.md", "docs/a/b/c.md", True),
    ("/docs/**/*.md", "docs/c.md", True),        # **/ spans zero directories too
    ("docs", "docs/a.md", False),                # a bare name is a file, not a directory
    ("lib/", "src/lib/a.py", True),              # a directory at any depth
    ("/config/", "src/config/a.yaml", False),
    ("*.yaml", ".hidden.yaml", True),            # FNM_DOTMATCH
    ("/app/[ab].yaml", "app/b.yaml", True),
    ("/app/[!ab].yaml", "app/b.yaml", False),
    ("path\\ with\\ spaces/", "path with spaces/x", True),
])
def test_gitlab_matching_rules(pattern, path, matches):
    found = owners_of(f"{pattern} @owner\n", path)
    assert found == ([("codeowners", ("owner",))] if matches else [])


def test_owners_groups_nested_groups_roles_and_emails():
    [entry] = parse_gitlab_codeowners(
        "/x @alice @acme/platform/sre @@Maintainers jane@example.com\n", "CODEOWNERS"
    ).entries_for("x")
    assert entry.owners == ("alice", "acme/platform/sre", "@@maintainer", "jane@example.com")


def test_invalid_lines_are_reported_with_gitlab_error_names():
    text = ("[]\n"                          # 1 missing_section_name
            "^[Optional][2]\n"              # 2 invalid_approval_requirement
            "[Broken\n"                     # 3 invalid_section_format (skipped)
            "[Docs] not-an-owner\n"         # 4 invalid_section_owner_format
            "/a.yaml\n"                     # 5 missing_entry_owner
            "/b.yaml @bob nobody\n")        # 6 malformed_entry_owner (bob still counts)
    owners = parse_gitlab_codeowners(text, "CODEOWNERS")
    assert [(i.line, i.reason.rsplit("(", 1)[1]) for i in owners.invalid] == [
        (1, "missing_section_name)"), (2, "invalid_approval_requirement)"),
        (3, "invalid_section_format)"), (4, "invalid_section_owner_format)"),
        (5, "missing_entry_owner)"), (6, "malformed_entry_owner)")]
    assert [e.owners for e in owners.entries_for("b.yaml")] == [("bob",)]
    assert owners.entries_for("a.yaml")[0].owners == ()


def test_section_counts_and_default_owners_decide_approvals():
    files = ["deploy/prod/db/other.yaml"]
    # Database needs 2 approvals from its entry's owners (@acme/dba/oncall): one is short.
    one = judge(RULES, gitlab(files, "pat", "otto"), OWNERS)
    assert one.status == "pending"
    assert ("needs 2 code owner approvals (1 more) for [Database] /deploy/prod/db/ "
            "(deploy/prod/db/other.yaml; acme/dba/oncall)") in one.rules["owners"].reason
    two = judge({**RULES, "teams": {**RULES["teams"], "acme/dba/oncall": ["otto", "olga"]}},
                gitlab(files, "pat", "otto", "olga"), OWNERS)
    assert two.status == "approved"
    # The unnamed section still needs its owner: Database's approvers do not stand in.
    no_platform = judge({**RULES, "teams": {**RULES["teams"], "acme/dba/oncall": ["otto", "olga"]}},
                        gitlab(files, "otto", "olga"), OWNERS)
    assert no_platform.status == "pending"
    assert "[codeowners] /deploy/ (deploy/prod/db/other.yaml; acme/platform)" in \
        no_platform.rules["owners"].reason
    # pg.yaml: one approval from @dora (Database, via `[database]`) and one from platform.
    assert judge(RULES, gitlab(["deploy/prod/db/pg.yaml"], "pat", "dora"),
                 OWNERS).status == "approved"


def test_optional_sections_require_nothing_and_defaults_apply():
    # README.md: the unnamed section (@general) is required, ^[Docs] is optional.
    assert judge(RULES, gitlab(["README.md"], "general"), OWNERS).status == "approved"
    # db/schema.sql gets the Database section's default owners (2 of @dba-lead, @acme/dba).
    pending = judge(RULES, gitlab(["db/schema.sql"], "general", "dan"), OWNERS)
    assert pending.status == "pending" and "(1 more) for [Database] db/" in \
        pending.rules["owners"].reason
    assert judge(RULES, gitlab(["db/schema.sql"], "general", "dan", "dba-lead"),
                 OWNERS).status == "approved"


def test_unverifiable_group_or_role_fails_closed_with_the_fix():
    text = "[Ops][1] @acme/ops\n/deploy/\n[Release]\n/deploy/ @@maintainer\n"
    rules = {"rules": [{"name": "owners", "requires": {"count": 0, "codeowners": True}}]}
    group = judge(rules, gitlab(["deploy/a.yaml"], "mallory", teams={"@@maintainer": ["mia"]},
                                team_errors={"acme/ops": "403 Forbidden"}), text)
    assert group.status == "error"
    assert group.rules["owners"].reason.endswith(
        "cannot verify membership of acme/ops (403 Forbidden) — give the job a token that may "
        "read the members (read_api scope, a member of the group), or list it under "
        "`approvals.teams`")
    role = judge(rules, gitlab(["deploy/a.yaml"], "mallory", teams={"acme/ops": ["olly"]}), text)
    assert role.status == "error"
    assert role.rules["owners"].reason.endswith("cannot verify membership of @@maintainer — give "
                                                "the job a token that may read the members "
                                                "(read_api scope, a member of the group), or "
                                                "list it under `approvals.teams`")
    known = gitlab(["deploy/a.yaml"], "olly", "mia",
                   teams={"acme/ops": ["olly"], "@@maintainer": ["mia"]})
    assert judge(rules, known, text).status == "approved"


def test_a_bare_name_the_facts_resolved_to_a_group_counts_its_members():
    text = "/deploy/ @platform\n"
    rules = {"rules": [{"name": "owners", "requires": {"count": 0, "codeowners": True}}]}
    member = gitlab(["deploy/a.yaml"], "pat", teams={"platform": ["pat"]})
    assert judge(rules, member, text).status == "approved"
    # Unresolved, `platform` is a username: only that user's approval counts.
    assert judge(rules, gitlab(["deploy/a.yaml"], "pat"), text).status == "pending"
    assert judge(rules, gitlab(["deploy/a.yaml"], "platform"), text).status == "approved"
