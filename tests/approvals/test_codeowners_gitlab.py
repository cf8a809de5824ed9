"""GitLab CODEOWNERS: sections, optional sections, counts, default owners, groups and roles,
GitLab's matching rules, invalid lines — and how they decide a merge request's approvals."""
from __future__ import annotations

import pytest

from policygate.approvals.codeowners import InvalidLine, OwnerRequirement
from policygate.approvals.codeowners_gitlab import (
    Entry, _fnmatch, _normalise, _translate, find_gitlab_codeowners, parse_gitlab_codeowners,
)
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


@pytest.mark.parametrize("pattern, regex", [
    ("*", "[^/]*"),
    ("**", "[^/]*"),                             # `**` not before `/` is a plain `*`
    ("***", "[^/]*"),
    ("**/", "(?:[^/]*/)*"),
    ("/a/**/b", "/a/(?:[^/]*/)*b"),
    ("?", "[^/]"),
    ("a.b", r"a\.b"),
    ("\\*", r"\*"),
    ("\\?x", r"\?x"),
    ("\\", r"\\"),                               # a trailing backslash is literal
    ("[ab]", "(?!/)[ab]"),
    ("[!ab]", "(?!/)[^ab]"),
    ("[^ab]", "(?!/)[^ab]"),
    ("[a-c]", "(?!/)[a-c]"),
    ("[]a]", "(?!/)[]a]"),                       # a `]` first in a class is literal
    ("[", r"\["),
    ("[]", r"\[\]"),                             # an empty class is no class
    ("a[b", r"a\[b"),
    ("{a,b}", r"\{a,b\}"),                       # no brace expansion
])
def test_translate_exactly(pattern, regex):
    assert _translate(pattern) == regex


@pytest.mark.parametrize("pattern, path, expected", [
    # `*` stays within a segment and matches dotfiles (FNM_DOTMATCH).
    ("/a/*", "/a/b", True),
    ("/a/*", "/a/.b", True),
    ("/a/*", "/a/", True),
    ("/a/*", "/a/b/c", False),
    ("/a/*.md", "/a/x.md", True),
    ("/a/*.md", "/a/x.mdx", False),
    ("/a*", "/ab/c", False),
    # `**` without a following `/` is a single-segment `*`.
    ("/a/**", "/a/b", True),
    ("/a/**", "/a/b/c", False),
    ("/a**b", "/axyb", True),
    ("/a**b", "/ax/yb", False),
    # `**/` is zero or more directories, dot directories included.
    ("/**/x", "/x", True),
    ("/**/x", "/a/b/x", True),
    ("/**/x", "/.git/x", True),
    ("/**/x", "/a/bx", False),
    ("/a/**/b", "/a/b", True),
    ("/a/**/b", "/a/x/y/b", True),
    ("/a/**/b", "/a/x/y/b/c", False),
    ("/a/**/*", "/a/b/.c", True),
    # `?` is one character, never `/`.
    ("/a?c", "/abc", True),
    ("/a?c", "/a/c", False),
    ("/a?c", "/ac", False),
    ("/a?c", "/abbc", False),
    # Classes: sets, ranges, negation with `!` or `^`; never `/`.
    ("/[ab].yaml", "/a.yaml", True),
    ("/[ab].yaml", "/c.yaml", False),
    ("/[a-c].yaml", "/b.yaml", True),
    ("/[a-c].yaml", "/d.yaml", False),
    ("/[!ab].yaml", "/c.yaml", True),
    ("/[!ab].yaml", "/a.yaml", False),
    ("/[^ab].yaml", "/c.yaml", True),
    ("/[^ab].yaml", "/b.yaml", False),
    ("/x[!a]y", "/x/y", False),
    ("/x[^a]y", "/x/y", False),
    ("/x[!a]y", "/xby", True),
    ("/[]a].yaml", "/].yaml", True),
    ("/[]a].yaml", "/a.yaml", True),
    ("/[]a].yaml", "/b.yaml", False),
    ("/[ab", "/[ab", True),                       # unclosed: literal
    ("/[ab", "/a", False),
    # Braces are literal characters.
    ("/{a,b}", "/a", False),
    ("/{a,b}", "/{a,b}", True),
    # Escapes make the next character literal.
    ("/a\\*", "/a*", True),
    ("/a\\*", "/ab", False),
    ("/a\\?", "/a?", True),
    ("/a\\?", "/ab", False),
    ("/\\[ab]", "/[ab]", True),
    ("/\\[ab]", "/a", False),
    ("/a\\", "/a\\", True),
    # Regex metacharacters are literal; the whole path must match.
    ("/a.b", "/a.b", True),
    ("/a.b", "/axb", False),
    ("/a+", "/a+", True),
    ("/a+", "/aa", False),
    ("/a", "/a/b", False),
    ("/a", "/a\n", False),
    ("/a", "/ab", False),
    ("/a", "/x/a", False),
])
def test_fnmatch_pathname_dotmatch(pattern, path, expected):
    assert _fnmatch(pattern, path) is expected
    assert _fnmatch(pattern, path) is expected    # the cached regex answers the same


