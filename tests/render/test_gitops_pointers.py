"""Argo CD Applications and Flux Kustomizations say what the cluster renders, and how."""
from __future__ import annotations

from tests.conftest import run_cli
from tests.render.builders import base, overlay
from tests.sources.gitrepo import Repo

REPO_URL = "https://github.com/acme/gitops.git"


def application(path: str, kustomize: str = "", repo_url: str = REPO_URL) -> str:
    return ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
            "  name: web\n  namespace: argocd\nspec:\n  project: default\n  source:\n"
            f"    repoURL: {repo_url}\n    targetRevision: 3f1c2e4d5b6a79881726354433221100ffeeddcc\n"
            f"    path: {path}\n{kustomize}"
            "  destination:\n    server: https://kubernetes.default.svc\n"
            "    namespace: shop\n")


def _repo(tmp_path, files: dict[str, str]) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.git("remote", "add", "origin", "git@github.com:acme/gitops.git")
    repo.commit(files)
    return repo


def _found(run) -> list[tuple[str, str, int, str | None]]:
    return [(f["rule"], f["file"], f["line"],
             f["resource"]["namespace"] if f["resource"] else None)
            for f in run.json()["findings"]]


def test_an_application_renders_its_overlay_with_its_kustomize_options(tmp_path):
    kustomize = ("    kustomize:\n      namespace: prod\n      images:\n"
                 "        - nginx=nginx:latest\n")
    repo = _repo(tmp_path, {**base(), **overlay("prod", "resources: [../../base]\n"),
                            "clusters/prod/web.yaml": application("overlays/prod", kustomize)})
    run = run_cli("check", "--format", "json", ".", cwd=repo.root)
    assert run.exit_code == 0, run.stdout   # image/latest-tag is a warning
    # The Application's image override is what the cluster runs: reported on its line.
    assert _found(run) == [("image/latest-tag", "clusters/prod/web.yaml", 15, "prod")]
    (render,) = run.json()["renders"]
    assert (render["path"], render["led_by"]) == (
        "overlays/prod", [{"kind": "Application", "name": "argocd/web",
                           "file": "clusters/prod/web.yaml", "line": 1}])


def test_the_same_overlay_without_the_applications_override_is_clean(tmp_path):
    repo = _repo(tmp_path, {**base(), **overlay("prod", "resources: [../../base]\n"),
                            "clusters/prod/web.yaml": application("overlays/prod")})
    run = run_cli("check", "--format", "json", ".", cwd=repo.root)
    assert run.json()["findings"] == []
    assert run.json()["renders"][0]["led_by"][0]["name"] == "argocd/web"


def test_an_application_for_another_repository_renders_nothing_of_this_one(tmp_path):
    kustomize = "    kustomize:\n      images:\n        - nginx=nginx:latest\n"
    repo = _repo(tmp_path, {**base(), **overlay("prod", "resources: [../../base]\n"),
                            "clusters/prod/web.yaml": application(
                                "overlays/prod", kustomize, "https://github.com/other/repo")})
    run = run_cli("check", "--format", "json", ".", cwd=repo.root)
    assert run.json()["findings"] == []
    assert run.json()["renders"][0]["led_by"] == []


def test_an_application_pointing_at_a_missing_directory_is_reported(tmp_path):
    repo = _repo(tmp_path, {"clusters/prod/web.yaml": application("overlays/gone")})
    run = run_cli("check", "--format", "json", ".", cwd=repo.root)
    assert [(f["rule"], f["file"], f["line"], f["message"]) for f in run.json()["findings"]] == [
        ("render/failed", "clusters/prod/web.yaml", 1,
         "Application argocd/web deploys overlays/gone, which is not a directory in this "
         "repository")]


FLUX = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: gitops
  namespace: flux-system
spec:
  url: ssh://git@github.com/acme/gitops
  ref: {commit: 3f1c2e4d5b6a79881726354433221100ffeeddcc}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  path: ./overlays/prod
  sourceRef:
    kind: GitRepository
    name: gitops
  targetNamespace: payments
  patches:
    - target: {kind: Deployment}
      patch: |-
        - op: add
          path: /spec/template/spec/hostIPC
          value: true
"""


def test_a_flux_kustomization_renders_its_path_with_its_patches(tmp_path):
    repo = _repo(tmp_path, {**base(), **overlay("prod", "resources: [../../base]\n"),
                            "clusters/flux.yaml": FLUX})
    run = run_cli("check", "--format", "json", ".", cwd=repo.root)
    assert run.exit_code == 1
    assert _found(run) == [("pss/host-namespaces", "clusters/flux.yaml", 26, "payments")]
    assert run.json()["renders"][0]["led_by"] == [
        {"kind": "Kustomization", "name": "flux-system/apps", "file": "clusters/flux.yaml",
         "line": 10}]


def test_changing_an_application_re_renders_its_overlay_in_a_diff(tmp_path):
    repo = _repo(tmp_path, {**base(), **overlay("prod", "resources: [../../base]\n"),
                            "clusters/prod/web.yaml": application("overlays/prod")})
    repo.git("checkout", "-q", "-b", "feature")
    patch = ("    kustomize:\n      patches:\n        - target: {kind: Deployment}\n"
             "          patch: |-\n            - op: add\n"
             "              path: /spec/template/spec/hostNetwork\n"
             "              value: true\n")
    repo.commit({"clusters/prod/web.yaml": application("overlays/prod", patch)})
    run = run_cli("check", "--diff", "main", "--format", "json", cwd=repo.root)
    assert run.exit_code == 1, run.stderr
    assert _found(run) == [("pss/host-namespaces", "clusters/prod/web.yaml", 18, "monitoring")]
    new = run_cli("check", "--diff", "main", "--filter-mode", "new", "--format", "json",
                  cwd=repo.root)
    assert _found(new) == _found(run)
