"""What the cluster will run: pod specs in every kind (at Pod, template and CRD level),
unknown kinds, API defaults, namespace levels and pss/namespace-admission — through the
real CLI, with the exact rule and line a user sees."""
from __future__ import annotations

import textwrap

import pytest

from tests.conftest import assert_clean, expected_positions, found_positions, run_cli
from tests.sources.gitrepo import Repo

PINNED = "@sha256:" + "0" * 64
# One pod spec with a pod-level and a container-level baseline violation.
SPEC = f"""\
hostIPC: true  # <- pss/host-namespaces
initContainers:
  - name: init
    image: busybox:1.36{PINNED}
containers:
  - name: app
    image: nginx:1.27{PINNED}
    securityContext:
      privileged: true  # <- pss/privileged
"""


def _nest(spec: str, spaces: int) -> str:
    return textwrap.indent(spec, " " * spaces)


# kind -> (header, indentation of the pod spec)
KINDS = {
    "Pod": ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n", 2),
    "Deployment": ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n"
                   "  template:\n    spec:\n", 6),
    "CronJob-v1beta1": ("apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c}\nspec:\n"
                        "  schedule: '@daily'\n  jobTemplate:\n    spec:\n      template:\n"
                        "        spec:\n", 10),
    "ScaledJob": ("apiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nmetadata: {name: s}\nspec:\n"
                  "  jobTargetRef:\n    template:\n      spec:\n", 8),
    "Knative-Service": ("apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: k}\n"
                        "spec:\n  template:\n    spec:\n", 6),
    "Knative-Configuration": ("apiVersion: serving.knative.dev/v1\nkind: Configuration\n"
                              "metadata: {name: k}\nspec:\n  template:\n    spec:\n", 6),
    "Knative-Revision": ("apiVersion: serving.knative.dev/v1\nkind: Revision\nmetadata: {name: r}\n"
                         "spec:\n", 2),
    "CloneSet": ("apiVersion: apps.kruise.io/v1alpha1\nkind: CloneSet\nmetadata: {name: c}\n"
                 "spec:\n  template:\n    spec:\n", 6),
    "Kruise-StatefulSet": ("apiVersion: apps.kruise.io/v1beta1\nkind: StatefulSet\n"
                           "metadata: {name: s}\nspec:\n  template:\n    spec:\n", 6),
    "Kruise-DaemonSet": ("apiVersion: apps.kruise.io/v1alpha1\nkind: DaemonSet\n"
                         "metadata: {name: d}\nspec:\n  template:\n    spec:\n", 6),
}


def check(write, text: str, *options: str, name: str = "w.yaml"):
    root = write({name: text})
    return run_cli("check", "--format", "json", "--pss-warn-level", "none", *options, name,
                   cwd=root)


@pytest.mark.parametrize("kind", KINDS)
def test_pod_specs_in_every_kind_locate_to_the_line(write, kind):
    header, spaces = KINDS[kind]
    text = header + _nest(SPEC, spaces)
    run = check(write, text, "--select", "pss")
    assert run.exit_code == 1
    assert found_positions(run.json()) == expected_positions(text)


@pytest.mark.parametrize("kind", KINDS)
def test_compliant_pod_specs_in_every_kind_pass(write, kind):
    header, spaces = KINDS[kind]
    text = header + _nest(SPEC.replace("hostIPC: true", "hostIPC: false")
                          .replace("privileged: true", "privileged: false"), spaces)
    assert_clean(check(write, text, "--select", "pss"))


ARGO = f"""\
apiVersion: argoproj.io/v1alpha1
kind: {{kind}}
metadata: {{{{name: w}}}}
spec:
{{body}}"""
ARGO_BODY = f"""\
  hostNetwork: true  # <- pss/host-namespaces
  templates:
    - name: main
      initContainers:
        - name: init
          image: busybox:1.36{PINNED}
          securityContext: {{runAsUser: 0, privileged: true}}  # <- pss/privileged @privileged
      container:
        image: golang:1.22{PINNED}
      sidecars:
        - name: side
          image: envoy:1.30{PINNED}
          securityContext:
            capabilities: {{add: [NET_ADMIN]}}  # <- pss/baseline-capabilities @NET_ADMIN
    - name: script
      script:
        image: python:3.12{PINNED}
        source: print(1)
        securityContext: {{procMount: Unmasked}}  # <- pss/proc-mount @procMount
    - name: set
      containerSet:
        containers:
          - name: a
            image: alpine:3.20{PINNED}
            securityContext: {{privileged: true}}  # <- pss/privileged @privileged
    - name: patched
      container:
        image: alpine:3.20{PINNED}
      podSpecPatch: '{{"hostPID": true}}'  # <- pss/host-namespaces
    - name: flow
      steps: [[{{name: a, template: main}}]]
"""