@pytest.mark.parametrize("pattern, normalised", [
    ("*", "/**/*"),
    ("/*", "/*"),
    ("*.md", "/**/*.md"),
    ("docs", "/**/docs"),
    ("docs/", "/**/docs/**/*"),
    ("/docs/", "/docs/**/*"),
    ("/docs", "/docs"),
    ("docs/index.md", "/**/docs/index.md"),
    ("\\#file", "/**/#file"),
    ("/\\#file", "/\\#file"),                    # only a leading `\#` is unescaped
    ("a\\#b", "/**/a\\#b"),
    ("path\\ with\\ spaces/", "/**/path with spaces/**/*"),
    ("a\\  b", "/**/a b"),
    ("/**/x", "/**/x"),
])
def test_normalise(pattern, normalised):
    assert _normalise(pattern) == normalised


def entries(text: str) -> dict[str, list[tuple]]:
    parsed = parse_gitlab_codeowners(text, "CODEOWNERS")
    return {name: [(key, e.pattern, e.owners, e.optional, e.approvals, e.line, e.exclusion)
                   for key, e in section.items()]
            for name, section in parsed.sections.items()}


@pytest.mark.parametrize("header, name, optional, approvals, owners", [
    ("[Section]", "Section", False, 0, ()),
    ("^[Optional]", "Optional", True, 0, ()),
    ("[Section][2]", "Section", False, 2, ()),
    ("[Section][12]", "Section", False, 12, ()),
    ("[Section][]", "Section", False, 0, ()),
    ("[Section] @a @acme/b", "Section", False, 0, ("a", "acme/b")),
    ("[Section][3] @a", "Section", False, 3, ("a",)),
    ("^[Opt] @@maintainer", "Opt", True, 0, ("@@maintainer",)),
    ("[Two words]", "Two words", False, 0, ()),
    ("[Section] @a junk", "Section", False, 0, ("a",)),
    ("[Section] @a @a", "Section", False, 0, ("a",)),
    ("[Section] jane@example.com", "Section", False, 0, ("jane@example.com",)),
    ("  [Indented]  ", "Indented", False, 0, ()),
    ("[Section] # comment", "Section", False, 0, ()),
])
def test_header_parsing(header, name, optional, approvals, owners):
    parsed = parse_gitlab_codeowners(f"{header}\n/x\n/y @y\n", "CODEOWNERS")
    assert list(parsed.sections) == ["codeowners", name]
    assert parsed.sections["codeowners"] == {}
    assert parsed.sections[name] == {
        "/x": Entry("/x", owners, name, optional, approvals, 2),
        "/y": Entry("/y", ("y",), name, optional, approvals, 3)}
    expected_invalid = () if owners else (
        InvalidLine(2, "'/x' has no owners and its section no default owners "
                       "(missing_entry_owner)"),)
    assert parsed.invalid == expected_invalid


@pytest.mark.parametrize("header, reason", [
    ("[]", "section header without a name (missing_section_name)"),
    ("[ ]", "section header without a name (missing_section_name)"),
    ("^[Opt][2]", "optional section ^[Opt] cannot require 2 approvals; it requires none "
                  "(invalid_approval_requirement)"),
    ("[Docs] not-an-owner", "section default owners are not @user, @group, @@role or e-mail "
                            "addresses (invalid_section_owner_format)"),
    ("[Docs] @@guest", "section default owners are not @user, @group, @@role or e-mail "
                       "addresses (invalid_section_owner_format)"),
])
def test_malformed_headers_are_reported_exactly(header, reason):
    parsed = parse_gitlab_codeowners(f"{header}\n/x @x\n", "CODEOWNERS")
    assert parsed.invalid == (InvalidLine(1, reason),)
    # The header still opens its section and /x still belongs to it.
    assert [list(section) for section in parsed.sections.values()] == [[], ["/x"]]


