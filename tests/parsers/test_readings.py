"""Manifests are read the way the tools that apply them read them: merge keys (both
readings judged), every list kind, document-by-document decoding, go-yaml scalars and tags.
Each case runs the real CLI and names the rule, line and column a user sees."""
from __future__ import annotations

import json

import pytest

from tests.conftest import assert_clean, expected_positions, found_positions, run_cli
from tests.sources.gitrepo import Repo


def check(write, files: dict[str, str | bytes], *options: str):
    root = write(files)
    return run_cli("check", "--format", "json", *options, ".", cwd=root)


def positions(run) -> list[tuple[str, str, int, int]]:
    return sorted((f["file"], f["rule"], f["line"], f["column"]) for f in run.json()["findings"])


# --- 1. merge keys ---------------------------------------------------------------------

LATER_MERGE = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      image: nginx
      securityContext:
        privileged: false  # <- parse/ambiguous-merge
        <<: {privileged: true}  # <- pss/privileged @privileged
"""


def test_a_later_merge_key_wins_for_kubectl_and_is_judged(write):
    run = check(write, {"pod.yaml": LATER_MERGE}, "--select", "pss/privileged,parse")
    assert run.exit_code == 1
    assert found_positions(run.json()) == expected_positions(LATER_MERGE)
    [warning] = [f for f in run.json()["findings"] if f["rule"] == "parse/ambiguous-merge"]
    assert warning["severity"] == "warning"
    assert warning["message"] == (
        '"privileged" is false here, but the `<<` merge key on line 10 brings true: kubectl, '
        "Helm and Argo CD apply true (their YAML decoder lets the later key win), kustomize and "
        "the YAML spec keep false; the gate judges both — write the key after the `<<` or drop "
        "one of them")


def test_an_explicit_key_after_the_merge_wins_everywhere(write):
    text = LATER_MERGE.replace("        privileged: false  # <- parse/ambiguous-merge\n", "") \
        .replace("  # <- pss/privileged @privileged", "") + "        privileged: false\n"
    assert_clean(check(write, {"pod.yaml": text}, "--select", "pss/privileged,parse"))


def test_the_spec_reading_is_judged_too(write):
    """`privileged: true` then a merged `false`: kubectl runs it unprivileged, kustomize
    renders it privileged — the dangerous reading is reported at the explicit key."""
    text = LATER_MERGE.replace("privileged: false  # <- parse/ambiguous-merge",
                               "privileged: true  # <- parse/ambiguous-merge, pss/privileged") \
        .replace("<<: {privileged: true}  # <- pss/privileged @privileged",
                 "<<: {privileged: false}")
    run = check(write, {"pod.yaml": text}, "--select", "pss/privileged,parse")
    assert run.exit_code == 1
    assert found_positions(run.json()) == expected_positions(text)


def test_merge_lists_and_pod_level_fields(write):
    text = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      x-host: &host {hostPID: true, hostNetwork: false}
      x-safe: &safe {hostPID: false}
      hostPID: false  # <- parse/ambiguous-merge
      <<: [*host, *safe]  # <- pss/host-namespaces @*host
      containers: [{name: a, image: nginx}]
"""
    run = check(write, {"d.yaml": text}, "--select", "pss/host-namespaces,parse")
    # `<<: [a, b]`: the earlier mapping wins within one merge key in every reading.
    assert run.exit_code == 1
    [finding] = [f for f in run.json()["findings"] if f["rule"] == "pss/host-namespaces"]
    assert finding["line"] == 7 and finding["path"] == "spec.template.spec.hostPID"
    assert sorted((f["rule"], f["line"]) for f in run.json()["findings"]) == \
        [("parse/ambiguous-merge", 9), ("pss/host-namespaces", 7)]


def test_merges_that_agree_are_not_reported(write):
    text = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  x: &d {a: "1", b: "2"}
  a: "1"
  <<: *d
"""
    assert_clean(check(write, {"c.yaml": text}))


# --- 2. every list kind ----------------------------------------------------------------

POD_LIST = """\
apiVersion: v1
kind: PodList
items:
  - apiVersion: v1
    kind: List
    items:
      - apiVersion: apps/v1
        kind: DeploymentList
        items:
          - apiVersion: apps/v1
            kind: Deployment
            metadata: {name: nested}
            spec:
              template:
                spec:
                  containers:
                    - name: a
                      image: nginx
                      securityContext: {privileged: true}  # <- pss/privileged @privileged
  - apiVersion: v1
    kind: Pod
    metadata: {name: top}
    spec:
      hostPID: true  # <- pss/host-namespaces
      containers: [{name: b, image: nginx}]
"""


def test_every_list_kind_is_expanded_at_any_depth(write):
    run = check(write, {"list.yaml": POD_LIST}, "--select", "pss/privileged,pss/host-namespaces")
    assert run.exit_code == 1
    assert found_positions(run.json()) == expected_positions(POD_LIST)
    names = sorted(f["resource"]["name"] for f in run.json()["findings"])
    assert names == ["nested", "top"]
    assert run.json()["summary"]["resources"] == 2


def test_a_compliant_list_passes(write):
    text = POD_LIST.replace("securityContext: {privileged: true}  # <- pss/privileged @privileged",
                            "securityContext: {privileged: false}") \
        .replace("hostPID: true  # <- pss/host-namespaces", "hostPID: false")
    assert_clean(check(write, {"list.yaml": text}, "--select", "pss/privileged,pss/host-namespaces"))


def test_an_empty_list_is_no_resource(write):
    run = check(write, {"l.yaml": "apiVersion: v1\nkind: List\nitems: []\nfoo: bar\nfoo: baz\n"})
    assert_clean(run)


BINDING_LIST = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBindingList
items:
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: viewers}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
    subjects: [{kind: Group, name: devs}]
"""
RBAC_GATE = """\
approvals:
  policy: [rbac]
  rules:
    - name: rbac
      if: {changed_resources: {kinds: [ClusterRoleBinding]}}
      requires: {count: 1, users: [alice]}
"""


