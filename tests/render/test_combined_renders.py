"""Engines that judge all documents at once — `--combine` Rego policies and Gatekeeper —
see the rendered objects (what an overlay produces, never its patch alone), and their
findings are placed, suppressed and filtered like the render's own."""
from __future__ import annotations

from tests.conftest import run_cli
from tests.gatekeeper.builders import constraint, documents, template
from tests.render.builders import base, deployment_patch, overlay
from tests.sources.gitrepo import Repo

# Conftest --combine: every Deployment needs a Service of the same name, and no Deployment
# may use the host network.
COMBINED = """package main

deny contains {"msg": sprintf("Deployment %s/%s uses the host network", [doc.contents.metadata.namespace, doc.contents.metadata.name]), "path": sprintf("[%d].contents.spec.template.spec.hostNetwork", [i])} if {
  some i, doc in input
  doc.contents.kind == "Deployment"
  doc.contents.spec.template.spec.hostNetwork
}
"""
NO_HOST_NETWORK = """package k8snohostnetwork

violation[{"msg": msg, "details": {"path": "spec.template.spec.hostNetwork"}}] {
  input.review.object.spec.template.spec.hostNetwork
  msg := sprintf("%v uses the host network", [input.review.object.metadata.name])
}
"""
GATEKEEPER = documents(template("K8sNoHostNetwork", NO_HOST_NETWORK), constraint(
    "K8sNoHostNetwork", "no-host-network",
    match={"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}]}))
KUSTOMIZATION = "resources: [../../base]\nnamespace: prod\npatches:\n  - path: patch.yaml\n"
HOST_NETWORK = deployment_patch("      hostNetwork: true\n")           # line 9
COMPLIANT = deployment_patch("      hostNetwork: false\n")


def _files(patch: str) -> dict[str, str]:
    return {**base(), **overlay("prod", KUSTOMIZATION, patch__yaml=patch),
            "policy/hostnet.rego": COMBINED, "gatekeeper/policy.yaml": GATEKEEPER}


def _found(run) -> list[tuple[str, str, int, str]]:
    assert run.exit_code in (0, 1), run.stderr
    return [(f["rule"], f["file"], f["line"], f["message"]) for f in run.json()["findings"]]


REGO = ("--select", "rego", "--policy", "policy", "--combine")
GK = ("--select", "gatekeeper", "--gatekeeper", "gatekeeper")


def test_a_combined_policy_sees_the_rendered_object_on_the_patch_line(write):
    """The class: an object only an overlay produces (a patch merged into a base),
    invisible to every engine that judges the documents at once."""
    root = write(_files(HOST_NETWORK))
    run = run_cli("check", "--format", "json", *REGO, "overlays", "base", cwd=root)
    assert _found(run) == [("rego/main", "overlays/prod/patch.yaml", 9,
                            "Deployment prod/web uses the host network")]
    assert run.json()["findings"][0]["render"] == "overlays/prod"
    # The negative: the compliant overlay passes (and the patch is never judged alone).
    assert _found(run_cli("check", "--format", "json", *REGO, "overlays", "base",
                          cwd=write(_files(COMPLIANT)))) == []


def test_gatekeeper_sees_the_rendered_object(write):
    root = write(_files(HOST_NETWORK))
    run = run_cli("check", "--format", "json", *GK, "overlays", "base", cwd=root)
    assert _found(run) == [("gatekeeper/K8sNoHostNetwork/no-host-network",
                            "overlays/prod/patch.yaml", 9, "web uses the host network")]
    assert run.json()["findings"][0]["resource"]["namespace"] == "prod"
    assert _found(run_cli("check", "--format", "json", *GK, "overlays", "base",
                          cwd=write(_files(COMPLIANT)))) == []


def test_combined_findings_on_rendered_objects_are_suppressed_like_the_rest(write):
    commented = HOST_NETWORK.replace("hostNetwork: true",
                                     "hostNetwork: true  # policygate: ignore[rego] ingress node")
    run = run_cli("check", "--format", "json", *REGO, ".", cwd=write(_files(commented)))
    assert _found(run) == []
    assert [(s["rule"], s["file"], s["suppression"]["kind"]) for s in run.json()["suppressed"]] \
        == [("rego/main", "overlays/prod/patch.yaml", "comment")]
    # A comment for a combined rule that nothing needed is unused, as anywhere else.
    idle = COMPLIANT.replace("hostNetwork: false",
                             "hostNetwork: false  # policygate: ignore[rego] ingress node")
    run = run_cli("check", "--format", "json", *REGO, "--select", "rego,policygate", ".",
                  cwd=write(_files(idle)))
    assert [(r, f, line) for r, f, line, _ in _found(run)] == [
        ("policygate/unused-suppression", "overlays/prod/patch.yaml", 9)]


def test_a_diff_judges_the_rendered_objects_it_changes(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit(_files(COMPLIANT) | overlay("staging", KUSTOMIZATION.replace("prod", "staging"),
                                            patch__yaml=HOST_NETWORK), "start")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"overlays/prod/patch.yaml": HOST_NETWORK})
    for args in (REGO, GK):
        run = run_cli("check", "--format", "json", *args, "--diff", "main", cwd=repo.root)
        # staging's existing debt is not this change's: only prod is reported.
        assert [(f["rule"].partition("/")[0], f["file"], f["line"],
                 f["resource"]["namespace"]) for f in run.json()["findings"]] == [
            (args[1], "overlays/prod/patch.yaml", 9, "prod")]
