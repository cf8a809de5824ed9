"""The example tree in fixtures/ (the README's first command) shows each family working."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli

ROOT = Path(__file__).parents[1]


def test_fixtures_report():
    run = run_cli("check", "--format", "json", "fixtures/", cwd=ROOT)
    assert run.exit_code == 1
    findings = run.json()["findings"]
    by_file: dict[str, set[str]] = {}
    for finding in findings:
        by_file.setdefault(finding["file"], set()).add(finding["rule"])
    # Compliant workloads stay clean.
    assert "fixtures/apps/shop/web.yaml" not in by_file
    assert "fixtures/apps/shop/worker.yaml" not in by_file
    assert {"pss/privileged", "pss/host-namespaces", "pss/baseline-capabilities"} <= \
        by_file["fixtures/apps/legacy/debug.yaml"]
    assert {"pss/host-path-volumes", "pss/host-ports", "pss/host-probes", "pss/apparmor"} <= \
        by_file["fixtures/apps/monitoring/node-exporter.yaml"]
    assert {"pss/run-as-user", "pss/volume-types"} <= by_file["fixtures/apps/shop/reports.yaml"]
    # monitoring enforces privileged: its node agent is judged (warnings) at the run's warn
    # level, and the Namespace itself is the error.
    assert by_file["fixtures/clusters/prod/namespaces.yaml"] == {"parse/duplicate-key",
                                                                 "pss/namespace-admission"}


def test_fixtures_cover_every_kind_that_runs_pods():
    """fixtures/apps/pipelines: Argo, Tekton, KEDA, Knative, OpenKruise, batch/v1beta1
    CronJob and an unknown kind, one marked violation each, at its exact line."""
    run = run_cli("check", "--format", "json", "--select", "pss,kubernetes",
                  "--pss-warn-level", "none", "fixtures/apps/pipelines/", cwd=ROOT)
    assert run.exit_code == 1
    found = sorted((f["line"], f["rule"], f["resource"]["kind"]) for f in run.json()["findings"])
    text = (ROOT / "fixtures/apps/pipelines/workloads.yaml").read_text().splitlines()
    marked = sorted((number, line.rpartition("# ")[2].split()[0])
                    for number, line in enumerate(text, start=1)
                    if "# pss/" in line or "# a kind" in line)
    assert [(line, rule) for line, rule, _ in found] == [
        (line, "kubernetes/assumed-pod-spec" if rule == "a" else rule) for line, rule in marked]
    assert [kind for _, _, kind in found] == [
        "Workflow", "Task", "ScaledJob", "Service", "CloneSet", "CronJob", "Runner", "Runner"]


# Provenance: every kind of file that decides what runs, compliant and violating references
# side by side (see the comments in the fixture files).
PROVENANCE = [
    ("action/not-pinned", "fixtures/.github/workflows/ci.yml", 18, 9),      # setup-node@v4
    ("action/not-pinned", "fixtures/.github/workflows/ci.yml", 29, 5),      # reusable @main
    ("image/latest-tag", "fixtures/apps/shop/kustomization.yaml", 15, 5),   # newTag: latest
    ("gitops/unpinned-revision", "fixtures/gitops/argocd/applications.yaml", 25, 7),  # 4.11.*
    ("gitops/unpinned-revision", "fixtures/gitops/argocd/applications.yaml", 29, 7),  # HEAD
    ("gitops/unpinned-revision", "fixtures/gitops/flux/sources.yaml", 11, 5),   # branch
    ("gitops/unpinned-revision", "fixtures/gitops/flux/sources.yaml", 43, 7),   # range
    ("gitops/unpinned-revision", "fixtures/gitops/flux/sources.yaml", 68, 5),   # tag latest
]

# Image rules on Dockerfiles, compose files and workflows (the "image" scope).
PROVENANCE_IMAGES = [
    ("image/not-pinned", "fixtures/.github/workflows/ci.yml", 12, 7),       # job container
    ("image/not-pinned", "fixtures/.github/workflows/ci.yml", 22, 9),       # docker://alpine
    ("image/not-pinned", "fixtures/images/Dockerfile", 7, 32),              # golang:${GO_VERSION}
    ("image/latest-tag", "fixtures/images/Dockerfile", 21, 6),              # ${RUNTIME}: no tag
    ("image/not-pinned", "fixtures/images/Dockerfile", 21, 6),
    ("image/latest-tag", "fixtures/images/docker-compose.yaml", 13, 5),     # redis
    ("image/invalid-reference", "fixtures/images/docker-compose.yaml", 15, 5),  # MailHog/MailHog
]


def _provenance_findings() -> list[tuple[str, str, int, int]]:
    run = run_cli("check", "--format", "json", "fixtures/", cwd=ROOT)
    assert run.exit_code == 1
    return sorted((f["rule"], f["file"], f["line"], f["column"]) for f in run.json()["findings"]
                  if f["rule"].partition("/")[0] in ("image", "action", "gitops"))


def test_fixtures_show_the_provenance_families():
    assert [f for f in _provenance_findings() if f not in PROVENANCE_IMAGES] == sorted(PROVENANCE)


def test_fixtures_show_image_rules_on_dockerfiles_compose_and_workflows():
    assert [f for f in _provenance_findings() if f in PROVENANCE_IMAGES] == \
        sorted(PROVENANCE_IMAGES)