@pytest.mark.parametrize("kind", ["Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate",
                                  "CronWorkflow"])
def test_argo_workflow_templates_are_pods(write, kind):
    body = ARGO_BODY
    if kind == "CronWorkflow":  # the same workflow spec, one level down
        body = "  schedule: '@daily'\n  workflowSpec:\n" + _nest(ARGO_BODY, 2)
    text = ARGO.format(kind=kind, body=body)
    run = check(write, text, "--select", "pss")
    assert run.exit_code == 1
    # hostNetwork is the workflow's: every template's pod shares it (one finding per pod).
    expected = expected_positions(text)
    host = next(p for p in expected if p[0] == "pss/host-namespaces" and p[1] < 10)
    assert found_positions(run.json()) == sorted(expected + [host] * 3)


TEKTON = f"""\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {{name: run}}
spec:
  taskRunTemplate:
    podTemplate:
      hostNetwork: true  # <- pss/host-namespaces
  pipelineSpec:
    tasks:
      - name: build
        taskSpec:
          stepTemplate:
            securityContext: {{allowPrivilegeEscalation: false}}
          steps:
            - name: compile
              image: golang:1.22{PINNED}
              securityContext: {{privileged: true}}  # <- pss/privileged @privileged
          sidecars:
            - name: docker
              image: docker:27-dind{PINNED}
              securityContext:
                capabilities: {{add: [SYS_ADMIN]}}  # <- pss/baseline-capabilities @SYS_ADMIN
"""


def test_tekton_steps_sidecars_and_pod_template(write):
    run = check(write, TEKTON, "--select", "pss")
    assert run.exit_code == 1
    assert found_positions(run.json()) == expected_positions(TEKTON)


def test_tekton_task_and_taskrun(write):
    task = (f"apiVersion: tekton.dev/v1beta1\nkind: ClusterTask\nmetadata: {{name: t}}\nspec:\n"
            f"  steps:\n    - name: s\n      image: alpine:3.20{PINNED}\n"
            f"      securityContext: {{privileged: true}}  # <- pss/privileged @privileged\n---\n"
            f"apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {{name: r}}\nspec:\n"
            f"  taskRef: {{name: t}}\n  podTemplate:\n    hostPID: true  # <- pss/host-namespaces\n")
    run = check(write, task, "--select", "pss")
    assert found_positions(run.json()) == expected_positions(task)


# --- 7. unknown kinds, declared paths, unserved apiVersions ------------------------------

UNKNOWN = f"""\
apiVersion: ci.example.com/v1
kind: Runner
metadata: {{name: r}}
spec:
  jobs:
    - name: a
      pod:  # <- kubernetes/assumed-pod-spec
        containers:
          - name: c
            image: alpine:3.20{PINNED}
            securityContext: {{privileged: true}}  # <- pss/privileged @privileged
"""


def test_unknown_kinds_are_checked_with_a_note_naming_the_path(write):
    run = check(write, UNKNOWN, "--select", "pss,kubernetes")
    assert run.exit_code == 1
    assert found_positions(run.json()) == expected_positions(UNKNOWN)
    [note] = [f for f in run.json()["findings"] if f["rule"] == "kubernetes/assumed-pod-spec"]
    assert note["severity"] == "note"
    assert note["message"] == (
        "Runner (ci.example.com/v1) is not a kind the gate knows: `spec.jobs[0].pod` looks like "
        "a pod spec and was checked as one — declare it under kubernetes.pod_spec_paths in "
        ".policygate.yaml to confirm")


# The same pod under `jobs: {0: ...}`, a YAML int key.
INTEGER_KEY = UNKNOWN.replace("    - name: a\n", "    0:\n")


def test_a_pod_under_an_integer_key_is_judged(write):
    """YAML reads `0:` as an int key (Kubernetes as the string "0"): the pod found there
    was once dropped by the path walk, which took int steps for list indexes only."""
    run = check(write, INTEGER_KEY, "--select", "pss,kubernetes")
    assert run.exit_code == 1
    assert found_positions(run.json()) == expected_positions(INTEGER_KEY)
    compliant = check(write, INTEGER_KEY.replace("privileged: true", "privileged: false"),
                      "--select", "pss/privileged,kubernetes")
    assert compliant.exit_code == 0
    assert [f["rule"] for f in compliant.json()["findings"]] == ["kubernetes/assumed-pod-spec"]


