"""Diff mode over rendered output: a change re-renders what includes it, base and head."""
from __future__ import annotations

import json

from tests.conftest import run_cli
from tests.render.builders import base, overlay
from tests.sources.gitrepo import Repo

PRIVILEGED_LINE = ("            allowPrivilegeEscalation: false\n",
                   "            allowPrivilegeEscalation: false\n            privileged: true\n")


def _repo(tmp_path, extra: dict[str, str] | None = None) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.commit({**base(), **overlay("prod", "resources: [../../base]\nnamespace: prod\n"),
                 **overlay("staging", "resources: [../../base]\nnamespace: staging\n"),
                 "unrelated/kustomization.yaml": "resources: [cm.yaml]\n",
                 "unrelated/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
                 **(extra or {})}, "start")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def _found(run) -> list[tuple[str, str, int, str | None]]:
    return [(f["rule"], f["file"], f["line"],
             f["resource"]["namespace"] if f["resource"] else None)
            for f in run.json()["findings"]]


def test_a_changed_base_is_re_judged_through_every_overlay(tmp_path):
    repo = _repo(tmp_path)
    repo.commit({"base/deploy.yaml": base()["base/deploy.yaml"].replace(*PRIVILEGED_LINE)})
    run = run_cli("check", "--diff", "main", "--format", "json", cwd=repo.root)
    assert run.exit_code == 1, run.stderr
    assert _found(run) == [("pss/privileged", "base/deploy.yaml", 21, "prod"),
                           ("pss/privileged", "base/deploy.yaml", 21, "staging")]
    assert [(r["path"], r["side"], r["cached"]) for r in run.json()["renders"]] == [
        ("overlays/prod", "head", False), ("overlays/prod", "base", False),
        ("overlays/staging", "head", False), ("overlays/staging", "base", False)]


def test_identical_inputs_at_the_base_and_the_head_render_once(tmp_path):
    from tests.render.test_gitops_pointers import application

    repo = _repo(tmp_path, {"clusters/web.yaml": application("overlays/prod")})
    repo.git("remote", "add", "origin", "https://github.com/acme/gitops")
    # Only the Application's revision changes: the overlay renders the same either way.
    repo.commit({"clusters/web.yaml": application("overlays/prod").replace(
        "3f1c2e4d5b6a79881726354433221100ffeeddcc", "4a2b3c4d5e6f70819283746556473829aabbccdd")})
    run = run_cli("check", "--diff", "main", "--format", "json", cwd=repo.root)
    assert run.json()["findings"] == []
    assert [(r["path"], r["side"], r["cached"]) for r in run.json()["renders"]] == [
        ("overlays/prod", "head", False), ("overlays/prod", "base", True)]


def test_a_compliant_change_to_the_base_passes_and_renders_only_what_includes_it(tmp_path):
    repo = _repo(tmp_path)
    repo.commit({"base/deploy.yaml": base()["base/deploy.yaml"].replace("name: web\n",
                                                                        "name: web\n", 1)
                 + "# a comment\n"})
    run = run_cli("check", "--diff", "main", "--format", "json", cwd=repo.root)
    assert run.exit_code == 0, run.stdout
    assert run.json()["findings"] == []
    assert [r["path"] for r in run.json()["renders"] if r["side"] == "head"] == [
        "overlays/prod", "overlays/staging"]


def test_a_staged_patch_is_judged_through_its_overlay_with_the_index_content(tmp_path):
    repo = _repo(tmp_path)
    repo.write({"overlays/prod/kustomization.yaml": "resources: [../../base]\nnamespace: prod\n"
                                                    "patches:\n  - path: patch.yaml\n",
                "overlays/prod/patch.yaml": "apiVersion: apps/v1\nkind: Deployment\n"
                                            "metadata:\n  name: web\n  namespace: monitoring\n"
                                            "spec:\n  template:\n    spec:\n"
                                            "      hostNetwork: true\n"})
    repo.git("add", "-A")
    # The working tree differs from the index: what is staged is judged.
    repo.write({"overlays/prod/patch.yaml": "# not staged\n"})
    run = run_cli("check", "--staged", "--format", "json", cwd=repo.root)
    assert run.exit_code == 1, run.stderr
    assert _found(run) == [("pss/host-namespaces", "overlays/prod/patch.yaml", 9, "prod")]


