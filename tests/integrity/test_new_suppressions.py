"""A change cannot silence its own violation (issue 13, item 7): a suppression it adds is
honoured in a pull request only with the approval the base config asks for."""
from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.integrity.helpers import feature_repo, pod, pr_context

FILE = "deploy/web.yaml"
CLEAN = pod("web")
COMMENTED = pod("web", hostPID="true  # policygate: ignore[pss/host-namespaces] reviewed by ops")
ANNOTATED = pod("web", hostPID="true").replace(
    "  namespace: shop\n", "  namespace: shop\n  annotations:\n"
    "    policygate.dev/ignore: pss/host-namespaces\n    policygate.dev/ignore-reason: node agent\n")
APPROVALS = """\
approvals:
  if_no_rule_applies: pass
  rules:
    - name: suppressions-ok
      if: {adds_suppressions: {rules: [FILTER]}}
      requires: {count: 1, teams: [acme/security]}
  teams: {acme/security: [sam]}
"""
SELECT = ("--select", "pss,policygate,approval", "--pss-warn-level", "none")


def _what(commit: str) -> str:
    """How a new-suppression finding names the comment suppression of COMMENTED."""
    return (f"new comment suppression of pss/host-namespaces in Pod/shop/web (reason: "
            f"reviewed by ops; added in commit {commit})")


def _pr(tmp_path, head_text: str, base_files: dict | None = None, reviews=()):
    repo = feature_repo(tmp_path / "repo", {FILE: CLEAN, **(base_files or {})})
    base = repo.git("rev-parse", "main").strip()
    head = repo.commit({FILE: head_text}, "silence it")
    context = pr_context(repo, base, head, [{"path": FILE, "status": "modified"}], reviews)
    run = run_cli("check", "--format", "json", *SELECT, "--pr-context", context, cwd=repo.root)
    assert run.exit_code in (0, 1), run.stderr
    return run, head[:12]


def _found(run) -> list[tuple[str, str, int, str]]:
    return [(f["rule"], f["severity"], f["line"], f["message"]) for f in run.json()["findings"]]


@pytest.mark.parametrize("text, kind, line, reason", [
    (COMMENTED, "comment", 7, "reviewed by ops"), (ANNOTATED, "annotation", 7, "node agent")])
def test_a_suppression_added_by_the_pull_request_is_not_honoured(tmp_path, text, kind, line,
                                                                  reason):
    """The class: any suppression written in a manifest the pull request changes."""
    run, commit = _pr(tmp_path, text)
    finding_line = 7 if kind == "comment" else 10
    assert run.exit_code == 1
    assert _found(run) == [
        ("policygate/new-suppression", "error", line,
         f"new {kind} suppression of pss/host-namespaces in Pod/shop/web (reason: {reason}; "
         f"added in commit {commit}) is not honoured: no approval rule covers new "
         f"suppressions — add one with `adds_suppressions` to the base config's approvals, "
         f"or remove it"),
        ("pss/host-namespaces", "error", finding_line,
         "pod shares the host's process (PID) namespace (hostPID=true): remove the field or "
         "set it to false")]
    assert run.json()["suppressed"] == []


def test_the_approval_rule_decides_and_the_report_names_the_approver(tmp_path):
    config = {".policygate.yaml": APPROVALS.replace("FILTER", "pss")}
    pending, commit = _pr(tmp_path / "a", COMMENTED, config)
    assert pending.exit_code == 1
    assert [(r, s, l) for r, s, l, _ in _found(pending)] == [
        ("approval/missing", "error", 4), ("policygate/new-suppression", "error", 7),
        ("pss/host-namespaces", "error", 7)]
    assert _found(pending)[1][3] == (
        f"{_what(commit)} is not honoured: approval rule 'suppressions-ok' is pending: adds a "
        f"suppression of pss/host-namespaces in Pod/shop/web; needs 1 more approval from "
        f"acme/security (sam)")

    approved, commit = _pr(tmp_path / "b", COMMENTED, config, reviews=["sam"])
    assert approved.exit_code == 0
    assert _found(approved) == [(
        "policygate/new-suppression", "note", 7,
        f"{_what(commit)} is honoured: approved by sam (approval rule 'suppressions-ok')")]
    [suppressed] = approved.json()["suppressed"]
    assert (suppressed["rule"], suppressed["suppression"]["approved_by"]) == \
        ("pss/host-namespaces", ["sam"])


