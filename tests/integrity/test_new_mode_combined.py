"""`--filter-mode new` over engines that judge all documents at once (Gatekeeper
constraints, `--combine` Rego): a violation the base already had is not the change's,
compared like every other finding — rule, resource, field and offending value — and a
referential violation is new when the change creates the conflict. Real git
repositories, the real Rego engine, the real kustomize."""
from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.gatekeeper.builders import documents, obj
from tests.gatekeeper.test_check import _ingress
from tests.render.builders import overlay
from tests.render.test_combined_renders import (
    COMBINED, COMPLIANT, GATEKEEPER, GK, HOST_NETWORK, KUSTOMIZATION, REGO)
from tests.render.test_combined_renders import _files as overlay_files
from tests.render.test_diff_inventory import UNIQUE, UNIQUE_REGO, _host_patch, _overlays
from tests.sources.gitrepo import Repo

UNIQUE_GK = ("--select", "gatekeeper", "--gatekeeper", "gatekeeper")
UNIQUE_COMBINE = ("--select", "rego", "--policy", "policy", "--combine")
ENGINES = pytest.mark.parametrize("engine", [UNIQUE_GK, UNIQUE_COMBINE],
                                  ids=["gatekeeper", "combine"])


def _repo(tmp_path, files: dict[str, str]) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.commit({"gatekeeper/unique.yaml": UNIQUE, "policy/unique.rego": UNIQUE_REGO, **files},
                "start")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def _new(repo: Repo, *engine: str) -> list[tuple[str, str, int, str]]:
    run = run_cli("check", "--format", "json", *engine, "--diff", "main", "--filter-mode", "new",
                  cwd=repo.root)
    assert run.exit_code in (0, 1), run.stderr
    assert run.exit_code == (1 if run.json()["findings"] else 0)
    return [(f["rule"].partition("/")[0], f["file"], f["line"], f["message"])
            for f in run.json()["findings"]]


def _labelled(ingress: str) -> str:
    return ingress.replace("  name: web\n", "  name: web\n  labels: {team: shop}\n")


@ENGINES
def test_a_conflict_the_base_had_is_not_new_when_the_change_touches_another_field(tmp_path,
                                                                                  engine):
    """The class: a combined engine's findings were never compared with the base, so an
    old violation blocked every pull request that touched its resource."""
    repo = _repo(tmp_path, {"legacy/ingress.yaml": _ingress("legacy", "old", "shop.example.com"),
                            "shop/ingress.yaml": _ingress("shop", "web", "shop.example.com")})
    repo.commit({"shop/ingress.yaml": _labelled(_ingress("shop", "web", "shop.example.com"))})
    assert _new(repo, *engine) == []
    # The resource mode still shows the touched resource's violation (it is not new).
    run = run_cli("check", "--format", "json", *engine, "--diff", "main", cwd=repo.root)
    assert [(f["file"], f["line"]) for f in run.json()["findings"]] == [("shop/ingress.yaml", 9)]


@ENGINES
def test_a_conflict_the_change_creates_is_new(tmp_path, engine):
    repo = _repo(tmp_path, {"legacy/ingress.yaml": _ingress("legacy", "old", "shop.example.com"),
                            "shop/ingress.yaml": _ingress("shop", "web", "web.example.com")})
    # The offending value changed: the host moves onto one that is taken.
    repo.commit({"shop/ingress.yaml": _ingress("shop", "web", "shop.example.com")})
    assert _new(repo, *engine) == [
        (engine[1], "shop/ingress.yaml", 8, "host shop.example.com is also used by legacy/old")]


@ENGINES
def test_a_second_conflict_on_an_old_violation_is_new_and_named(tmp_path, engine):
    """shop/web already shared its host with legacy/old; the change adds blog/new with the
    same host and touches shop/web: the old conflict stays quiet, both new ones show, each
    with the object it conflicts with."""
    repo = _repo(tmp_path, {"legacy/ingress.yaml": _ingress("legacy", "old", "shop.example.com"),
                            "shop/ingress.yaml": _ingress("shop", "web", "shop.example.com")})
    repo.commit({"shop/ingress.yaml": _labelled(_ingress("shop", "web", "shop.example.com")),
                 "blog/ingress.yaml": _ingress("blog", "new", "shop.example.com")})
    prefix = "host shop.example.com is also used by"
    assert _new(repo, *engine) == [
        (engine[1], "blog/ingress.yaml", 8, f"{prefix} legacy/old"),
        (engine[1], "blog/ingress.yaml", 8, f"{prefix} shop/web"),
        (engine[1], "shop/ingress.yaml", 9, f"{prefix} blog/new")]


@ENGINES
def test_a_conflict_with_an_unchanged_overlay_is_compared_at_the_base_too(tmp_path, engine):
    """The base's cluster is rendered like the head's: shop/web's conflict with the
    staging overlay's Ingress existed at the base."""
    files = {k: v for k, v in _overlays().items() if not k.startswith(("gatekeeper/", "policy/"))}
    repo = _repo(tmp_path, {**files, "shop/ingress.yaml": _ingress("shop", "web",
                                                                    "staging.example.com")})
    repo.commit({"shop/ingress.yaml": _labelled(_ingress("shop", "web", "staging.example.com"))})
    assert _new(repo, *engine) == []
    # The change moves staging onto prod's host: new, against the unchanged prod overlay.
    repo.commit({"overlays/staging/patch.yaml": _host_patch("prod.example.com")})
    assert _new(repo, *engine) == [
        (engine[1], "overlays/staging/patch.yaml", 8,
         "host prod.example.com is also used by prod/web")]


