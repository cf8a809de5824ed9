"""load_context_file: the `--pr-context FILE` form of the PR facts, validated first."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from policygate.approvals.context import PullRequestContext, Ref
from policygate.approvals.context_file import ContextFileError, load_context_file
from policygate.github.facts import fetch_pr_context
from tests.github.fake_state import fake_sha

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
    with pytest.raises(ContextFileError) as caught:
        load_context_file(path)
    assert str(caught.value) == f"{path}: {problem}"


def test_several_errors_report_the_first_and_count_the_rest(tmp_path):
    data = broken(("number",), "42")
    data["author"] = ""
    data["labels"] = [1]
    path = write_json(tmp_path, data)
    with pytest.raises(ContextFileError) as caught:
        load_context_file(path)
    assert str(caught.value) == f"{path}: $.author: must not be empty (and 2 more problems)"


def test_invalid_json_names_line_and_column(tmp_path):
    path = tmp_path / "pr.json"
    path.write_text('{"repository": "acme/gitops",\n "number": 42,,}', encoding="utf-8")
    with pytest.raises(ContextFileError) as caught:
        load_context_file(path)
    assert str(caught.value) == (f"{path}:2:15: invalid JSON: Expecting property name enclosed "
                                 f"in double quotes")


def test_invalid_yaml_names_line_and_column(tmp_path):
    path = tmp_path / "pr.yml"
    path.write_text("repository: acme/gitops\nnumber: [42\n", encoding="utf-8")
    with pytest.raises(ContextFileError) as caught:
        load_context_file(path)
    assert str(caught.value).startswith(f"{path}:3:1: invalid YAML: expected ',' or ']'")


def test_unreadable_file(tmp_path):
    path = tmp_path / "missing.json"
    with pytest.raises(ContextFileError) as caught:
        load_context_file(path)
    assert str(caught.value) == f"{path}: cannot read the PR context: No such file or directory"
