"""GitHub CODEOWNERS: GitHub's pattern rules (not .gitignore's), the last match wins, which
lines are refused and why, and which of the three locations GitHub reads."""
from __future__ import annotations

import pytest

from policygate.approvals.codeowners import (
    CodeOwners, InvalidLine, OwnerRequirement, _pattern_regex, find_codeowners,
    parse_codeowners,
)
from policygate.approvals.codeowners_gitlab import GitLabCodeOwners


def matches(pattern: str, path: str) -> bool:
    return _pattern_regex(pattern).match(path) is not None


@pytest.mark.parametrize("pattern, path, expected", [
    # `*` alone owns every file at every depth.
    ("*", "README.md", True),
    ("*", "a/b/c.yaml", True),
    ("*", ".github/workflows/ci.yml", True),
    # A wildcard name without a slash matches at any depth, but only that level.
    ("*.js", "app.js", True),
    ("*.js", "src/lib/app.js", True),
    ("*.js", "app.jsx", False),
    ("*.js", "app.js/index.ts", False),          # wildcard in the last segment: no contents
    ("*.js", "app.ts", False),
    # `?` is exactly one character inside a segment.
    ("/file?.txt", "file1.txt", True),
    ("/file?.txt", "file.txt", False),
    ("/file?.txt", "file12.txt", False),
    ("/file?.txt", "file/.txt", False),
    # `docs/*`: direct children only (GitHub's documented example).
    ("docs/*", "docs/getting-started.md", True),
    ("docs/*", "docs/build-app/troubleshooting.md", False),
    ("docs/*", "a/docs/getting-started.md", False),   # a middle slash anchors to the root
    ("docs/*", "docs", False),
    # Directory-only pattern, unanchored: an `apps` directory anywhere, not a file `apps`.
    ("apps/", "apps/web.yaml", True),
    ("apps/", "apps/deep/web.yaml", True),
    ("apps/", "src/apps/web.yaml", True),
    ("apps/", "apps", False),
    ("apps/", "myapps/web.yaml", False),
    # Directory-only pattern, anchored.
    ("/docs/", "docs/a/b.md", True),
    ("/docs/", "src/docs/a.md", False),
    ("/docs/", "docs", False),
    # Anchored plain name: the file itself and, as a directory, its contents.
    ("/docs", "docs", True),
    ("/docs", "docs/a/b.md", True),
    ("/docs", "src/docs", False),
    ("/docs", "docsx", False),
    ("/docs", "docs.md", False),
    # Unanchored plain name: at any depth, file or directory.
    ("docs", "docs", True),
    ("docs", "src/docs", True),
    ("docs", "src/docs/a.md", True),
    ("docs", "src/mydocs/a.md", False),
    ("docs", "docs2/a.md", False),
    # A slash in the middle anchors the pattern to the root.
    ("apps/github", "apps/github", True),
    ("apps/github", "apps/github/x.rb", True),
    ("apps/github", "src/apps/github", False),
    # Leading `**/`: any depth, including the root (GitHub's `**/logs` example).
    ("**/logs", "logs/a.log", True),
    ("**/logs", "build/logs/a.log", True),
    ("**/logs", "deeply/nested/logs/a.log", True),
    ("**/logs", "build/mylogs/a.log", False),
    ("**/logs", "logs", True),
    # Middle `**/`: zero or more directories.
    ("/a/**/b", "a/b", True),
    ("/a/**/b", "a/x/b", True),
    ("/a/**/b", "a/x/y/b", True),
    ("/a/**/b", "a/x/y/b/c.txt", True),
    ("/a/**/b", "a/xb", False),
    ("/a/**/b", "c/a/x/b", False),
    # Trailing `/**`: everything inside, not the directory name itself.
    ("/docs/**", "docs/a.md", True),
    ("/docs/**", "docs/a/b/c.md", True),
    ("/docs/**", "docs", False),
    ("/docs/**", "src/docs/a.md", False),
    # `**` alone matches everything.
    ("**", "a/b/c", True),
    # Wildcards in a middle segment keep the contents rule of the last segment.
    ("/a*/b", "abc/b", True),
    ("/a*/b", "abc/b/c.txt", True),
    ("/a*/b", "abc/d/b", False),
    # `*` never crosses a slash.
    ("/src/*.py", "src/a.py", True),
    ("/src/*.py", "src/pkg/a.py", False),
    # Regex metacharacters are literal.
    ("/a.b", "a.b", True),
    ("/a.b", "axb", False),
    ("/a+b", "a+b", True),
    ("/a+b", "aab", False),
    ("/a#b", "a#b", True),
    ("/a(b)", "a(b)", True),
    ("/a$", "a$", True),
])
def test_pattern_matching_follows_githubs_rules(pattern, path, expected):
    assert matches(pattern, path) is expected


