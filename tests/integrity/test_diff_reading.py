"""Diff mode cannot be blinded (issue 13, items 1 and 2).

Item 1: what git prints for a diff does not depend on attributes (`.gitattributes` in the
change, `.git/info/attributes`, `core.attributesFile`), on diff drivers, or on any git
config or GIT_* variable of the machine: it is always a plain text diff with the gate's
own options. Item 2: every position is a line as git counts it (`\\n` only), though the
YAML reader also breaks lines at U+2028, U+2029, NEL and a lone CR.
"""
from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.integrity.helpers import check, feature_repo, pod, pr_context

FILE = "deploy/web.yaml"
# Line 7 (hostIPC) is old debt; the change renames the namespace (line 5) and adds
# hostPID on line 8, so the debt sits between two changes.
BASE = pod("web", hostIPC="true")
HEAD = BASE.replace("namespace: shop", "namespace: shop2").replace(
    "  hostIPC: true\n", "  hostIPC: true\n  hostPID: true\n")
RESOURCE = [("pss/host-namespaces", FILE, 7), ("pss/host-namespaces", FILE, 8)]
ADDED = [("pss/host-namespaces", FILE, 8)]

HIDING_CONFIG = """\
[core]
    attributesFile = {attributes}
    quotePath = true
    bigFileThreshold = 1
[diff]
    noprefix = true
    mnemonicPrefix = true
    interHunkContext = 10
    context = 5
    external = true
    renames = copies
[color]
    ui = always
    diff = always
"""


def _with_change(tmp_path, extra: dict[str, str]):
    repo = feature_repo(tmp_path / "repo", {FILE: BASE})
    repo.commit({FILE: HEAD, **extra}, "change")
    return repo


def _both_ways(repo) -> None:
    """The same verdicts from a commit range and from the index."""
    assert check(repo, "--diff", "main") == RESOURCE
    assert check(repo, "--diff", "main", "--filter-mode", "added") == ADDED
    assert check(repo, "--diff", "main", "--filter-mode", "diff_context") == RESOURCE
    repo.git("reset", "-q", "--soft", "main")  # the same change, staged
    assert check(repo, "--staged") == RESOURCE
    assert check(repo, "--staged", "--filter-mode", "added") == ADDED


@pytest.mark.parametrize("attributes", ["*.yaml -diff", "*.yaml binary", "* -text -diff",
                                        "deploy/** diff=hide"])
def test_attributes_added_by_the_change_do_not_hide_hunks(tmp_path, attributes):
    """The class: any attribute that turns the diff into "Binary files differ" or hands it
    to a driver (which a pull request can add in `.gitattributes`)."""
    repo = _with_change(tmp_path, {".gitattributes": attributes + "\n"})
    # A driver as the repository (or a user) might configure it: binary, textconv to
    # nothing, or an external command that prints nothing.
    repo.git("config", "diff.hide.binary", "true")
    repo.git("config", "diff.hide.textconv", "sh -c 'echo apiVersion: v1'")
    repo.git("config", "diff.hide.command", "true")
    _both_ways(repo)


def test_repository_attributes_and_config_do_not_hide_hunks(tmp_path):
    repo = _with_change(tmp_path, {})
    (repo.root / ".git/info/attributes").write_text("* binary\n")
    attributes = tmp_path / "global-attributes"
    attributes.write_text("* -diff\n")
    section = ""
    for line in HIDING_CONFIG.format(attributes=attributes).splitlines():
        if "=" in line:
            key, value = (part.strip() for part in line.split("=", 1))
            repo.git("config", f"{section}.{key}", value)
        else:
            section = line.strip("[] ")
    _both_ways(repo)


@pytest.mark.parametrize("scope", ["GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"])
def test_user_and_system_git_config_do_not_reshape_the_diff(tmp_path, monkeypatch, scope):
    repo = _with_change(tmp_path, {})
    attributes = tmp_path / "attributes"
    attributes.write_text("* binary\n")
    config = tmp_path / "gitconfig"
    config.write_text(HIDING_CONFIG.format(attributes=attributes))
    monkeypatch.setenv(scope, str(config))
    _both_ways(repo)