def test_the_new_suppression_finding_in_full(tmp_path):
    """On the suppression's line, about the resource, from the config (never suppressible)."""
    run, commit = _pr(tmp_path, COMMENTED)
    assert run.json()["findings"][0] == {
        "rule": "policygate/new-suppression", "severity": "error",
        "message": f"{_what(commit)} is not honoured: no approval rule covers new suppressions "
                   f"— add one with `adds_suppressions` to the base config's approvals, or "
                   f"remove it",
        "file": FILE, "line": 7, "column": 1, "end_line": 7,
        "resource": {"apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": "web"},
        "path": None, "source": "config", "fix": None}


@pytest.mark.parametrize("requires, reviews, who", [
    ("{count: 2, teams: [acme/security]}", ["sam", "sue"], "sam, sue"),
    ("{count: 0}", [], "no approval needed"),
])
def test_an_honoured_suppression_names_its_approvers(tmp_path, requires, reviews, who):
    config = APPROVALS.replace("FILTER", "pss").replace(
        "{count: 1, teams: [acme/security]}", requires).replace("[sam]", "[sam, sue]")
    text = COMMENTED.replace(" reviewed by ops", "")
    run, commit = _pr(tmp_path, text, {".policygate.yaml": config}, reviews=reviews)
    assert _found(run) == [(
        "policygate/new-suppression", "note", 7,
        f"new comment suppression of pss/host-namespaces in Pod/shop/web (reason: none given; "
        f"added in commit {commit}) is honoured: approved by {who} (approval rule "
        f"'suppressions-ok')"),
        ("policygate/suppression-without-reason", "warning", 7,
         "comment suppression of pss/host-namespaces has no reason: say why the risk is "
         "accepted (text after the ])")]


def test_the_first_applying_suppression_rule_decides_and_skipped_ones_do_not(tmp_path):
    """Rules without `adds_suppressions` are passed over, a rule whose other conditions do not
    apply is skipped, and the first pending one is named."""
    config = ("approvals:\n  if_no_rule_applies: pass\n  rules:\n"
              "    - {name: other, requires: {count: 0}}\n"
              "    - name: labelled\n      if: {adds_suppressions: true, has_labels: [never]}\n"
              "      requires: {count: 1}\n"
              "    - name: first\n      if: {adds_suppressions: true}\n"
              "      requires: {count: 1, users: [sam]}\n"
              "    - name: second\n      if: {adds_suppressions: true}\n"
              "      requires: {count: 1, users: [sue]}\n")
    run, commit = _pr(tmp_path / "a", COMMENTED, {".policygate.yaml": config})
    assert [f[3] for f in _found(run) if f[0] == "policygate/new-suppression"] == [
        f"{_what(commit)} is not honoured: approval rule 'first' is pending: adds a "
        f"suppression of pss/host-namespaces in Pod/shop/web; needs 1 more approval from sam"]
    approved, commit = _pr(tmp_path / "b", COMMENTED, {".policygate.yaml": config},
                           reviews=["sue"])
    assert [f for f in _found(approved) if f[0] == "policygate/new-suppression"] == [(
        "policygate/new-suppression", "note", 7,
        f"{_what(commit)} is honoured: approved by sue (approval rule 'second')")]


def test_an_approval_rule_for_other_rules_does_not_cover_it(tmp_path):
    run, _ = _pr(tmp_path, COMMENTED, {".policygate.yaml": APPROVALS.replace("FILTER", "image")})
    assert [(r, s) for r, s, _, _ in _found(run)] == [
        ("policygate/new-suppression", "error"), ("pss/host-namespaces", "error")]
    assert "no approval rule covers new suppressions" in _found(run)[0][3]


