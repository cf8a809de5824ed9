"""Rendering meets gate integrity: what a pull request changes in the inputs of a render
(patches, values files, links, renames) is judged like any other change, and how its
renders are made comes from the base commit's config, never from the pull request."""
from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli
from tests.integrity.helpers import pr_context
from tests.render.builders import base, deployment_patch, overlay
from tests.render.test_helm import chart_files, with_helm  # noqa: F401 — the fixture
from tests.sources.gitrepo import Repo

KUSTOMIZATION = "resources: [../../base]\nnamespace: prod\npatches:\n  - path: PATCH\n"
PATCH = deployment_patch("      hostNetwork: false\n")                    # line 9
HOST_NETWORK = deployment_patch("      hostNetwork: true\n")
SUPPRESSED = deployment_patch(
    "      hostNetwork: true  # policygate: ignore[pss/host-namespaces] ingress node\n")
SELECT = ("--select", "pss,policygate,approval", "--pss-warn-level", "none")


def _repo(tmp_path, files: dict[str, str]) -> tuple[Repo, str]:
    repo = Repo(tmp_path / "repo")
    base_sha = repo.commit(files, "start")
    repo.git("checkout", "-q", "-b", "feature")
    return repo, base_sha


def _pr(repo: Repo, base_sha: str, changes: dict[str, str], statuses: dict[str, str] | None = None
        ) -> str:
    head = repo.commit(changes, "the pull request")
    statuses = statuses or {}
    return pr_context(repo, base_sha, head, [{"path": path, "status": statuses.get(path,
                                                                                     "modified")}
                                             for path in changes])


def _found(run) -> list[tuple[str, str, str, int]]:
    assert run.exit_code in (0, 1), run.stderr
    return [(f["rule"], f["severity"], f["file"], f["line"]) for f in run.json()["findings"]]


def _overlay_repo(tmp_path, patch_name: str = "patch.yaml", patch: str = PATCH):
    return _repo(tmp_path, {**base(), **overlay("prod", KUSTOMIZATION.replace("PATCH", patch_name)),
                            f"overlays/prod/{patch_name}": patch})


# -- how renders are made: the base config's settings --------------------------------------

def test_a_pull_request_cannot_choose_the_values_its_chart_is_rendered_with(tmp_path,
                                                                             with_helm):
    """The class: render settings (`render.helm.charts[].values`) from the pull
    request's own `.policygate.yaml`, which could render a chart with harmless values
    while it changes the values the cluster gets."""
    config = ("render:\n  helm:\n    charts:\n      - path: charts/web\n"
              "        values: [charts/web/values-live.yaml]\n")
    live = "hostPID: false\n"
    repo, base_sha = _repo(tmp_path, {**chart_files(), ".policygate.yaml": config,
                                      "charts/web/values-live.yaml": live})
    context = _pr(repo, base_sha, {
        "charts/web/values-live.yaml": "hostPID: true\n",
        ".policygate.yaml": config.replace("values-live.yaml", "values.yaml")})
    run = run_cli("check", "--format", "json", *SELECT, "--pr-context", context, cwd=repo.root)
    assert _found(run) == [("approval/policy-changed", "warning", ".policygate.yaml", 1),
                           ("pss/host-namespaces", "error", "charts/web/values-live.yaml", 1)]
    # The negative: values that keep hostPID off pass.
    repo, base_sha = _repo(tmp_path / "ok", {**chart_files(), ".policygate.yaml": config,
                                             "charts/web/values-live.yaml": live})
    context = _pr(repo, base_sha, {"charts/web/values-live.yaml": live + "replicas: 2\n"})
    ok = run_cli("check", "--format", "json", *SELECT, "--pr-context", context, cwd=repo.root)
    assert _found(ok) == []


def test_a_pull_request_cannot_turn_off_rendering(tmp_path):
    repo, base_sha = _overlay_repo(tmp_path)
    context = _pr(repo, base_sha, {"overlays/prod/patch.yaml": HOST_NETWORK,
                                   ".policygate.yaml": "render: {gitops: false}\n"
                                                       "paths: {exclude: ['overlays/**']}\n"},
                  {".policygate.yaml": "added"})
    run = run_cli("check", "--format", "json", *SELECT, "--pr-context", context, cwd=repo.root)
    assert _found(run) == [("approval/policy-changed", "warning", ".policygate.yaml", 1),
                           ("pss/host-namespaces", "error", "overlays/prod/patch.yaml", 9)]


# -- suppressions a change writes into render inputs ----------------------------------------