def test_git_environment_variables_do_not_reshape_the_diff(tmp_path, monkeypatch):
    repo = _with_change(tmp_path, {})
    monkeypatch.setenv("GIT_DIFF_OPTS", "--unified=5")      # would widen every hunk
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", "true")         # would print nothing
    monkeypatch.setenv("GIT_CONFIG_COUNT", "2")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "diff.noprefix")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "true")
    monkeypatch.setenv("GIT_CONFIG_KEY_1", "diff.interHunkContext")
    monkeypatch.setenv("GIT_CONFIG_VALUE_1", "10")
    monkeypatch.setenv("GIT_ICASE_PATHSPECS", "1")
    _both_ways(repo)


def test_a_hunk_line_that_looks_like_a_file_header_cannot_drop_later_hunks(tmp_path):
    """`++ /dev/null` continuing a quoted scalar shows as `+++ /dev/null` in the diff; it
    must not end the file's hunks, so the second document's change is still judged."""
    base = pod("notes") + "---\n" + pod("web")
    head = pod("notes").replace("  namespace: shop\n", '  namespace: shop\n  annotations:\n'
                                '    note: "first\n++ /dev/null"\n') + "---\n" + \
        pod("web", hostPID="true")
    repo = feature_repo(tmp_path / "repo", {FILE: base})
    repo.commit({FILE: head}, "change")
    assert check(repo, "--diff", "main") == [("pss/host-namespaces", FILE, 20)]
    assert check(repo, "--diff", "main", "--filter-mode", "added") == \
        [("pss/host-namespaces", FILE, 20)]


APPROVALS = """\
approvals:
  policy: [security-ok]
  if_no_rule_applies: pass
  rules:
    - name: security-ok
      if: {changed_resources: {kinds: [RoleBinding]}}
      requires: {count: 1, teams: [acme/security]}
  teams: {acme/security: [sam]}
"""
BINDING = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ops, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ops}
subjects:
  - {kind: Group, name: ops}
"""
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\n" \
            "data: {a: '1'}\n"


def _approvals(repo, files) -> tuple[int, str]:
    base = repo.git("rev-parse", "main").strip()
    head = repo.git("rev-parse", "HEAD").strip()
    run = run_cli("approvals", "--pr-context", pr_context(repo, base, head, files),
                  cwd=repo.root)
    return run.exit_code, next(line for line in run.stdout.splitlines() if "security-ok" in line)


def test_attributes_in_the_change_do_not_hide_touched_resources_from_approvals(tmp_path):
    files = {".policygate.yaml": APPROVALS, "rbac/all.yaml": CONFIGMAP + "---\n" + BINDING}
    repo = feature_repo(tmp_path / "repo", files)
    repo.commit({".gitattributes": "*.yaml binary\n",
                 "rbac/all.yaml": files["rbac/all.yaml"].replace("name: ops}\nsub",
                                                                "name: admin}\nsub")})
    code, rule = _approvals(repo, [{"path": ".gitattributes", "status": "added"},
                                   {"path": "rbac/all.yaml", "status": "modified"}])
    assert (code, rule) == (1, "    ✗ security-ok: pending — touches RoleBinding/shop/ops; "
                               "needs 1 more approval from acme/security (sam)")


# Item 2 ------------------------------------------------------------------------------

SEPARATORS = "\u2028" * 12   # the YAML reader sees 12 line breaks here, git sees none


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\r"])
def test_positions_count_lines_as_git_does(tmp_path, separator):
    """A comment full of line breaks that only YAML sees comes before the changed document:
    the finding is on git's line, in the document the change touched."""
    first = pod("old", hostIPC="true").replace("spec:\n", "spec:\n  # " + separator * 12 + "\n")
    base = first + "---\n" + pod("web")
    repo = feature_repo(tmp_path / "repo", {FILE: base})
    repo.commit({FILE: first + "---\n" + pod("web", hostPID="true")}, "change")
    # old: hostIPC on line 8 (after the comment line); web starts on line 13, hostPID on 19.
    assert check(repo, "--diff", "main") == [("pss/host-namespaces", FILE, 19)]
    assert check(repo, "--diff", "main", "--filter-mode", "added") == \
        [("pss/host-namespaces", FILE, 19)]
    assert check(repo, "--diff", "main", "--filter-mode", "file") == \
        [("pss/host-namespaces", FILE, 8), ("pss/host-namespaces", FILE, 19)]
    # A full scan numbers the same way.
    assert check(repo, FILE) == [("pss/host-namespaces", FILE, 8), ("pss/host-namespaces", FILE, 19)]