def test_declared_pod_spec_paths_replace_the_guess(write):
    config = ("kubernetes:\n  pod_spec_paths:\n    - kind: Runner\n"
              "      apiVersion: ci.example.com/v1\n      paths: ['spec.jobs[*].pod']\n")
    root = write({"w.yaml": UNKNOWN, ".policygate.yaml": config})
    run = run_cli("check", "--format", "json", "--select", "pss,kubernetes",
                  "--pss-warn-level", "none", "w.yaml", cwd=root)
    assert [(f["rule"], f["line"]) for f in run.json()["findings"]] == [("pss/privileged", 11)]


def test_a_bad_declared_path_is_a_config_error_at_its_line(write):
    config = ("kubernetes:\n  pod_spec_paths:\n    - kind: Runner\n"
              "      paths: ['spec..pod']\n")
    root = write({"w.yaml": UNKNOWN, ".policygate.yaml": config})
    run = run_cli("check", "w.yaml", cwd=root)
    assert run.exit_code == 2
    assert run.stderr.strip().endswith(
        ".policygate.yaml:4:15: `kubernetes.pod_spec_paths[0].paths[0]`: invalid field path "
        "'spec..pod' at character 5 (write it like spec.template.spec, with [*] for every "
        "list item)")


@pytest.mark.parametrize("api_version", ["apps/v1beta3", "app/v1", "v1"])
def test_unserved_api_versions_warn_and_are_still_judged(write, api_version):
    header, spaces = KINDS["Deployment"]
    text = header.replace("apps/v1", api_version) + _nest(SPEC, spaces)
    run = check(write, text, "--select", "pss,kubernetes")
    assert run.exit_code == 1
    rules = [(f["rule"], f["line"], f["severity"]) for f in run.json()["findings"]]
    assert rules == [("kubernetes/unserved-api-version", 1, "warning"),
                     ("pss/host-namespaces", 7, "error"), ("pss/privileged", 15, "error")]


def test_someone_elses_kind_of_the_same_name_is_no_typo(write):
    text = ("apiVersion: serving.example.com/v1\nkind: Service\nmetadata: {name: s}\n"
            "spec: {port: 80}\n")
    assert_clean(check(write, text, "--select", "kubernetes"))


# --- 5. API defaults ---------------------------------------------------------------------

def test_host_network_defaults_host_ports(write):
    text = f"""\
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  hostNetwork: true
  containers:
    - name: a
      image: nginx:1.27{PINNED}
      ports:
        - containerPort: 9100  # <- pss/host-ports
"""
    run = check(write, text, "--select", "pss/host-ports")
    assert found_positions(run.json()) == expected_positions(text)
    without = text.replace("hostNetwork: true", "hostNetwork: false")
    assert_clean(check(write, without, "--select", "pss/host-ports"))


# --- 8. per-namespace levels ---------------------------------------------------------------

NAMESPACES = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: v1.24
---
apiVersion: v1
kind: Namespace
metadata:
  name: tools
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/warn: restricted
"""
WORKLOAD = f"""\
apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: {{namespace}}}}
spec:
  securityContext: {{runAsNonRoot: true, seccompProfile: {{type: RuntimeDefault}}}}
  containers:
    - name: a
      image: nginx:1.27{PINNED}
      securityContext:
        allowPrivilegeEscalation: false
        capabilities: {{drop: [ALL]}}
        runAsUser: 0