@pytest.mark.parametrize("pattern, regex", [
    ("*", ".+"),
    ("*.js", r"(?:.*/)?[^/]*\.js\Z"),
    ("docs/", r"(?:.*/)?docs/.+\Z"),
    ("/docs/", r"docs/.+\Z"),
    ("/docs", r"docs(?:/.+)?\Z"),
    ("docs", r"(?:.*/)?docs(?:/.+)?\Z"),
    ("docs/*", r"docs/[^/]*\Z"),
    ("**/logs", r"(?:[^/]+/)*logs(?:/.+)?\Z"),
    ("/docs/**", r"docs/.*(?:/.+)?\Z"),
])
def test_pattern_regex_exactly(pattern, regex):
    assert _pattern_regex(pattern).pattern == regex


def test_the_last_matching_line_decides_and_an_ownerless_line_removes_ownership():
    owners = parse_codeowners(
        "* @everyone\n"
        "/apps/ @octocat\n"
        "/apps/github\n"
        "*.go @gopher\n", "CODEOWNERS")
    assert owners.owners_of("README.md") == ("everyone",)
    assert owners.owners_of("apps/web.yaml") == ("octocat",)
    assert owners.owners_of("apps/github/x.rb") == ()      # last match has no owners
    assert owners.owners_of("apps/github/main.go") == ("gopher",)
    assert owners.owners_of("main.go") == ("gopher",)
    # The order of lines, not their specificity, decides.
    reordered = parse_codeowners("/apps/ @octocat\n* @everyone\n", "CODEOWNERS")
    assert reordered.owners_of("apps/web.yaml") == ("everyone",)
    # Nothing matches: unowned.
    assert parse_codeowners("/apps/ @octocat\n", "CODEOWNERS").owners_of("lib/a.py") == ()


def test_requirements_name_one_approval_per_owned_file():
    owners = parse_codeowners("/apps/ @octocat @acme/web\n/apps/github\n", "CODEOWNERS")
    assert owners.requirements(["apps/a.yaml", "apps/github/b.rb", "lib/c.py",
                                "apps/d.yaml"]) == [
        OwnerRequirement("apps/a.yaml", ("apps/a.yaml",), ("octocat", "acme/web"), 1),
        OwnerRequirement("apps/d.yaml", ("apps/d.yaml",), ("octocat", "acme/web"), 1)]
    assert owners.requirements(["lib/c.py"]) == []


def test_parse_keeps_patterns_owners_and_line_numbers():
    text = ("# comment\n"                          # 1 skipped
            "\n"                                   # 2 skipped
            "   # indented comment @x\n"           # 3 skipped
            "*.js @alice @acme/web-team\n"         # 4
            "/docs/ docs@example.com @bob # inline comment @mallory\n"   # 5
            "/apps/github\n"                       # 6 no owners: valid, unowns
            "\t/build/logs/   @o-k  \n"            # 7 whitespace around
            "/a#b @carol\n"                        # 8 `#` without a space before it
            "/x @acme/team.name_1\n")              # 9
    owners = parse_codeowners(text, ".github/CODEOWNERS")
    assert owners.path == ".github/CODEOWNERS"
    assert owners.invalid == ()
    assert [(e.pattern, e.owners, e.line) for e in owners.lines] == [
        ("*.js", ("alice", "acme/web-team"), 4),
        ("/docs/", ("docs@example.com", "bob"), 5),
        ("/apps/github", (), 6),
        ("/build/logs/", ("o-k",), 7),
        ("/a#b", ("carol",), 8),
        ("/x", ("acme/team.name_1",), 9)]
    assert [e.regex.pattern for e in owners.lines] == [
        _pattern_regex(e.pattern).pattern for e in owners.lines]


def test_parse_of_nothing_but_comments_is_empty():
    assert parse_codeowners("# only\n\n  \n", "CODEOWNERS") == CodeOwners("CODEOWNERS", (), ())
    assert parse_codeowners("", "docs/CODEOWNERS") == CodeOwners("docs/CODEOWNERS", (), ())


@pytest.mark.parametrize("line, reason", [
    ("!/secret @alice", "negation (!) is not supported by GitHub"),
    ("/app/[ab].yaml @alice", "character ranges ([...]) are not supported by GitHub"),
    ("/app/a].yaml @alice", "character ranges ([...]) are not supported by GitHub"),
    ("/app/[a.yaml @alice", "character ranges ([...]) are not supported by GitHub"),
    ("\\#file @alice", "escaping # with \\ is not supported by GitHub"),
    ("/a alice", "'alice' is not a @user, @org/team or e-mail address"),
    ("/a @alice bob", "'bob' is not a @user, @org/team or e-mail address"),
    ("/a @-alice", "'@-alice' is not a @user, @org/team or e-mail address"),
    ("/a @alice-", "'@alice-' is not a @user, @org/team or e-mail address"),
    ("/a @al_ice", "'@al_ice' is not a @user, @org/team or e-mail address"),
    ("/a @org/team/sub", "'@org/team/sub' is not a @user, @org/team or e-mail address"),
    ("/a @org/", "'@org/' is not a @user, @org/team or e-mail address"),
    ("/a @-org/team", "'@-org/team' is not a @user, @org/team or e-mail address"),
    ("/a jane@example", "'jane@example' is not a @user, @org/team or e-mail address"),
    ("/a @alice#x", "'@alice#x' is not a @user, @org/team or e-mail address"),
    ("/a @x @y z w", "'z' is not a @user, @org/team or e-mail address"),   # the first one
    # A pattern problem is named before an owner problem.
    ("!/a bob", "negation (!) is not supported by GitHub"),
    ("[x] bob", "character ranges ([...]) are not supported by GitHub"),
    ("\\#x bob", "escaping # with \\ is not supported by GitHub"),
    ("![x] @a", "negation (!) is not supported by GitHub"),
])
def test_invalid_lines_are_refused_with_the_reason(line, reason):
    owners = parse_codeowners(f"* @root\n{line}\n/ok @ok\n", "CODEOWNERS")
    assert owners.invalid == (InvalidLine(2, reason),)
    # The invalid line is skipped entirely; the lines around it still count.
    assert [(e.pattern, e.owners, e.line) for e in owners.lines] == [
        ("*", ("root",), 1), ("/ok", ("ok",), 3)]