def test_suppression_comments_count_lines_as_git_does(tmp_path):
    text = (pod("web", hostPID="true  # policygate: ignore[pss/host-namespaces] node agent")
            .replace("metadata:\n", f"# {SEPARATORS}\nmetadata:\n"))
    repo = feature_repo(tmp_path / "repo", {"other.yaml": pod("x")})
    repo.commit({FILE: text}, "add")
    run = run_cli("check", "--format", "json", "--select", "pss", "--diff", "main", cwd=repo.root)
    assert run.exit_code == 0, run.stdout
    assert [(f["rule"], f["line"], f["suppression"]["by"]) for f in run.json()["suppressed"]] == \
        [("pss/host-namespaces", 8, f"{FILE}:8")]


def test_approvals_see_the_resource_on_gits_line(tmp_path):
    """A RoleBinding edited after a comment full of U+2028: the touched line is the
    RoleBinding's, not the ConfigMap's that the YAML numbering would stretch over it."""
    text = CONFIGMAP.replace("\ndata:", f"\n# {SEPARATORS}\ndata:") + "---\n" + BINDING
    repo = feature_repo(tmp_path / "repo", {".policygate.yaml": APPROVALS, "rbac/all.yaml": text})
    repo.commit({"rbac/all.yaml": text.replace("name: ops}\nsub", "name: admin}\nsub")})
    code, rule = _approvals(repo, [{"path": "rbac/all.yaml", "status": "modified"}])
    assert (code, rule) == (1, "    ✗ security-ok: pending — touches RoleBinding/shop/ops; "
                               "needs 1 more approval from acme/security (sam)")


def test_review_comments_land_on_gits_line(tmp_path, fake_github, monkeypatch):
    from tests.github.pr_world import run

    first = pod("old").replace("spec:\n", f"spec:\n  # {SEPARATORS}\n")
    base_text = first + "---\n" + pod("web")
    head_text = first + "---\n" + pod("web", hostPID="true")
    repo = feature_repo(tmp_path / "gitops", {FILE: base_text})
    base = repo.git("rev-parse", "main").strip()
    head = repo.commit({FILE: head_text}, "hostPID")
    pull = fake_github.add_pull("acme/gitops", 7, author="dave", base=("main", base),
                                head=("feature", head))
    pull.add_file(FILE, before=base_text, after=head_text)
    pull.add_commit("dave")
    event = tmp_path / "event.json"
    event.write_text('{"pull_request": {"number": 7}, "repository": {"full_name": "acme/gitops"}}')
    env = {**fake_github.env(), "GITHUB_EVENT_PATH": str(event),
           "GITHUB_REPOSITORY": "acme/gitops", "GITHUB_EVENT_NAME": "pull_request",
           "GITHUB_OUTPUT": str(tmp_path / "out.txt")}
    monkeypatch.chdir(repo.root)
    report, _, _ = run(env, reports=("review",))
    errors = [(f.rule, f.location.line) for f in report.findings if str(f.severity) == "error"]
    assert errors == [("pss/host-namespaces", 18)]
    assert [(c.path, c.line) for c in pull.review_comments if "host-namespaces" in c.body] == \
        [(FILE, 18)]