def test_items_of_a_list_kind_count_for_changed_resources(tmp_path):
    repo = Repo(tmp_path / "gitops")
    base = repo.commit({".policygate.yaml": RBAC_GATE, "rbac.yaml": BINDING_LIST}, "base")
    repo.git("checkout", "-q", "-b", "feature")
    head = repo.commit({"rbac.yaml": BINDING_LIST.replace("name: view}", "name: cluster-admin}")},
                       "escalate")
    context = {"repository": "acme/gitops", "number": 7, "author": "dave",
               "base": {"ref": "main", "sha": base}, "head": {"ref": "feature", "sha": head},
               "files": [{"path": "rbac.yaml", "status": "modified"}],
               "commits": [{"sha": head, "author": "dave", "committer": "dave"}], "reviews": []}
    (repo.root / "pr.json").write_text(json.dumps(context))
    run = run_cli("approvals", "--pr-context", "pr.json", cwd=repo.root)
    assert run.exit_code == 1, run.stdout + run.stderr
    assert "✗ rbac: pending — touches ClusterRoleBinding/viewers" in run.stdout


# --- 3. decoding document by document --------------------------------------------------

PRIVILEGED = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
              "    - name: a\n      image: nginx\n      securityContext:\n"
              "        privileged: true\n")


def test_a_nul_byte_in_a_trailing_comment_hides_nothing(write):
    raw = PRIVILEGED.encode() + b"---\n# generated \x00 by a tool\n"
    run = check(write, {"pod.yaml": raw}, "--select", "pss/privileged,parse")
    assert run.exit_code == 1
    assert positions(run) == [("pod.yaml", "parse/invalid-encoding", 11, 13),
                              ("pod.yaml", "pss/privileged", 9, 9)]
    [bad] = [f for f in run.json()["findings"] if f["rule"] == "parse/invalid-encoding"]
    assert bad["severity"] == "error"
    assert bad["message"] == ("a NUL byte (binary content) at byte 162 in document 2: that "
                              "document was not checked (tools that apply the file reject it "
                              "too) — save it as UTF-8 text")


def test_a_latin1_document_costs_only_itself_and_later_lines_stay_right(write):
    raw = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n---\n" + PRIVILEGED.encode()
    run = check(write, {"pod.yaml": raw}, "--select", "pss/privileged,parse")
    assert positions(run) == [("pod.yaml", "parse/invalid-encoding", 3, 21),
                              ("pod.yaml", "pss/privileged", 13, 9)]


def test_only_a_wholly_binary_file_is_a_note(write):
    run = check(write, {"logo.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))},
                "--select", "parse")
    assert run.exit_code == 0
    assert [(f["rule"], f["severity"]) for f in run.json()["findings"]] == \
        [("parse/binary-file", "note")]


# --- 4. scalars and tags as go-yaml reads them -----------------------------------------

def test_bare_equals_is_the_string_kubernetes_reads(write):
    text = """\
apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata: {name: routes}
spec:
  route:
    matchers:
      - {name: severity, matchType: =, value: critical}
      - name: team
        matchType: =
        value: ops
"""
    assert_clean(check(write, {"amc.yaml": text}))
    from policygate.parsers.yaml import Limits, parse_yaml

    data = parse_yaml(text, "amc.yaml", Limits()).documents[0].data
    assert [m["matchType"] for m in data["spec"]["route"]["matchers"]] == ["=", "="]


@pytest.mark.parametrize("value, kind", [
    ("!!bool 1", "int"), ("!!int abc", "str"), ("!!int 0x", "str"), ("!!float abc", "str"),
    ("!!null nope", "str"), ("!!bool yES", "str"),
])
def test_explicit_tags_that_do_not_fit_are_invalid_yaml_at_their_line(write, value, kind):
    text = (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  hostPID: {value}\n"
            "  containers: [{name: a, image: nginx}]\n---\n" + PRIVILEGED)
    run = check(write, {"pod.yaml": text}, "--select", "pss/privileged,parse")
    assert run.exit_code == 1
    assert positions(run) == [("pod.yaml", "parse/invalid-yaml", 5, 12),
                              ("pod.yaml", "pss/privileged", 16, 9)]
    tag = value.split()[0][2:]
    assert run.json()["findings"][0]["message"] == (
        f"the value {value.split()[1]!r} is a {kind}, not a {tag}: Kubernetes refuses "
        f"`{value}` (remove the tag or fix the value)")


@pytest.mark.parametrize("value", ["!!bool true", "!!int 1", "!!float 1", "!!int '0x1F'",
                                   "!!str 1", "!Ref thing"])
def test_explicit_tags_that_fit_are_read(write, value):
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata:\n  x: {value}\n"
    assert_clean(check(write, {"c.yaml": text}))