def test_unclosed_header_is_skipped_and_entries_stay_in_the_previous_section():
    parsed = parse_gitlab_codeowners("[Ops]\n[Broken\n^[Also broken\n/x @x\n", "CODEOWNERS")
    assert parsed.invalid == (
        InvalidLine(2, "section header without a closing `]` (invalid_section_format)"),
        InvalidLine(3, "section header without a closing `]` (invalid_section_format)"))
    assert entries("[Ops]\n[Broken\n/x @x\n") == {
        "codeowners": [], "Ops": [("/x", "/x", ("x",), False, 0, 3, False)]}


def test_a_line_starting_with_a_closed_bracket_is_a_header_as_gitlab_reads_it():
    assert entries("[abc].yaml @x\n/y @y\n") == {
        "codeowners": [], "abc": [("/y", "/y", ("y",), False, 0, 2, False)]}


def test_repeated_sections_merge_case_insensitively_and_keep_the_first_spelling():
    text = "[Docs] @w\n/a\n[Ops]\n/b @o\n[DOCS]\n/c @c\n^[docs][2]\n/d @d\n"
    assert entries(text) == {
        "codeowners": [],
        "Docs": [("/a", "/a", ("w",), False, 0, 2, False),
                 ("/c", "/c", ("c",), False, 0, 6, False),
                 ("/d", "/d", ("d",), True, 2, 8, False)],
        "Ops": [("/b", "/b", ("o",), False, 0, 4, False)]}
    # Default owners belong to each header line, not to the merged section.
    assert entries("[Docs] @w\n[docs]\n/e @e\n/f\n")["Docs"] == [
        ("/e", "/e", ("e",), False, 0, 3, False), ("/f", "/f", (), False, 0, 4, False)]


def test_entry_lines_exactly():
    text = ("# comment\n"                                   # 1
            "\n"                                            # 2
            "   # indented comment\n"                       # 3
            "docs/ @a @a @b\n"                              # 4
            "path\\ with\\ spaces/x.md @c\n"                # 5
            "!/docs/generated/ @ignored\n"                  # 6 exclusion: no owners
            "/a @y # note @x\n"                             # 7 the rest is scanned
            "/b\t@@Developers @@owner @acme/sub/grp\n"      # 8
            "\\#hash @h\n"                                  # 9
            "/e mail@example.com,\n")                       # 10
    parsed = parse_gitlab_codeowners(text, "docs/CODEOWNERS")
    assert parsed.path == "docs/CODEOWNERS"
    assert entries(text) == {"codeowners": [
        ("/**/docs/**/*", "docs/", ("a", "b"), False, 0, 4, False),
        ("/**/path with spaces/x.md", "path\\ with\\ spaces/x.md", ("c",), False, 0, 5, False),
        ("/docs/generated/**/*", "/docs/generated/", (), False, 0, 6, True),
        ("/a", "/a", ("y", "x"), False, 0, 7, False),
        ("/b", "/b", ("@@developer", "@@owner", "acme/sub/grp"), False, 0, 8, False),
        ("/**/#hash", "\\#hash", ("h",), False, 0, 9, False),
        ("/e", "/e", ("mail@example.com",), False, 0, 10, False)]}
    assert parsed.invalid == (InvalidLine(
        7, "'#' is not an @user, @group, @@role or e-mail address; the line's other owners "
           "still count (malformed_entry_owner)"),)


@pytest.mark.parametrize("owners, found, malformed", [
    ("@alice", ("alice",), None),
    ("@a.b_c-d", ("a.b_c-d",), None),
    ("@acme/platform/sre", ("acme/platform/sre",), None),
    ("@a,@b", ("a", "b"), None),
    ("@@developer", ("@@developer",), None),
    ("@@MAINTAINERS", ("@@maintainer",), None),
    ("@@guest", (), "@@guest"),
    ("@-bad", (), "@-bad"),
    ("alice", (), "alice"),
    ("x@y", ("x@y",), None),
    ("@alice bob @carol", ("alice", "carol"), "bob"),
])
def test_entry_owner_tokens(owners, found, malformed):
    parsed = parse_gitlab_codeowners(f"[S] @default\n/x {owners}\n", "CODEOWNERS")
    assert parsed.sections["S"]["/x"].owners == (found or ("default",))
    assert parsed.invalid == (() if malformed is None else (InvalidLine(
        2, f"{malformed!r} is not an @user, @group, @@role or e-mail address; the line's "
           f"other owners still count (malformed_entry_owner)"),))