def test_resource_mode_keeps_only_objects_whose_render_changed(tmp_path):
    repo = _repo(tmp_path, {"base/deploy.yaml": base()["base/deploy.yaml"].replace(
        *PRIVILEGED_LINE)})
    # Existing debt in the base; the change only renames the prod namespace label.
    repo.commit({"overlays/prod/kustomization.yaml": "resources: [../../base]\n"
                                                     "namespace: prod\nlabels:\n"
                                                     "  - pairs: {team: shop}\n"})
    run = run_cli("check", "--diff", "main", "--format", "json", cwd=repo.root)
    assert _found(run) == [("pss/privileged", "base/deploy.yaml", 21, "prod")]
    for mode, expected in (
            ("added", []),
            ("new", []),
            ("file", [("pss/privileged", "base/deploy.yaml", 21, "prod")])):
        run = run_cli("check", "--diff", "main", "--filter-mode", mode, "--format", "json",
                      cwd=repo.root)
        assert _found(run) == expected, mode


def test_new_mode_compares_the_base_render_with_the_head_render(tmp_path):
    repo = _repo(tmp_path, {"base/deploy.yaml": base()["base/deploy.yaml"].replace(
        *PRIVILEGED_LINE)})
    repo.commit({"overlays/prod/kustomization.yaml": "resources: [../../base]\nnamespace: prod\n"
                                                     "patches:\n  - path: patch.yaml\n",
                 "overlays/prod/patch.yaml": "apiVersion: apps/v1\nkind: Deployment\n"
                                             "metadata:\n  name: web\n  namespace: monitoring\n"
                                             "spec:\n  template:\n    spec:\n"
                                             "      hostPID: true\n"})
    run = run_cli("check", "--diff", "main", "--filter-mode", "new", "--format", "json",
                  cwd=repo.root)
    assert _found(run) == [("pss/host-namespaces", "overlays/prod/patch.yaml", 9, "prod")]


def test_added_mode_keeps_findings_on_the_changed_lines(tmp_path):
    repo = _repo(tmp_path)
    repo.commit({"overlays/prod/kustomization.yaml": "resources: [../../base]\nnamespace: prod\n"
                                                     "images:\n  - name: nginx\n"
                                                     "    newTag: latest\n"})
    run = run_cli("check", "--diff", "main", "--filter-mode", "added", "--format", "json",
                  cwd=repo.root)
    assert _found(run) == [("image/latest-tag", "overlays/prod/kustomization.yaml", 5, None)]


def _pr_context(repo: Repo, path: str, status: str, **rules: object) -> str:
    context = {"repository": "acme/gitops", "number": 7, "author": "dave",
               "base": {"ref": "main", "sha": repo.git("rev-parse", "main").strip()},
               "head": {"ref": "feature", "sha": repo.git("rev-parse", "HEAD").strip()},
               "labels": [], "files": [{"path": path, "status": status, "previous_path": None}],
               "commits": [], "reviews": [], "teams": {"acme/platform": ["alice"]}}
    file = repo.root.parent / "context.json"
    file.write_text(json.dumps(context))
    return str(file)


APPROVALS = """\
approvals:
  policy: [ingress-ok]
  if_no_rule_applies: pass
  rules:
    - name: ingress-ok
      if: {changed_resources: {kinds: [Ingress]}}
      requires: {count: 1, teams: [acme/platform]}
"""


WITH_INGRESS = {
    ".policygate.yaml": APPROVALS,
    "base/ingress.yaml": "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n"
                         "  name: web\nspec:\n  rules:\n    - host: shop.example.com\n",
    "base/kustomization.yaml": "resources: [deploy.yaml, ingress.yaml]\n"}


def test_removing_a_resource_from_an_overlay_is_a_changed_resource(tmp_path):
    repo = _repo(tmp_path, WITH_INGRESS)
    repo.commit({"overlays/prod/kustomization.yaml": "resources: [../../base]\nnamespace: prod\n"
                                                     "patches:\n  - patch: |-\n"
                                                     "      $patch: delete\n"
                                                     "      apiVersion: networking.k8s.io/v1\n"
                                                     "      kind: Ingress\n"
                                                     "      metadata:\n        name: web\n"})
    context = _pr_context(repo, "overlays/prod/kustomization.yaml", "modified")
    run = run_cli("approvals", "--pr-context", context, cwd=repo.root)
    assert run.exit_code == 1, run.stdout + run.stderr
    assert "ingress-ok" in run.stdout
    checked = run_cli("check", "--pr-context", context, "--format", "json", cwd=repo.root)
    assert [f["rule"] for f in checked.json()["findings"]] == ["approval/missing"]


def test_an_overlay_change_that_leaves_the_ingress_alone_needs_no_ingress_approval(tmp_path):
    repo = _repo(tmp_path, WITH_INGRESS)
    repo.commit({"overlays/prod/kustomization.yaml": "resources: [../../base]\nnamespace: prod\n"
                                                     "replicas:\n  - name: web\n    count: 3\n"})
    context = _pr_context(repo, "overlays/prod/kustomization.yaml", "modified")
    run = run_cli("approvals", "--pr-context", context, cwd=repo.root)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "ingress-ok: skipped — touches no resource matching Ingress" in run.stdout