"""


def _scan(write, files: dict[str, str], config: str, *options: str):
    root = write({**files, **({".policygate.yaml": config} if config else {})})
    run = run_cli("check", "--format", "json", *options, ".", cwd=root)
    return run, run.json()["findings"]


def _namespaced(write, namespace: str, config: str = ""):
    run, findings = _scan(write, {"ns.yaml": NAMESPACES,
                                  "pod.yaml": WORKLOAD.replace("{namespace}", namespace)},
                          config, "--select", "pss/run-as-user", "--pss-warn-level", "none")
    return run, [(f["rule"], f["severity"], f["message"]) for f in findings]


def test_workloads_are_judged_at_their_namespace_enforce_level(write):
    run, found = _namespaced(write, "shop")
    assert run.exit_code == 1
    assert found == [("pss/run-as-user", "error",
                      'container "a" sets securityContext.runAsUser=0 (root): remove it or use a '
                      'non-zero UID such as 1000 [namespace "shop" enforces restricted (v1.24): '
                      'label pod-security.kubernetes.io/enforce on its Namespace at ns.yaml:1]')]


def test_warn_label_gives_warnings_and_unknown_namespaces_fall_back(write):
    run, found = _namespaced(write, "tools")
    assert run.exit_code == 0
    assert found == [("pss/run-as-user", "warning",
                      'container "a" sets securityContext.runAsUser=0 (root): remove it or use a '
                      'non-zero UID such as 1000 [namespace "tools" warns at restricted (latest): '
                      'label pod-security.kubernetes.io/warn on its Namespace at ns.yaml:9]')]
    run, found = _namespaced(write, "elsewhere")
    assert run.exit_code == 0 and found == []  # pss.level baseline: runAsUser is restricted


def test_config_namespaces_name_the_level_and_its_line(write):
    run, found = _namespaced(write, "elsewhere",
                             "pss:\n  namespaces:\n    elsewhere: {level: restricted}\n")
    assert run.exit_code == 1
    assert found[0][2].endswith('[namespace "elsewhere" enforces restricted (latest): '
                                '.policygate.yaml:3 (pss.namespaces)]')


# --- 9. pss/namespace-admission ---------------------------------------------------------

def _admission(write, text: str, config: str = ""):
    run, findings = _scan(write, {"ns.yaml": text}, config, "--select", "pss/namespace-admission")
    return run, [(f["line"], f["message"]) for f in findings]


def namespace(name: str, level: str | None) -> str:
    labels = f"  labels:\n    pod-security.kubernetes.io/enforce: {level}\n" if level else ""
    return f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n{labels}"


def test_privileged_and_missing_labels_are_errors(write):
    run, found = _admission(write, namespace("ops", "privileged") + "---\n" +
                            namespace("bare", None) + "---\n" +
                            namespace("kube-system", "privileged") + "---\n" +
                            namespace("shop", "baseline"))
    assert run.exit_code == 1
    assert found == [
        (6, 'Namespace "ops" enforces privileged (latest), below the baseline that pss.level '
            'requires: any pod may run there, privileged or not — set '
            '`pod-security.kubernetes.io/enforce: baseline`, or exempt the namespace '
            '(pss.exempt_namespaces)'),
        (10, 'Namespace "bare" has no enforce label (the cluster default, privileged unless '
            'configured otherwise), and pss.level requires baseline: add the label '
            '`pod-security.kubernetes.io/enforce: baseline`')]


def test_exempt_namespaces_from_config(write):
    run, found = _admission(write, namespace("ops", "privileged"),
                            "pss:\n  exempt_namespaces: [ops]\n")
    assert (run.exit_code, found) == (0, [])


def test_lowering_a_namespace_in_a_change_names_both_levels(tmp_path):
    repo = Repo(tmp_path / "gitops")
    base = repo.commit({"ns.yaml": namespace("shop", "restricted")}, "base")
    repo.commit({"ns.yaml": namespace("shop", "baseline")}, "lower")
    run = run_cli("check", "--format", "json", "--diff", base, cwd=repo.root)
    assert run.exit_code == 1
    assert [(f["rule"], f["line"], f["message"]) for f in run.json()["findings"]] == [
        ("pss/namespace-admission", 6,
         'this change lowers Namespace "shop" from enforce restricted (latest) to baseline '
         '(latest): pods that were refused will be admitted — keep '
         '`pod-security.kubernetes.io/enforce: restricted`, or get the change approved and '
         'exempt the namespace (pss.exempt_namespaces)')]
    repo.commit({"ns.yaml": namespace("shop", None)}, "remove")
    run = run_cli("check", "--format", "json", "--diff", base, cwd=repo.root)
    assert [(f["line"], f["message"][:95]) for f in run.json()["findings"]] == [
        (3, 'this change lowers Namespace "shop" from enforce restricted (latest) to no enforce '
            'label (the c')]


def test_explain_covers_the_new_rules_and_namespace_levels():
    merge = run_cli("explain", "parse/ambiguous-merge")
    assert merge.exit_code == 0
    assert merge.stdout.splitlines()[:2] == [
        "parse/ambiguous-merge: a `<<` merge key after an explicit key: kubectl, Helm and Argo "
        "CD read the merged value, kustomize the explicit one; both are judged",
        "Default severity: warning"]
    assert "Fix:\nWrite explicit keys after the `<<` merge key" in merge.stdout
    control = run_cli("explain", "pss/run-as-user").stdout
    assert "Level: an error in namespaces that enforce restricted or stricter" in control
    for rule in ("pss/namespace-admission", "kubernetes/assumed-pod-spec",
                 "kubernetes/unserved-api-version"):
        text = run_cli("explain", rule).stdout
        assert text.startswith(f"{rule}: ") and "\nWhy:\n" in text and "\nFix:\n" in text
