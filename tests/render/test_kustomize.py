"""Kustomize overlays rendered with the real kustomize (kubectl kustomize here) and
judged as the cluster would get them, with findings on the line that set the value."""
from __future__ import annotations

from tests.conftest import run_cli
from tests.render.builders import base, deployment_patch, findings_of, overlay

PRIVILEGED_PATCH = deployment_patch("""\
      hostPID: true
      containers:
        - name: web
          securityContext:
            privileged: true
""")

RESOURCES_PATCH = deployment_patch("""\
      containers:
        - name: web
          resources:
            limits: {memory: 256Mi}
""")


def test_a_patch_that_makes_an_unchanged_base_privileged_is_reported_on_the_patch_line(write):
    root = write({**base(), **overlay("prod", "resources: [../../base]\n"
                                              "patches:\n  - path: patch.yaml\n",
                                      patch__yaml=PRIVILEGED_PATCH)})
    run = run_cli("check", "--format", "json", ".", cwd=root)
    assert run.exit_code == 1, run.stderr
    report = run.json()
    assert findings_of(report) == [("pss/host-namespaces", "overlays/prod/patch.yaml", 9),
                                   ("pss/privileged", "overlays/prod/patch.yaml", 13)]
    privileged = report["findings"][1]
    assert (privileged["column"], privileged["render"]) == (13, "overlays/prod")
    assert privileged["resource"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                      "namespace": "monitoring", "name": "web"}


def test_check_without_paths_renders_the_overlays_of_the_current_directory(write):
    root = write({**base(), **overlay("prod", "resources: [../../base]\n"
                                              "patches:\n  - path: patch.yaml\n",
                                      patch__yaml=PRIVILEGED_PATCH)})
    run = run_cli("check", "--format", "json", cwd=root)
    assert findings_of(run.json()) == [("pss/host-namespaces", "overlays/prod/patch.yaml", 9),
                                       ("pss/privileged", "overlays/prod/patch.yaml", 13)]


def test_the_same_overlay_without_the_patch_passes(write):
    root = write({**base(), **overlay("prod", "resources: [../../base]\n")})
    run = run_cli("check", "--format", "json", ".", cwd=root)
    assert run.exit_code == 0, run.stderr
    assert run.json()["findings"] == []
    assert [r["path"] for r in run.json()["renders"]] == ["overlays/prod"]


def test_an_inline_json_patch_is_reported_on_its_value_line(write):
    kustomization = ("resources: [../../base]\n"
                     "patches:\n"
                     "  - target: {kind: Deployment, name: web}\n"
                     "    patch: |-\n"
                     "      - op: add\n"
                     "        path: /spec/template/spec/hostNetwork\n"
                     "        value: true\n")
    root = write({**base(), **overlay("prod", kustomization)})
    report = run_cli("check", "--format", "json", ".", cwd=root).json()
    assert findings_of(report) == [("pss/host-namespaces", "overlays/prod/kustomization.yaml", 7)]
    assert report["findings"][0]["column"] == 9


def test_a_partial_patch_is_never_judged_on_its_own(write):
    root = write({**base(), **overlay("prod", "resources: [../../base]\n"
                                              "patches:\n  - path: patch.yaml\n",
                                      patch__yaml=RESOURCES_PATCH)})
    run = run_cli("check", "--format", "json", ".", cwd=root)
    assert run.exit_code == 0, run.stderr
    assert run.json()["findings"] == []
    # Named directly (as pre-commit does), the patch is judged through its overlay too.
    named = run_cli("check", "--format", "json", "overlays/prod/patch.yaml", cwd=root)
    assert named.json()["findings"] == []
    assert [r["path"] for r in named.json()["renders"]] == ["overlays/prod"]


def test_an_images_override_is_honoured_and_a_base_latest_is_reported_without_one(write):
    pinned = overlay("prod", "resources: [../../base]\n"
                             "images:\n  - name: nginx\n    newTag: \"1.27\"\n")
    root = write({**base("nginx:latest"), **pinned})
    run = run_cli("check", "--format", "json", ".", cwd=root)
    assert run.json()["findings"] == [], run.stdout
    unpinned = write({**base("nginx:latest"), **overlay("prod", "resources: [../../base]\n")})
    report = run_cli("check", "--format", "json", ".", cwd=unpinned).json()
    assert findings_of(report) == [("image/latest-tag", "base/deploy.yaml", 18)]


def test_an_images_override_that_sets_latest_is_reported_on_the_override(write):
    latest = overlay("prod", "resources: [../../base]\n"
                             "images:\n  - name: nginx\n    newTag: latest\n")
    root = write({**base("nginx:1.27"), **latest})
    report = run_cli("check", "--format", "json", ".", cwd=root).json()
    # One finding: the plain check of the kustomization's `images:` and the rendered
    # Deployment agree on the line, and it is reported once.
    assert findings_of(report) == [("image/latest-tag", "overlays/prod/kustomization.yaml", 4)]


