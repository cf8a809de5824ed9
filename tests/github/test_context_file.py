"""load_context_file: the `--pr-context FILE` form of the PR facts, validated first."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from policygate.approvals.context import (ChangedFile, Commit, PullRequestContext, Ref, Review,
                                         context_from_json)
from policygate.approvals.context_file import ContextFileError, load_context_file
from policygate.github.facts import fetch_pr_context
from tests.conftest import run_cli
from tests.github.fake_state import fake_sha
from tests.sources.gitrepo import Repo

HEAD, BASE = fake_sha("head"), fake_sha("base")
DOCUMENT = {
    "version": 1, "platform": "github", "repository": "acme/gitops", "number": 42,
    "author": "dave",
    "base": {"ref": "main", "sha": BASE}, "head": {"ref": "feat", "sha": HEAD},
    "labels": ["prod"],
    "files": [{"path": "deploy/prod/web.yaml", "status": "modified", "previous_path": None},
              {"path": "deploy/b.yaml", "status": "renamed", "previous_path": "deploy/a.yaml"}],
    "commits": [{"sha": HEAD, "author": "dave", "committer": None}],
    "reviews": [{"user": "alice", "state": "APPROVED", "commit_id": HEAD,
                 "submitted_at": "2026-11-20T10:00:00Z"}],
    "teams": {"acme/platform": ["alice", "bob"]},
    "team_errors": {"acme/security": "404 Not Found: the team does not exist"},
    "files_truncated": True}


def write_json(tmp_path: Path, data, name: str = "pr.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_valid_file_round_trips_through_to_json(tmp_path):
    context = load_context_file(write_json(tmp_path, DOCUMENT))
    assert context.to_json() == DOCUMENT
    assert context.head == Ref("feat", HEAD) and context.teams["acme/platform"] == ("alice", "bob")


def test_optional_sections_default_to_empty(tmp_path):
    required = {key: DOCUMENT[key] for key in ("repository", "number", "author", "base", "head")}
    context = load_context_file(write_json(tmp_path, required))
    assert (context.files, context.reviews, context.teams, context.files_truncated) == (
        (), (), {}, False)


def test_yaml_file_keeps_timestamps_as_strings(tmp_path):
    path = tmp_path / "pr.yaml"
    path.write_text(f"""\
repository: acme/gitops
number: 42
author: dave
base: {{ref: main, sha: "{BASE}"}}
head: {{ref: feat, sha: "{HEAD}"}}
reviews:
  - user: alice
    state: APPROVED
    commit_id: "{HEAD}"
    submitted_at: 2026-11-20T10:00:00Z