@pytest.mark.parametrize("engine", [GK, REGO], ids=["gatekeeper", "combine"])
def test_an_old_violation_of_a_rendered_object_is_not_new(tmp_path, engine):
    """Over renders: the base overlay already used the host network; the change edits
    another field of the same patch."""
    repo = Repo(tmp_path / "repo")
    repo.commit(overlay_files(HOST_NETWORK), "start")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"overlays/prod/patch.yaml": HOST_NETWORK + "      dnsPolicy: Default\n"})
    assert _new(repo, *engine) == []
    # The negative: a compliant base, the change turns the host network on.
    repo = Repo(tmp_path / "compliant")
    repo.commit(overlay_files(COMPLIANT), "start")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"overlays/prod/patch.yaml": HOST_NETWORK})
    assert [(rule, file, line) for rule, file, line, _ in _new(repo, *engine)] == [
        (engine[1], "overlays/prod/patch.yaml", 9)]


@pytest.mark.parametrize("engine", [GK, REGO], ids=["gatekeeper", "combine"])
def test_an_old_violation_in_a_plain_file_is_not_new_but_a_new_value_is(tmp_path, engine):
    """The offending value is part of the comparison, as for per-document findings."""
    deployment = overlay_files(HOST_NETWORK)["base/deploy.yaml"].replace(
        "    spec:\n      securityContext", "    spec:\n      hostNetwork: true\n"
                                            "      securityContext")
    repo = Repo(tmp_path / "repo")
    repo.commit({"policy/hostnet.rego": COMBINED, "gatekeeper/policy.yaml": GATEKEEPER,
                 "apps/web.yaml": deployment}, "start")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"apps/web.yaml": deployment.replace("nginx:1.27", "nginx:1.28")})
    assert _new(repo, *engine) == []
    repo.commit({"apps/web.yaml": deployment.replace("hostNetwork: true", "hostNetwork: 1")})
    assert [(rule, file, line) for rule, file, line, _ in _new(repo, *engine)] == [
        (engine[1], "apps/web.yaml", 13)]


def test_a_combined_policy_sees_unchanged_files_in_a_diff(tmp_path):
    """`--combine` in a diff: the change's documents are judged against every document of
    the head, so a Service in an unchanged file satisfies the Deployment that needs it."""
    needs_service = """package main

deny contains {"msg": sprintf("Deployment %s has no Service", [doc.contents.metadata.name]), "path": sprintf("[%d].contents.metadata.name", [i])} if {
  some i, doc in input
  doc.contents.kind == "Deployment"
  not service(doc.contents.metadata.name)
}

service(name) if {
  some doc in input
  doc.contents.kind == "Service"
  doc.contents.metadata.name == name
}
"""
    deployment = obj("apps/v1", "Deployment", "web", "shop", spec={"replicas": 1})
    repo = Repo(tmp_path / "repo")
    repo.commit({"policy/service.rego": needs_service, "apps/web.yaml": deployment,
                 "apps/svc.yaml": obj("v1", "Service", "web", "shop")}, "start")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"apps/web.yaml": deployment.replace("replicas: 1", "replicas: 2")})
    for mode in ("resource", "new"):
        run = run_cli("check", "--format", "json", "--policy", "policy", "--combine",
                      "--diff", "main", "--filter-mode", mode, cwd=repo.root)
        assert (run.exit_code, run.json()["findings"]) == (0, []), run.stderr
    # The change deletes the Service and touches the Deployment: new in every mode.
    repo.git("rm", "-q", "apps/svc.yaml")
    repo.commit({"apps/web.yaml": deployment.replace("replicas: 1", "replicas: 3")})
    for mode in ("resource", "new"):
        run = run_cli("check", "--format", "json", "--policy", "policy", "--combine",
                      "--diff", "main", "--filter-mode", mode, cwd=repo.root)
        assert [(f["file"], f["line"], f["message"]) for f in run.json()["findings"]] == [
            ("apps/web.yaml", 4, "Deployment web has no Service")], mode


@ENGINES
def test_a_renamed_file_is_one_object_at_the_base(tmp_path, engine):
    """The base judges a renamed file under its new name: its old name is the same file,
    not a second object the base could have conflicted with."""
    repo = _repo(tmp_path, {"shop/ingress.yaml": _ingress("shop", "web", "shop.example.com")})
    repo.git("mv", "shop/ingress.yaml", "shop/web.yaml")
    repo.commit({"blog/ingress.yaml": _ingress("blog", "new", "shop.example.com")})
    prefix = "host shop.example.com is also used by"
    assert _new(repo, *engine) == [
        (engine[1], "blog/ingress.yaml", 8, f"{prefix} shop/web"),
        (engine[1], "shop/web.yaml", 8, f"{prefix} blog/new")]