def test_exceptions_match_the_namespace_the_overlay_sets(write):
    files = {**base(), **overlay("prod", "namespace: prod\nresources: [../../base]\n"
                                         "patches:\n  - path: patch.yaml\n",
                                 patch__yaml=PRIVILEGED_PATCH)}

    def config(namespace: str) -> str:
        return ("exceptions:\n  - rules: [pss/privileged, pss/host-namespaces]\n"
                f"    namespace: {namespace}\n    reason: the node agent needs it\n")

    root = write({**files, ".policygate.yaml": config("prod")})
    run = run_cli("check", "--format", "json", ".", cwd=root)
    assert run.exit_code == 0, run.stdout
    assert sorted(f["rule"] for f in run.json()["suppressed"]) == ["pss/host-namespaces",
                                                                    "pss/privileged"]
    root = write({**files, ".policygate.yaml": config("monitoring")})
    run = run_cli("check", "--format", "json", ".", cwd=root)
    assert run.exit_code == 1
    report = run.json()
    assert findings_of(report) == [("pss/host-namespaces", "overlays/prod/patch.yaml", 9),
                                   ("pss/privileged", "overlays/prod/patch.yaml", 13)]
    assert report["findings"][1]["resource"]["namespace"] == "prod"


def test_resources_with_any_suffix_are_read(write):
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  containers:\n"
           "    - name: shell\n      image: busybox:1.36\n"
           "      securityContext:\n        privileged: true\n")
    root = write({"apps/kustomization.yaml": "resources: [pod.txt]\n", "apps/pod.txt": pod})
    report = run_cli("check", "--format", "json", "--select", "pss/privileged", ".",
                     cwd=root).json()
    assert findings_of(report) == [("pss/privileged", "apps/pod.txt", 10)]


def test_a_comment_in_the_base_suppresses_the_finding_in_every_overlay(write):
    privileged_base = base()["base/deploy.yaml"].replace(
        "            allowPrivilegeEscalation: false\n",
        "            allowPrivilegeEscalation: false\n"
        "            privileged: true  # policygate: ignore[pss/privileged] node agent\n")
    files = {"base/deploy.yaml": privileged_base, "base/kustomization.yaml": "resources: [deploy.yaml]\n",
             **overlay("prod", "resources: [../../base]\nnamespace: prod\n"),
             **overlay("staging", "resources: [../../base]\nnamespace: staging\n")}
    run = run_cli("check", "--format", "json", ".", cwd=write(files))
    assert run.exit_code == 0, run.stdout
    report = run.json()
    assert report["findings"] == []
    assert sorted((f["rule"], f["file"], f["line"], f["resource"]["namespace"])
                  for f in report["suppressed"]) == [
        ("pss/privileged", "base/deploy.yaml", 21, "prod"),
        ("pss/privileged", "base/deploy.yaml", 21, "staging")]


def test_the_report_says_which_kustomize_rendered(write):
    root = write({**base(), **overlay("prod", "resources: [../../base]\n")})
    report = run_cli("check", "--format", "json", ".", cwd=root).json()
    (render,) = report["renders"]
    assert (render["path"], render["engine"], render["renderer"], render["status"],
            render["resources"], render["led_by"]) == (
        "overlays/prod", "kustomize", "kubectl kustomize", "rendered", 1, [])
    assert render["version"].startswith("v5.")


def test_the_users_files_are_left_untouched(write):
    files = {**base(), **overlay("prod", "resources: [../../base]\n")}
    root = write(files)
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    run_cli("check", ".", cwd=root)
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == before
    assert (root / "overlays/prod/kustomization.yaml").read_text() == files[
        "overlays/prod/kustomization.yaml"]


def test_a_value_no_source_line_explains_is_reported_on_the_kustomization_with_a_note(write):
    kustomization = ("resources: [../../base, images.yaml]\n"
                     "replacements:\n"
                     "  - source: {kind: ConfigMap, name: images, fieldPath: data.web}\n"
                     "    targets:\n"
                     "      - select: {kind: Deployment, name: web}\n"
                     "        fieldPaths: [\"spec.template.spec.containers.[name=web].image\"]\n")
    root = write({**base(), **overlay("prod", kustomization, images__yaml=(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: images\n"
        "data:\n  web: nginx:latest\n"))})
    report = run_cli("check", "--format", "json", ".", cwd=root).json()
    assert [(f["rule"], f["file"], f["line"], f["message"]) for f in report["findings"]] == [
        ("image/latest-tag", "overlays/prod/kustomization.yaml", 1,
         "container \"web\" image nginx:latest uses the :latest tag: whatever was pushed last "
         "runs, and nobody can tell which version that is — use a version tag pinned to its "
         "digest (nginx:<version>@sha256:<digest>; list versions with `skopeo list-tags "
         "docker://docker.io/library/nginx`) (set during the build of overlays/prod; not traced "
         "to a source line, so it is reported on the kustomization)")]