@pytest.mark.parametrize("token, owner", [
    ("@a", "a"),
    ("@alice", "alice"),
    ("@a-b-c", "a-b-c"),
    ("@A1", "A1"),
    ("@org/team", "org/team"),
    ("@org-1/team.name_2-x", "org-1/team.name_2-x"),
    ("jane@example.com", "jane@example.com"),
    ("j.doe+ci@mail.example.co.uk", "j.doe+ci@mail.example.co.uk"),
])
def test_valid_owner_spellings(token, owner):
    owners = parse_codeowners(f"/a {token}\n", "CODEOWNERS")
    assert owners.invalid == ()
    assert owners.owners_of("a") == (owner,)


def test_invalid_lines_report_their_own_numbers():
    owners = parse_codeowners("!a @x\n\n# c\n/b nobody\n/c @c\n[d] @d\n", "CODEOWNERS")
    assert owners.invalid == (
        InvalidLine(1, "negation (!) is not supported by GitHub"),
        InvalidLine(4, "'nobody' is not a @user, @org/team or e-mail address"),
        InvalidLine(6, "character ranges ([...]) are not supported by GitHub"))
    assert [(e.pattern, e.line) for e in owners.lines] == [("/c", 5)]


def read_from(files: dict[str, bytes]):
    calls: list[str] = []

    def read(path: str) -> bytes | None:
        calls.append(path)
        return files.get(path)
    return read, calls


def test_find_codeowners_prefers_github_then_root_then_docs():
    every = {".github/CODEOWNERS": b"* @gh\n", "CODEOWNERS": b"* @root\n",
             "docs/CODEOWNERS": b"* @docs\n"}
    read, calls = read_from(every)
    found = find_codeowners(read)
    assert isinstance(found, CodeOwners)
    assert (found.path, found.owners_of("x")) == (".github/CODEOWNERS", ("gh",))
    assert calls == [".github/CODEOWNERS"]

    read, calls = read_from({k: v for k, v in every.items() if k != ".github/CODEOWNERS"})
    found = find_codeowners(read)
    assert (found.path, found.owners_of("x")) == ("CODEOWNERS", ("root",))
    assert calls == [".github/CODEOWNERS", "CODEOWNERS"]

    read, calls = read_from({"docs/CODEOWNERS": b"* @docs\n"})
    found = find_codeowners(read)
    assert (found.path, found.owners_of("x")) == ("docs/CODEOWNERS", ("docs",))
    assert calls == [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]

    read, calls = read_from({".gitlab/CODEOWNERS": b"* @gl\n", "src/CODEOWNERS": b"* @s\n"})
    assert find_codeowners(read) is None
    assert calls == [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]


def test_find_codeowners_uses_an_empty_file_and_tolerates_bad_utf8():
    # An empty file exists: it wins over later locations and owns nothing.
    read, _ = read_from({".github/CODEOWNERS": b"", "CODEOWNERS": b"* @root\n"})
    assert find_codeowners(read) == CodeOwners(".github/CODEOWNERS", (), ())
    read, _ = read_from({"CODEOWNERS": b"# caf\xff\n/a @alice\n"})
    found = find_codeowners(read)
    assert (found.owners_of("a"), found.invalid) == (("alice",), ())


def test_find_codeowners_for_gitlab_reads_gitlabs_locations_with_gitlabs_rules():
    read, calls = read_from({".github/CODEOWNERS": b"* @gh\n", "docs/CODEOWNERS": b"* @docs\n",
                             ".gitlab/CODEOWNERS": b"* @gl\n"})
    found = find_codeowners(read, "gitlab")
    assert isinstance(found, GitLabCodeOwners)
    assert (found.path, found.owners_of("x")) == ("docs/CODEOWNERS", ("docs",))
    assert calls == ["CODEOWNERS", "docs/CODEOWNERS"]
    read, calls = read_from({".github/CODEOWNERS": b"* @gh\n"})
    assert find_codeowners(read, "gitlab") is None
    assert calls == ["CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"]