@pytest.mark.parametrize("patch_name", ["patch.yaml", "patch.txt"])
def test_a_suppression_added_in_a_patch_is_a_new_suppression(tmp_path, patch_name):
    """The class: a `# policygate: ignore[...]` comment the change writes into a file that
    only a render reads (a patch, under any name), next to its own violation."""
    repo, base_sha = _overlay_repo(tmp_path, patch_name)
    path = f"overlays/prod/{patch_name}"
    context = _pr(repo, base_sha, {path: SUPPRESSED})
    run = run_cli("check", "--format", "json", *SELECT, "--pr-context", context, cwd=repo.root)
    assert _found(run) == [("policygate/new-suppression", "error", path, 9),
                           ("pss/host-namespaces", "error", path, 9)]
    message = run.json()["findings"][0]["message"]
    assert message.startswith("new comment suppression of pss/host-namespaces in "
                              "Deployment/prod/web (reason: ingress node; added in commit ")
    # Without pull-request facts it is honoured, with the note.
    diff = run_cli("check", "--format", "json", *SELECT, "--diff", "main", cwd=repo.root)
    assert _found(diff) == [("policygate/new-suppression", "note", path, 9)]


def test_a_suppression_the_patch_already_had_is_honoured_silently(tmp_path):
    repo, base_sha = _overlay_repo(tmp_path, patch=SUPPRESSED)
    context = _pr(repo, base_sha, {"overlays/prod/patch.yaml": SUPPRESSED.replace(
        "spec:\n  template", "spec:\n  replicas: 2\n  template")})
    run = run_cli("check", "--format", "json", *SELECT, "--pr-context", context, cwd=repo.root)
    assert _found(run) == []
    assert [s["rule"] for s in run.json()["suppressed"]] == ["pss/host-namespaces"]


def test_a_suppression_added_in_a_values_file_is_a_new_suppression(tmp_path, with_helm):
    repo, base_sha = _repo(tmp_path, chart_files())
    values = chart_files()["charts/web/values.yaml"].replace(
        "hostPID: false", "hostPID: true  # policygate: ignore[pss/host-namespaces] agent")
    context = _pr(repo, base_sha, {"charts/web/values.yaml": values})
    run = run_cli("check", "--format", "json", *SELECT, "--pr-context", context, cwd=repo.root)
    assert _found(run) == [("policygate/new-suppression", "error", "charts/web/values.yaml", 4),
                           ("pss/host-namespaces", "error", "charts/web/values.yaml", 4)]


def test_a_values_comment_used_by_the_render_is_not_unused_and_an_idle_one_is(write,
                                                                              with_helm):
    values = chart_files()["charts/web/values.yaml"].replace(
        "hostPID: false", "hostPID: true  # policygate: ignore[pss/host-namespaces] agent")
    used = run_cli("check", "--format", "json", *SELECT, ".",
                   cwd=write({**chart_files(), "charts/web/values.yaml": values}))
    assert (used.exit_code, _found(used)) == (0, [])
    assert [(s["rule"], s["file"]) for s in used.json()["suppressed"]] == [
        ("pss/host-namespaces", "charts/web/values.yaml")]
    idle = values.replace("hostPID: true ", "hostPID: false ")
    run = run_cli("check", "--format", "json", *SELECT, ".",
                  cwd=write({**chart_files(), "charts/web/values.yaml": idle}))
    assert _found(run) == [("policygate/unused-suppression", "note", "charts/web/values.yaml", 4)]


# -- new mode compares values ----------------------------------------------------------------

def test_new_mode_over_a_render_compares_the_offending_value(tmp_path):
    """The class: an overlay that already broke a rule on a field, changed to break it with
    another value (a wider host path), passing `new` mode as "already there"."""
    volume = ("      volumes:\n        - name: logs\n          hostPath: {path: PATH}\n")
    repo, _ = _overlay_repo(tmp_path, patch=deployment_patch(volume.replace("PATH", "/var/log")))
    repo.commit({"overlays/prod/patch.yaml": deployment_patch(volume.replace("PATH", "/"))})
    run = run_cli("check", "--format", "json", "--select", "pss/host-path-volumes", "--diff",
                  "main", "--filter-mode", "new", cwd=repo.root)
    assert _found(run) == [("pss/host-path-volumes", "error", "overlays/prod/patch.yaml", 11)]
    # The negative: the same value, another edit of the patch, is not new.
    repo.commit({"overlays/prod/patch.yaml": deployment_patch("      hostIPC: false\n" + volume
                                                              .replace("PATH", "/"))})
    run = run_cli("check", "--format", "json", "--select", "pss/host-path-volumes", "--diff",
                  "HEAD~1", "--filter-mode", "new", cwd=repo.root)
    assert _found(run) == []


# -- what re-renders --------------------------------------------------------------------------

LINKED = {**base(), "shared/deploy.yaml": base()["base/deploy.yaml"],
          "overlays/prod/kustomization.yaml": "resources: [deploy.yaml]\nnamespace: prod\n"}
