from __future__ import annotations

import json
import time

import pytest

from policygate.locate import locate
from policygate.model import parse_path
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import Limits, _has_anchor, parse_yaml
from tests.conftest import run_cli

PRIVILEGED_POD = """apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      securityContext:
        privileged: true
"""


def _rules_at(report):
    return sorted((f["file"], f["rule"], f["line"], f["column"]) for f in report["findings"])


def test_multi_document_positions_and_list_items():
    text = ("# leading comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
            "---\napiVersion: v1\nkind: List\nitems:\n"
            "  - apiVersion: v1\n    kind: Pod\n    metadata: {name: first}\n"
            "  - apiVersion: v1\n    kind: Pod\n    metadata: {name: second}\n"
            "    spec:\n      containers:\n        - name: x\n          image: nginx\n")
    parsed = parse_yaml(text, "f.yaml", Limits())
    assert [d.data["metadata"]["name"] for d in parsed.documents] == ["c", "first", "second"]
    assert [d.start_line for d in parsed.documents] == [3, 10, 13]
    second = parsed.documents[2]
    location = locate(second, parse_path("spec.containers[0].image"))
    assert (location.line, location.column) == (19, 11)


def test_missing_path_resolves_to_nearest_existing_parent():
    parsed = parse_yaml(PRIVILEGED_POD, "p.yaml", Limits())
    location = locate(parsed.documents[0],
                      parse_path("spec.containers[0].securityContext.runAsNonRoot"))
    assert (location.line, location.column, location.end_line) == (7, 7, 8)


def test_json_files_keep_positions(write):
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"},
                "spec": {"containers": [{"name": "a", "securityContext": {"privileged": True}}]}}
    root = write({"pod.json": json.dumps(manifest, indent=2)})
    report = run_cli("check", "--format", "json", "--select", "pss/privileged", "pod.json",
                     cwd=root).json()
    assert _rules_at(report) == [("pod.json", "pss/privileged", 12, 11)]


def test_invalid_yaml_is_a_finding_and_the_scan_goes_on(write):
    broken = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\nspec: {}\n"
    root = write({"a-broken.yaml": broken, "b-pod.yaml": PRIVILEGED_POD})
    run = run_cli("check", "--format", "json", ".", cwd=root)
    assert run.exit_code == 1
    findings = _rules_at(run.json())
    assert ("a-broken.yaml", "parse/invalid-yaml", 5, 5) in findings
    assert ("b-pod.yaml", "pss/privileged", 8, 9) in findings


def test_documents_before_a_syntax_error_are_still_checked():
    parsed = parse_yaml(PRIVILEGED_POD + "---\nkey: [\n", "f.yaml", Limits())
    assert len(parsed.documents) == 1
    assert [(f.rule, f.location.line) for f in parsed.findings] == [("parse/invalid-yaml", 10)]


def test_non_kubernetes_documents_are_skipped_quietly(write):
    root = write({"values.yaml": "replicas: 3\nimage: {tag: latest}\n", "list.yaml": "- a\n- b\n"})
    run = run_cli("check", "--format", "json", ".", cwd=root)
    assert run.exit_code == 0
    report = run.json()
    assert report["findings"] == []
    assert report["summary"]["files"] == 2
    assert report["summary"]["resources"] == 0


def test_duplicate_key_is_a_warning_at_the_second_key(write):
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\nspec: {}\n"
    root = write({"dup.yaml": text})
    report = run_cli("check", "--format", "json", "dup.yaml", cwd=root).json()
    [finding] = report["findings"]
    assert (finding["rule"], finding["severity"], finding["line"], finding["column"]) == \
        ("parse/duplicate-key", "warning", 5, 3)
    assert finding["resource"]["name"] == "b"


def test_merge_keys_are_not_duplicates():
    text = ("base: &base {a: 1, b: 2}\napiVersion: v1\nkind: ConfigMap\n"
            "metadata: {name: m}\ndata:\n  <<: *base\n  a: 3\n")
    parsed = parse_yaml(text, "m.yaml", Limits())
    assert parsed.findings == [] and parsed.documents[0].problems == []
    assert parsed.documents[0].data["data"] == {"a": 3, "b": 2}


def test_timestamps_stay_strings_like_in_kubernetes():
    parsed = parse_yaml("apiVersion: v1\nkind: ConfigMap\ndata: {day: 2024-01-31}\n", "t", Limits())
    assert parsed.documents[0].data["data"]["day"] == "2024-01-31"