""", encoding="utf-8")
    context = load_context_file(path)
    assert context.reviews[0].submitted_at == "2026-11-20T10:00:00Z"


def test_facts_from_github_saved_and_loaded_are_the_same(tmp_path, fake_github, client):
    pull = fake_github.add_pull("acme/gitops", 42, labels=["prod"])
    pull.add_file("deploy/web.yaml", before="a: 1\n", after="a: 2\n")
    pull.add_commit("dave")
    pull.add_review("alice")
    fetched = fetch_pr_context(client, "acme/gitops", 42, teams=["acme/none"])
    loaded = load_context_file(write_json(tmp_path, fetched.to_json()))
    assert isinstance(loaded, PullRequestContext) and loaded == fetched


def load_error(path: Path) -> str:
    """The one-line message load_context_file refuses `path` with."""
    with pytest.raises(ContextFileError) as caught:
        load_context_file(path)
    return str(caught.value)


def broken(path: tuple, value) -> dict:
    """DOCUMENT with the value at `path` replaced (or, for `...`, the key removed)."""
    data = copy.deepcopy(DOCUMENT)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize("data, problem", [
    (broken(("author",), ...), "$: missing required key 'author'"),
    (broken(("base", "sha"), ...), "$.base: missing required key 'sha'"),
    (broken(("files", 0, "mode"), "100644"),
     "$.files[0].mode: unknown key (allowed: path, previous_path, status)"),
    (broken(("approvals",), []), "$.approvals: unknown key (allowed: author, base, commits, "
     "files, files_truncated, head, labels, number, platform, repository, reviews, team_errors, "
     "teams, version)"),
    (broken(("reviews", 0, "state"), "LGTM"), "$.reviews[0].state: 'LGTM' is not one of "
     "APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING"),
    (broken(("version",), 2), "$.version: 2 is not supported (expected 1)"),
    (broken(("number",), "42"), "$.number: expected integer, found string"),
    (broken(("number",), 0), "$.number: 0 is below the minimum 1"),
    (broken(("commits", 0, "author"), 5),
     "$.commits[0].author: expected string or null, found integer"),
    (broken(("base", "sha"), "abc123"),
     "$.base.sha: 'abc123' is not a 40-character lower-case hex commit SHA"),
    (broken(("reviews", 0, "commit_id"), HEAD.upper()),
     f"$.reviews[0].commit_id: '{HEAD.upper()}' is not a 40-character lower-case hex commit "
     f"SHA"),
    (broken(("repository",), "gitops"), "$.repository: 'gitops' is not of the form owner/name"),
    (broken(("teams",), {"platform": ["alice"]}),
     "$.teams: key 'platform' is not of the form org/team"),
    (broken(("author",), ""), "$.author: must not be empty"),
    (broken(("files_truncated",), "yes"), "$.files_truncated: expected boolean, found string"),
    ([DOCUMENT], "$: expected object, found array"),
])
def test_each_schema_error_names_file_path_and_problem(tmp_path, data, problem):
    path = write_json(tmp_path, data)
    assert load_error(path) == f"{path}: {problem}"


def test_several_errors_report_the_first_and_count_the_rest(tmp_path):
    data = broken(("number",), "42")
    data["author"] = ""
    data["labels"] = [1]
    path = write_json(tmp_path, data)
    assert load_error(path) == f"{path}: $.author: must not be empty (and 2 more problems)"


def test_invalid_json_names_line_and_column(tmp_path):
    path = tmp_path / "pr.json"
    path.write_text('{"repository": "acme/gitops",\n "number": 42,,}', encoding="utf-8")
    assert load_error(path) == (f"{path}:2:15: invalid JSON: Expecting property name enclosed "
                                 f"in double quotes")


def test_invalid_yaml_names_line_and_column(tmp_path):
    path = tmp_path / "pr.yml"
    path.write_text("repository: acme/gitops\nnumber: [42\n", encoding="utf-8")
    assert load_error(path).startswith(f"{path}:3:1: invalid YAML: expected ',' or ']'")


def test_unreadable_file(tmp_path):
    path = tmp_path / "missing.json"
    assert load_error(path) == f"{path}: cannot read the PR context: No such file or directory"


# --- every kind of problem _describe tells apart, worded exactly -------------------------

GITLAB = broken(("platform",), "gitlab")
STATES = "APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING"
STATUSES = "added, modified, removed, renamed, copied, changed, unchanged"


def with_keys(data: dict, **changes) -> dict:
    return {**copy.deepcopy(data), **changes}


@pytest.mark.parametrize("data, problem", [
    # missing required keys: the first one missing, at the top level and nested
    ({}, "$: missing required key 'repository' (and 4 more problems)"),
    (broken(("repository",), ...), "$: missing required key 'repository'"),
    (broken(("head",), ...), "$: missing required key 'head'"),
    (broken(("files", 0, "path"), ...), "$.files[0]: missing required key 'path'"),
    (broken(("reviews", 0, "user"), ...), "$.reviews[0]: missing required key 'user'"),
    (broken(("commits", 0, "sha"), ...), "$.commits[0]: missing required key 'sha'"),
    # unknown keys, with the allowed ones of that object
    (broken(("base", "extra"), 1), "$.base.extra: unknown key (allowed: ref, sha)"),
    (broken(("commits", 0, "x"), 1),
     "$.commits[0].x: unknown key (allowed: author, committer, sha)"),
    (broken(("reviews", 0, "x"), 1),
     "$.reviews[0].x: unknown key (allowed: commit_id, state, submitted_at, user)"),
    # wrong type: every JSON type name
    (broken(("labels",), "prod"), "$.labels: expected array, found string"),
    (broken(("labels",), {"a": 1}), "$.labels: expected array, found object"),
    (broken(("base",), "main"), "$.base: expected object, found string"),
    (broken(("labels", 0), None), "$.labels[0]: expected string, found null"),
    (broken(("labels", 0), 1.5), "$.labels[0]: expected string, found number"),
    (broken(("labels", 0), True), "$.labels[0]: expected string, found boolean"),
    (broken(("number",), True), "$.number: expected integer, found boolean"),
    (broken(("number",), 4.5), "$.number: expected integer, found number"),
    (broken(("teams", "acme/platform"), "alice"),
     "$.teams['acme/platform']: expected array, found string"),
    (broken(("team_errors", "acme/security"), 403),
     "$.team_errors['acme/security']: expected string, found integer"),
    # oneOf (commit_id: a SHA or null): a value of neither type reports the type
    (broken(("reviews", 0, "commit_id"), 5),
     "$.reviews[0].commit_id: expected string, found integer"),
    (broken(("reviews", 0, "commit_id"), "abc"),
     "$.reviews[0].commit_id: 'abc' is not a 40-character lower-case hex commit SHA"),
    # enum, with _show of non-strings
    (broken(("platform",), "bitbucket"), "$.platform: 'bitbucket' is not one of github, gitlab"),
    (broken(("platform",), ["gitlab"]), "$.platform: ['gitlab'] is not one of github, gitlab"),
    (broken(("files", 0, "status"), None), f"$.files[0].status: None is not one of {STATUSES}"),
    (broken(("reviews", 0, "state"), 5), f"$.reviews[0].state: 5 is not one of {STATES}"),
    # minimum, minLength
    (broken(("number",), -3), "$.number: -3 is below the minimum 1"),
    (broken(("files", 0, "path"), ""), "$.files[0].path: must not be empty"),
    (broken(("reviews", 0, "user"), ""), "$.reviews[0].user: must not be empty"),
    (broken(("repository",), ""), "$.repository: must not be empty (and 1 more problem)"),
    # the repository and team shapes depend on the platform
    (broken(("repository",), "acme/sub/gitops"),
     "$.repository: 'acme/sub/gitops' is not of the form owner/name"),
    (with_keys(GITLAB, repository="gitops"),
     "$.repository: 'gitops' is not of the form group/project"),
    (with_keys(GITLAB, teams={"bad key!": []}),
     "$.teams: key 'bad key!' is not a group path or @@role"),
    (broken(("teams",), {"@@developer": []}),
     "$.teams: key '@@developer' is not of the form org/team"),
])
def test_each_kind_of_schema_error_has_its_exact_message(tmp_path, data, problem):
    path = write_json(tmp_path, data)
    assert load_error(path) == f"{path}: {problem}"


def test_gitlab_accepts_nested_groups_and_roles_that_github_refuses(tmp_path):
    """The negative case beside the gitlab shape errors above."""
    data = with_keys(GITLAB, repository="acme/sub/gitops",
                     teams={"@@developer": ["alice"], "acme/sub/ops": ["bob"], "acme": []})
    context = load_context_file(write_json(tmp_path, data))
    assert (context.platform, context.repository) == ("gitlab", "acme/sub/gitops")
    assert context.teams == {"@@developer": ("alice",), "acme/sub/ops": ("bob",), "acme": ()}


@pytest.mark.parametrize("length, shown", [
    (58, "'" + "X" * 58 + "'"),            # repr of 60 characters: shown whole
    (59, "'" + "X" * 56 + "..."),          # 61: cut to 57 and an ellipsis
])
def test_long_values_are_cut_at_sixty_characters(tmp_path, length, shown):
    path = write_json(tmp_path, broken(("reviews", 0, "state"), "X" * length))
    assert load_error(path) == f"{path}: $.reviews[0].state: {shown} is not one of {STATES}"


def test_the_first_error_is_the_first_by_json_path_not_by_schema_order(tmp_path):
    data = broken(("number",), "42")       # `number` comes before `base` in the schema
    data["base"]["sha"] = "abc"
    path = write_json(tmp_path, data)
    assert load_error(path) == (f"{path}: $.base.sha: 'abc' is not a 40-character lower-case "
                                 f"hex commit SHA (and 1 more problem)")


# --- parsing: JSON, YAML, unreadable files --------------------------------------------------

@pytest.mark.parametrize("name, text, message", [
    ("pr.json", "", ":1:1: invalid JSON: Expecting value"),
    ("pr.json", "[1,\n 2,]", ":2:4: invalid JSON: Expecting value"),
    ("pr.json", "{} x", ":1:4: invalid JSON: Extra data"),
    ("pr.yml", "repository: acme/gitops\nnumber: [42\n",
     ":3:1: invalid YAML: expected ',' or ']', but got '<stream end>'"),
    ("pr.yaml", "a: b\n  c: d\n", ":2:4: invalid YAML: mapping values are not allowed here"),
    ("pr.yaml", "a: !!python/object:os.system x\n",
     ":1:4: invalid YAML: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object:os.system'"),
    # A control character: the reader's problem, on one line (its text goes on to name the
    # stream on a second line).
    ("pr.yaml", "a: \x07\n", ": invalid YAML: unacceptable character #x0007: special "
                              "characters are not allowed"),
    ("PR.YAML", "- a\n- b\n", ": $: expected object, found array"),
    ("pr.yaml", "just text\n", ": $: expected object, found string"),
    ("pr.yml", "", ": $: expected object, found null"),
    ("pr.yml", "{}", ": $: missing required key 'repository' (and 4 more problems)"),
])
def test_parse_errors_name_file_line_and_column(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert load_error(path) == f"{path}{message}"


YAML_DOCUMENT = f"""\
platform: gitlab
repository: acme/sub/gitops
number: 42
author: dave
base: {{ref: main, sha: "{BASE}"}}
head: {{ref: feat, sha: "{HEAD}"}}
labels: [prod, "2026-11-20"]
files_truncated: true
"""


@pytest.mark.parametrize("name", ["pr.yaml", "pr.yml", "PR.Yml"])
def test_yaml_context_keeps_yaml_types_but_not_timestamps(tmp_path, name):
    path = tmp_path / name
    path.write_text(YAML_DOCUMENT.replace('"2026-11-20"', "2026-11-20"), encoding="utf-8")
    context = load_context_file(path)
    assert context == PullRequestContext(
        repository="acme/sub/gitops", number=42, author="dave", base=Ref("main", BASE),
        head=Ref("feat", HEAD), labels=("prod", "2026-11-20"), files_truncated=True,
        platform="gitlab")


def test_reading_a_yaml_context_leaves_the_global_safe_loader_alone(tmp_path):
    import datetime

    import yaml

    path = tmp_path / "pr.yaml"
    path.write_text(YAML_DOCUMENT, encoding="utf-8")
    load_context_file(path)
    assert yaml.safe_load("d: 2026-11-20") == {"d": datetime.date(2026, 11, 20)}


@pytest.mark.parametrize("tag", ["!!binary aGVsbG8=", "!!set {dave: null}"])
def test_yaml_only_values_are_named_a_value(tmp_path, tag):
    path = tmp_path / "pr.yaml"
    path.write_text(YAML_DOCUMENT.replace("author: dave", f"author: {tag}"), encoding="utf-8")
    assert load_error(path) == f"{path}: $.author: expected string, found a value"


def test_yaml_suffix_is_what_selects_yaml(tmp_path):
    """YAML text in a .json file is a JSON error, not silently parsed."""
    path = tmp_path / "pr.json"
    path.write_text(YAML_DOCUMENT, encoding="utf-8")
    assert load_error(path) == f"{path}:1:1: invalid JSON: Expecting value"


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "pr.json"
    path.write_bytes(b"\xff\xfe{}")
    assert load_error(path) == f"{path}: the PR context is not UTF-8 text"


def test_a_directory_cannot_be_read(tmp_path):
    assert load_error(tmp_path) == f"{tmp_path}: cannot read the PR context: Is a directory"


def test_load_context_file_accepts_a_string_path(tmp_path):
    path = write_json(tmp_path, DOCUMENT)
    assert load_context_file(str(path)) == load_context_file(path)


# --- what the user sees: `approvals --pr-context FILE` ------------------------------------

def test_cli_reports_a_bad_context_as_one_stderr_line_and_exit_2(tmp_path):
    repo = Repo(tmp_path / "gitops")
    repo.commit({"README.md": "x\n"}, "base")
    (repo.root / "pr.json").write_text(json.dumps(broken(("platform",), "bitbucket")))
    run = run_cli("approvals", "--pr-context", "pr.json", cwd=repo.root)
    assert run.exit_code == 2
    assert run.stderr == ("policygate: error: pr.json: $.platform: 'bitbucket' is not one of "
                          "github, gitlab\n")
    assert run.stdout == ""


# --- to_json / context_from_json --------------------------------------------------------------

FULL = PullRequestContext(
    repository="acme/sub/gitops", number=9, author="dave",
    base=Ref("main", BASE), head=Ref("feat", HEAD), labels=("prod", "db"),
    files=(ChangedFile("deploy/b.yaml", "renamed", "deploy/a.yaml"),
           ChangedFile("deploy/c.yaml", "added")),
    commits=(Commit(HEAD, "dave", None), Commit(BASE, None, "erin")),
    reviews=(Review("alice", "APPROVED", HEAD, "2026-11-20T10:00:00Z"),
             Review("bob", "COMMENTED", None, None)),
    teams={"@@maintainer": ("alice",), "acme/sub/ops": ("bob", "carol")},
    team_errors={"acme/security": "403 Forbidden"},
    files_truncated=True, platform="gitlab")


def test_every_field_survives_to_json_and_back(tmp_path):
    assert context_from_json(FULL.to_json()) == FULL
    assert load_context_file(write_json(tmp_path, FULL.to_json())) == FULL


def test_to_json_spells_out_every_key():
    small = PullRequestContext(
        repository="acme/gitops", number=7, author="dave", base=Ref("main", BASE),
        head=Ref("feat", HEAD), labels=("prod",), files=(ChangedFile("a.yaml", "added"),),
        commits=(Commit(HEAD, None, "dave"),), reviews=(Review("bob", "COMMENTED", None, None),),
        teams={"acme/ops": ("bob",)}, team_errors={"acme/sec": "404 Not Found"})
    assert small.to_json() == {
        "version": 1, "platform": "github", "repository": "acme/gitops", "number": 7,
        "author": "dave", "base": {"ref": "main", "sha": BASE},
        "head": {"ref": "feat", "sha": HEAD}, "labels": ["prod"],
        "files": [{"path": "a.yaml", "status": "added", "previous_path": None}],
        "commits": [{"sha": HEAD, "author": None, "committer": "dave"}],
        "reviews": [{"user": "bob", "state": "COMMENTED", "commit_id": None,
                     "submitted_at": None}],
        "teams": {"acme/ops": ["bob"]}, "team_errors": {"acme/sec": "404 Not Found"},
        "files_truncated": False}
    assert list(small.to_json()) == [
        "version", "platform", "repository", "number", "author", "base", "head", "labels",
        "files", "commits", "reviews", "teams", "team_errors", "files_truncated"]


def test_to_json_of_a_minimal_context():
    minimal = PullRequestContext("acme/gitops", 1, "dave", Ref("main", BASE), Ref("feat", HEAD))
    assert minimal.to_json() == {
        "version": 1, "platform": "github", "repository": "acme/gitops", "number": 1,
        "author": "dave", "base": {"ref": "main", "sha": BASE},
        "head": {"ref": "feat", "sha": HEAD}, "labels": [], "files": [], "commits": [],
        "reviews": [], "teams": {}, "team_errors": {}, "files_truncated": False}


def test_to_json_output_does_not_share_state_with_the_context():
    out = FULL.to_json()
    out["team_errors"]["acme/x"] = "500"
    out["teams"]["@@maintainer"].append("mallory")
    out["labels"].append("skip-review")
    assert FULL.team_errors == {"acme/security": "403 Forbidden"}
    assert FULL.teams["@@maintainer"] == ("alice",)
    assert FULL.labels == ("prod", "db")


def test_context_from_json_fills_the_optional_fields():
    data = {"repository": "acme/gitops", "number": 3, "author": "dave",
            "base": {"ref": "main", "sha": BASE}, "head": {"ref": "feat", "sha": HEAD},
            "files": [{"path": "a.yaml", "status": "modified"}],
            "commits": [{"sha": HEAD}], "reviews": [{"user": "bob", "state": "APPROVED"}]}
    assert context_from_json(data) == PullRequestContext(
        repository="acme/gitops", number=3, author="dave", base=Ref("main", BASE),
        head=Ref("feat", HEAD), labels=(), files=(ChangedFile("a.yaml", "modified", None),),
        commits=(Commit(HEAD, None, None),), reviews=(Review("bob", "APPROVED", None, None),),
        teams={}, team_errors={}, files_truncated=False, platform="github")


def test_context_from_json_copies_what_it_is_given():
    data = FULL.to_json()
    context = context_from_json(data)
    data["team_errors"]["acme/x"] = "500"
    data["teams"]["acme/sub/ops"].append("mallory")
    assert context.team_errors == {"acme/security": "403 Forbidden"}
    assert context.teams["acme/sub/ops"] == ("bob", "carol")
    assert isinstance(context.labels, tuple) and isinstance(context.files, tuple)