def test_approvals_show_the_condition(tmp_path):
    repo = feature_repo(tmp_path / "repo", {FILE: CLEAN,
                                            ".policygate.yaml": APPROVALS.replace("FILTER", "pss")})
    base = repo.git("rev-parse", "main").strip()
    head = repo.commit({FILE: COMMENTED})
    run = run_cli("approvals", "--pr-context",
                  pr_context(repo, base, head, [{"path": FILE, "status": "modified"}]),
                  cwd=repo.root)
    assert run.exit_code == 1
    assert run.stdout.splitlines()[2] == (
        "    ✗ suppressions-ok: pending — adds a suppression of pss/host-namespaces in "
        "Pod/shop/web; needs 1 more approval from acme/security (sam)")


@pytest.mark.parametrize("base_text, head_text", [
    # The suppression was already there: the PR only changes the image.
    (COMMENTED, COMMENTED.replace("example/app:1.0", "example/app:1.1")),
    # A family suppression at the base covers the narrower one of the head.
    (COMMENTED.replace("ignore[pss/host-namespaces]", "ignore[pss]"), COMMENTED),
])
def test_a_suppression_the_base_already_had_is_honoured_silently(tmp_path, base_text, head_text):
    repo = feature_repo(tmp_path / "repo", {FILE: base_text})
    base = repo.git("rev-parse", "main").strip()
    head = repo.commit({FILE: head_text})
    context = pr_context(repo, base, head, [{"path": FILE, "status": "modified"}])
    run = run_cli("check", "--format", "json", *SELECT, "--pr-context", context, cwd=repo.root)
    assert (run.exit_code, run.json()["findings"]) == (0, [])
    assert [s["rule"] for s in run.json()["suppressed"]] == ["pss/host-namespaces"]


@pytest.mark.parametrize("elsewhere", [
    COMMENTED.replace("namespace: shop", "namespace: other"),   # same name, other namespace
    COMMENTED.replace("name: web", "name: api"),                # same namespace, other name
])
def test_a_suppression_of_another_resource_at_the_base_does_not_cover_it(tmp_path, elsewhere):
    """The base's suppression counts for the resource it sits in (group, kind, namespace,
    name), not for a namesake in another namespace or a neighbour."""
    repo = feature_repo(tmp_path / "repo", {FILE: elsewhere + "---\n" + CLEAN})
    base = repo.git("rev-parse", "main").strip()
    head = repo.commit({FILE: elsewhere + "---\n" + COMMENTED})
    context = pr_context(repo, base, head, [{"path": FILE, "status": "modified"}])
    run = run_cli("check", "--format", "json", *SELECT, "--pr-context", context, cwd=repo.root)
    assert [(r, s, l) for r, s, l, _ in _found(run)] == [
        ("policygate/new-suppression", "error", 18), ("pss/host-namespaces", "error", 18)]
    assert run.json()["suppressed"] == []   # the neighbour is untouched: not judged


def test_a_resource_moved_with_its_suppression_keeps_it(tmp_path):
    repo = feature_repo(tmp_path / "repo", {"deploy/old.yaml": COMMENTED})
    base = repo.git("rev-parse", "main").strip()
    repo.git("rm", "-q", "deploy/old.yaml")
    head = repo.commit({"apps/web.yaml": "# moved\n" + COMMENTED})
    context = pr_context(repo, base, head, [{"path": "apps/web.yaml", "status": "added"},
                                            {"path": "deploy/old.yaml", "status": "removed"}])
    run = run_cli("check", "--format", "json", *SELECT, "--pr-context", context, cwd=repo.root)
    assert (run.exit_code, run.json()["findings"]) == (0, [])


# Without pull-request facts ----------------------------------------------------------------

def _diff(tmp_path, base_config: str | None, head_config: str | None, *args: str):
    files = {FILE: CLEAN}
    if base_config is not None:
        files[".policygate.yaml"] = base_config
    repo = feature_repo(tmp_path / "repo", files)
    head = {FILE: COMMENTED}
    if head_config is not None:
        head[".policygate.yaml"] = head_config
    commit = repo.commit(head)
    run = run_cli("check", "--format", "json", *SELECT, *args, cwd=repo.root)
    return repo, run, commit[:12]