PRIVILEGED = ("            allowPrivilegeEscalation: false\n",
              "            allowPrivilegeEscalation: false\n            privileged: true\n")


def _linked_repo(tmp_path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.write(LINKED)
    (repo.root / "overlays/prod/deploy.yaml").symlink_to("../../shared/deploy.yaml")
    repo.commit(message="start")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


@pytest.mark.parametrize("mode", ["resource", "added", "new"])
def test_a_change_to_a_linked_file_re_renders_the_overlay_that_reads_it(tmp_path, mode):
    """The class: a kustomization that reads a file through a symlink; the change edits
    the link's target, which no kustomization names."""
    repo = _linked_repo(tmp_path)
    repo.commit({"shared/deploy.yaml": LINKED["shared/deploy.yaml"].replace(*PRIVILEGED)})
    run = run_cli("check", "--format", "json", "--select", "pss/privileged", "--diff", "main",
                  "--filter-mode", mode, "overlays", cwd=repo.root)
    assert _found(run) == [("pss/privileged", "error", "overlays/prod/deploy.yaml", 21)]
    assert [f["resource"]["namespace"] for f in run.json()["findings"]] == ["prod"]
    staged = _linked_repo(tmp_path / "staged")
    staged.write({"shared/deploy.yaml": LINKED["shared/deploy.yaml"].replace(*PRIVILEGED)})
    staged.git("add", "-A")
    run = run_cli("check", "--format", "json", "--select", "pss/privileged", "--staged",
                  "--filter-mode", mode, "overlays", cwd=staged.root)
    assert _found(run) == [("pss/privileged", "error", "overlays/prod/deploy.yaml", 21)]


def test_a_compliant_change_to_a_linked_file_passes(tmp_path):
    repo = _linked_repo(tmp_path)
    repo.commit({"shared/deploy.yaml": LINKED["shared/deploy.yaml"] + "# reviewed\n"})
    run = run_cli("check", "--format", "json", "--diff", "main", cwd=repo.root)
    assert (run.exit_code, _found(run)) == (0, [])
    assert [r["path"] for r in run.json()["renders"] if r["side"] == "head"] == ["overlays/prod"]


@pytest.mark.parametrize("mode", ["added", "diff_context", "resource"])
def test_a_file_renamed_into_an_overlay_is_wholly_new(tmp_path, mode):
    """The class: a manifest moved from a place nothing checks (a `.md` file) into an
    overlay: git sees a rename without changed lines."""
    evil = base()["base/deploy.yaml"].replace(*PRIVILEGED).replace("name: web", "name: miner")
    repo, _ = _repo(tmp_path, {**base(), **overlay("prod", "resources: [../../base]\n"
                                                            "namespace: prod\n"),
                               "docs/miner.md": evil})
    repo.git("mv", "docs/miner.md", "overlays/prod/miner.yaml")
    repo.commit({"overlays/prod/kustomization.yaml": "resources: [../../base, miner.yaml]\n"
                                                     "namespace: prod\n"})
    run = run_cli("check", "--format", "json", "--select", "pss/privileged", "--diff", "main",
                  "--filter-mode", mode, cwd=repo.root)
    assert _found(run) == [("pss/privileged", "error", "overlays/prod/miner.yaml", 21)]
    assert json.loads(run.stdout)["findings"][0]["resource"]["name"] == "miner"


def test_a_kustomization_reads_a_directory_through_a_link_in_every_mode(tmp_path):
    """kustomize follows a link to a directory that a kustomization names (it opens the
    path); the gate renders it that way from git objects too, so a change inside the
    linked directory is judged as the overlay deploys it — namespace `prod`, not as a
    stray `common` render that an exception for another namespace would wave through."""
    repo = Repo(tmp_path / "repo")
    repo.write({**base(), "overlays/prod/kustomization.yaml": "resources: [shared]\n"
                                                               "namespace: prod\n",
                ".policygate.yaml": "exceptions:\n  - rule: pss/privileged\n"
                                    "    namespace: monitoring\n    reason: node agent\n"})
    (repo.root / "overlays/prod/shared").symlink_to("../../base")
    repo.commit(message="start")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"base/deploy.yaml": base()["base/deploy.yaml"].replace(*PRIVILEGED)})
    expected = [("pss/privileged", "error", "overlays/prod/shared/deploy.yaml", 21)]
    for args in (("overlays",), ("--diff", "main"), ("--diff", "main", "--filter-mode", "added")):
        run = run_cli("check", "--format", "json", "--select", "pss/privileged", *args,
                      cwd=repo.root)
        assert _found(run) == expected, args
        assert [f["resource"]["namespace"] for f in run.json()["findings"]] == ["prod"]