def test_unsafe_tags_are_never_constructed():
    """go-yaml reads a tag it does not know as the plain node; so does the gate (kubectl
    would apply this document), and nothing is ever called."""
    text = "apiVersion: v1\nkind: Pod\nx: !!python/object/apply:os.system ['echo pwned']\n"
    parsed = parse_yaml(text, "evil.yaml", Limits())
    assert parsed.findings == []
    assert parsed.documents[0].data == {"apiVersion": "v1", "kind": "Pod", "x": ["echo pwned"]}


BILLION_LAUGHS = "\n".join(
    [f"l0: &l0 [{', '.join(['lol'] * 9)}]"]
    + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]) + "\n"


def test_alias_bomb_is_refused_quickly_with_the_limit_named():
    started = time.perf_counter()
    parsed = parse_yaml("apiVersion: v1\nkind: ConfigMap\n" + BILLION_LAUGHS, "bomb.yaml", Limits())
    elapsed = time.perf_counter() - started
    assert parsed.documents == []
    [finding] = parsed.findings
    assert finding.rule == "parse/limit-exceeded"
    assert "max_nodes" in finding.message and "limits.max_nodes" in finding.message
    assert elapsed < 5  # a hang, not a benchmark: the expanded graph has 10^9 nodes


@pytest.mark.parametrize("text, anchored", [
    ("a: &x 1\nb: *x\n", True), ("- &x 1\n", True), ("&x\n", True), ("  &x a: 1\n", True),
    ("a: !!str &x 1\n", True), ("a: !t\t&x 1\n", True), ("{a: &x 1}\n", True),
    ("[1, &x 1]\n", True), ("? &x k\n: v\n", True),
    ("cmd: make && make install\n", False), ("url: https://h/?a=1&b=2\n", False),
    ("a: & x\n", False), ("a: '&&'\n", False), ("a: b &x\n", False), ("a: &\n", False),
])
def test_anchor_detection_finds_anchors_where_yaml_allows_them(text, anchored):
    """Only files with anchors take the slower alias-aware path; shell `&&` and URL
    query strings must not send a file there."""
    assert _has_anchor(text) is anchored


def test_recursive_alias_is_invalid_not_a_hang():
    parsed = parse_yaml("apiVersion: v1\nkind: ConfigMap\ndata: &a [*a]\n", "r.yaml", Limits())
    assert parsed.documents == []
    assert [f.rule for f in parsed.findings] == ["parse/invalid-yaml"]


def test_depth_limit():
    deep = "apiVersion: v1\nkind: ConfigMap\ndata: " + "[" * 40 + "]" * 40 + "\n"
    parsed = parse_yaml(deep, "d.yaml", Limits(max_depth=30))
    assert [f.rule for f in parsed.findings] == ["parse/limit-exceeded"]
    assert "limits.max_depth" in parsed.findings[0].message
    assert parse_yaml(deep, "d.yaml", Limits(max_depth=50)).findings == []


def test_parser_nesting_limit_is_reported_as_a_limit():
    deep = "a: " + "[" * 5000 + "]" * 5000 + "\n"
    parsed = parse_yaml(deep, "d.yaml", Limits())
    assert [f.rule for f in parsed.findings] == ["parse/limit-exceeded"]


def test_document_count_limit_keeps_the_first_documents():
    text = "".join(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"
                   for i in range(5))
    parsed = parse_yaml(text, "many.yaml", Limits(max_documents=3))
    assert len(parsed.documents) == 3
    [finding] = parsed.findings
    assert (finding.rule, finding.location.line) == ("parse/limit-exceeded", 14)
    assert "limits.max_documents" in finding.message


def test_file_size_limit():
    parsed = parse_bytes(b"a: 1\n" * 100, "big.yaml", Limits(max_file_bytes=100))
    assert [f.rule for f in parsed.findings] == ["parse/limit-exceeded"]
    assert "limits.max_file_bytes" in parsed.findings[0].message


def test_binary_and_encoding_problems():
    binary = parse_bytes(b"apiVersion: v1\n\x00\x01\x02", "b.yaml", Limits())
    assert [(f.rule, str(f.severity)) for f in binary.findings] == [("parse/binary-file", "note")]
    invalid = parse_bytes(b"apiVersion: v1\nkind: \xff\xfe\n", "e.yaml", Limits())
    assert [(f.rule, f.location.line, f.location.column) for f in invalid.findings] == \
        [("parse/invalid-encoding", 2, 7)]


def test_utf16_with_bom_and_crlf_keep_line_numbers():
    text = PRIVILEGED_POD.replace("\n", "\r\n")
    parsed = parse_bytes(text.encode("utf-16"), "w.yaml", Limits())
    assert parsed.findings == []
    location = locate(parsed.documents[0], parse_path("spec.containers[0].securityContext.privileged"))
    assert location.line == 8