def test_every_new_suppression_gets_its_own_note(tmp_path):
    repo = feature_repo(tmp_path / "repo", {FILE: CLEAN + "---\n" + pod("api")})
    commit = repo.commit({FILE: COMMENTED + "---\n" + pod(
        "api", hostPID="true  # policygate: ignore[pss/host-namespaces] agent")})
    run = run_cli("check", "--format", "json", *SELECT, "--diff", "main", cwd=repo.root)
    assert [(r, s, l) for r, s, l, _ in _found(run)] == [
        ("policygate/new-suppression", "note", 7), ("policygate/new-suppression", "note", 18)]
    assert _found(run)[1][3].startswith(
        f"new comment suppression of pss/host-namespaces in Pod/shop/api (reason: agent; "
        f"added in commit {commit[:12]}) is honoured here")


def test_diff_mode_honours_it_and_says_the_pull_request_will_need_approval(tmp_path):
    repo, run, commit = _diff(tmp_path, None, None, "--diff", "main")
    assert run.exit_code == 0
    assert _found(run) == [(
        "policygate/new-suppression", "note", 7,
        f"{_what(commit)} is honoured here; in a pull request it needs the approval the base "
        f"config asks for (approval rules with `adds_suppressions`)")]
    assert [s["rule"] for s in run.json()["suppressed"]] == ["pss/host-namespaces"]
    # Staged, before any commit.
    repo.git("reset", "-q", "--soft", "main")
    staged = run_cli("check", "--format", "json", *SELECT, "--staged", cwd=repo.root)
    assert "added in the staged change (not committed yet)" in _found(staged)[0][3]
    # A plain check (no diff) honours suppressions as always, silently.
    plain = run_cli("check", "--format", "json", *SELECT, FILE, cwd=repo.root)
    assert (plain.exit_code, plain.json()["findings"]) == (0, [])


@pytest.mark.parametrize("base_config, head_config, severity", [
    ("suppressions: {new: error}\n", None, "error"),
    ("suppressions: {new: error}\n", "suppressions: {new: note}\n", "error"),  # cannot loosen
    ("suppressions: {new: note}\n", "suppressions: {new: error}\n", "error"),  # can tighten
    ("suppressions: {new: note}\n", None, "note"),
])
def test_the_base_config_can_make_it_blocking(tmp_path, base_config, head_config, severity):
    _, run, _ = _diff(tmp_path, base_config, head_config, "--diff", "main")
    assert run.exit_code == (1 if severity == "error" else 0)
    assert [(r, s) for r, s, _, _ in _found(run)] == [("policygate/new-suppression", severity)]


@pytest.mark.parametrize("rule", ["policygate/new-suppression", "policygate/outdated-baseline",
                                  "approval/policy-changed"])
def test_explain_covers_the_gate_integrity_rules(rule, tmp_path):
    from policygate.config import parse_config

    run = run_cli("explain", rule)
    assert run.exit_code == 0
    text = run.stdout
    assert text.splitlines()[0].startswith(f"{rule}: ")
    assert "\nWhy:\n" in text and "\nFails:\n" in text and "\nPasses:\n" in text
    if rule != "policygate/outdated-baseline":  # the others show a config that must load
        example = text.split("Passes:\n", 1)[1].split("\n\n", 1)[0]
        config = "\n".join(line[4:] for line in example.splitlines() if not line.strip()
                           .startswith("#"))
        assert parse_config(config.encode(), "example.yaml").sections["approvals"]


def test_a_suppression_written_through_a_link_names_the_commit_that_wrote_the_target(tmp_path):
    """The link is judged as its target: the target's history says who wrote the comment."""
    repo = feature_repo(tmp_path / "repo", {"docs/web.txt": CLEAN})
    (repo.root / "deploy").mkdir()
    (repo.root / FILE).symlink_to("../docs/web.txt")
    repo.commit(message="link")
    repo.git("branch", "-f", "main")
    commit = repo.commit({"docs/web.txt": COMMENTED}, "silence it through the link")
    run = run_cli("check", "--format", "json", *SELECT, "--diff", "main", "deploy",
                  cwd=repo.root)
    assert _found(run) == [(
        "policygate/new-suppression", "note", 7,
        f"{_what(commit[:12])} is honoured here; in a pull request it needs the approval the "
        f"base config asks for (approval rules with `adds_suppressions`)")]
    assert [(s["rule"], s["file"]) for s in run.json()["suppressed"]] == [
        ("pss/host-namespaces", FILE)]