def test_a_repeated_pattern_replaces_its_owners_in_place():
    text = "/a/ @x\n/a/b @y\n/a/ @z\n"
    owners = parse_gitlab_codeowners(text, "CODEOWNERS")
    assert entries(text)["codeowners"] == [
        ("/a/**/*", "/a/", ("z",), False, 0, 3, False),
        ("/a/b", "/a/b", ("y",), False, 0, 2, False)]
    # /a/b keeps its later position in the section, so it still decides for a/b.
    assert owners.owners_of("a/b") == ("y",)
    assert owners.owners_of("a/c") == ("z",)
    # Patterns that normalise alike are the same key: `docs/` is `/**/docs/`.
    assert entries("docs/ @p\n/**/docs/ @q\n")["codeowners"] == [
        ("/**/docs/**/*", "/**/docs/", ("q",), False, 0, 2, False)]


def test_exclusions_remove_a_file_from_its_section_only():
    text = ("* @all\n!/docs/generated/\n"
            "[Docs]\n/docs/ @writer\n"
            "[Gen]\n!*.lock\n/docs/ @gen\n")
    owners = parse_gitlab_codeowners(text, "CODEOWNERS")
    assert owners.invalid == ()
    assert owners.owners_of("docs/generated/api.md") == ("writer", "gen")
    assert owners.owners_of("docs/guide.md") == ("all", "writer", "gen")
    # An exclusion anywhere in the section wins, even above the entry that matches.
    assert owners.owners_of("docs/yarn.lock") == ("all", "writer")
    assert owners.owners_of("src/a.py") == ("all",)


def test_entries_for_and_owners_of():
    owners = parse_gitlab_codeowners(OWNERS, "CODEOWNERS")
    assert owners.entries_for("deploy/prod/db/other.yaml") == [
        Entry("/deploy/", ("acme/platform",), "codeowners", False, 0, 3),
        Entry("/deploy/prod/db/", ("acme/dba/oncall",), "Database", False, 2, 7)]
    assert owners.entries_for("/deploy/prod/db/other.yaml") == owners.entries_for(
        "deploy/prod/db/other.yaml")
    assert owners.entries_for("db/schema.md") == [
        Entry("*", ("general",), "codeowners", False, 0, 2),
        Entry("db/", ("dba-lead", "acme/dba"), "Database", False, 2, 6),
        Entry("*.md", ("writer",), "Docs", True, 0, 10)]
    assert owners.owners_of("db/schema.md") == ("general", "dba-lead", "acme/dba", "writer")
    assert owners.owners_of("deploy/prod/db/pg.yaml") == ("acme/platform", "dora")
    # Owners named in more than one section are listed once, in first-seen order.
    shared = parse_gitlab_codeowners("/a @x @y\n[S]\n/a @y @z @x\n", "CODEOWNERS")
    assert shared.owners_of("a") == ("x", "y", "z")
    assert shared.owners_of("b") == ()
    assert parse_gitlab_codeowners("", "CODEOWNERS").owners_of("a") == ()


def test_requirements_one_per_matched_entry_skipping_optional_and_ownerless():
    owners = parse_gitlab_codeowners(OWNERS + "[Free]\n/db/\n", "CODEOWNERS")
    assert owners.requirements(["db/a.sql", "db/b.md", "lib/c.py"]) == [
        OwnerRequirement("[codeowners] *", ("db/a.sql", "db/b.md", "lib/c.py"),
                         ("general",), 1),
        OwnerRequirement("[Database] db/", ("db/a.sql", "db/b.md"),
                         ("dba-lead", "acme/dba"), 2)]


def test_find_gitlab_codeowners_reads_gitlabs_locations_in_order():
    every = {"CODEOWNERS": b"* @root\n", "docs/CODEOWNERS": b"* @docs\n",
             ".gitlab/CODEOWNERS": b"* @gl\n", ".github/CODEOWNERS": b"* @gh\n"}
    for drop, path, owner in [((), "CODEOWNERS", "root"),
                              (("CODEOWNERS",), "docs/CODEOWNERS", "docs"),
                              (("CODEOWNERS", "docs/CODEOWNERS"), ".gitlab/CODEOWNERS", "gl")]:
        calls: list[str] = []
        files = {k: v for k, v in every.items() if k not in drop}

        def read(name: str, files=files, calls=calls) -> bytes | None:
            calls.append(name)
            return files.get(name)
        found = find_gitlab_codeowners(read)
        assert (found.path, found.owners_of("x")) == (path, (owner,))
        assert calls == ["CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"][:len(drop) + 1]
    assert find_gitlab_codeowners({".github/CODEOWNERS": b"* @gh\n"}.get) is None
    bad = find_gitlab_codeowners({"CODEOWNERS": b"# \xff\n/a @alice\n"}.get)
    assert (bad.owners_of("a"), bad.invalid) == (("alice",), ())
