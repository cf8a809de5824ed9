"""The data every stage shares: severities and the exit-code threshold, field paths as
kubectl users write them, resource names, suppression origins and report counts."""
from __future__ import annotations

import pytest

from policygate.model import (Finding, Location, Report, ResourceId, Severity, Suppression,
                              format_path, parse_path, plural, value_at, data_at)


def test_severities_read_and_print_in_lower_case_and_order_by_weight():
    assert [str(s) for s in sorted(Severity)] == ["note", "warning", "error"]
    assert [Severity.parse(text) for text in ("note", "Warning", "ERROR")] == [
        Severity.NOTE, Severity.WARNING, Severity.ERROR]
    with pytest.raises(ValueError) as raised:
        Severity.parse("fatal")
    assert str(raised.value) == "unknown severity 'fatal' (expected error, warning or note)"


def test_fail_on_threshold_and_never():
    assert [Severity.threshold(name) for name in ("note", "warning", "error", "never")] == [
        Severity.NOTE, Severity.WARNING, Severity.ERROR, None]


def _report(*severities: Severity) -> Report:
    return Report([Finding("pss/privileged", severity, "m", "a.yaml") for severity in severities])


@pytest.mark.parametrize("severities, fail_on, blocks", [
    ((), Severity.NOTE, False),
    ((Severity.NOTE,), Severity.NOTE, True),
    ((Severity.NOTE,), Severity.WARNING, False),
    ((Severity.WARNING,), Severity.WARNING, True),
    ((Severity.WARNING, Severity.NOTE), Severity.ERROR, False),
    ((Severity.NOTE, Severity.ERROR), Severity.ERROR, True),
    ((Severity.ERROR,), None, False),
])
def test_a_report_blocks_at_or_above_the_threshold(severities, fail_on, blocks):
    assert _report(*severities).blocks(fail_on) is blocks


def test_counts_worst_and_the_severity_summary():
    report = _report(Severity.NOTE, Severity.ERROR, Severity.NOTE, Severity.ERROR, Severity.ERROR)
    assert [report.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.NOTE)] == [3, 0, 2]
    assert report.worst() is Severity.ERROR
    assert report.severity_counts() == "3 errors, 2 notes"
    assert _report(Severity.WARNING).severity_counts() == "1 warning"
    assert (_report().worst(), _report().severity_counts()) == (None, "")
    assert (plural(0, "file"), plural(1, "file"), plural(2, "file")) == ("0 files", "1 file",
                                                                        "2 files")


@pytest.mark.parametrize("path, text", [
    (("spec", "containers", 0, "securityContext", "privileged"),
     "spec.containers[0].securityContext.privileged"),
    (("metadata", "annotations", "container.apparmor.security.beta.kubernetes.io/web"),
     'metadata.annotations["container.apparmor.security.beta.kubernetes.io/web"]'),
    (("data", 'say "hi"\\now'), 'data["say \\"hi\\"\\\\now"]'),
    ((0, "a-b", "$x", "_y"), "[0].a-b.$x._y"),
    (("9lives",), '["9lives"]'),
    ((), ""),
])
def test_field_paths_print_as_kubectl_users_write_them_and_read_back(path, text):
    assert format_path(path) == text
    assert parse_path(text) == path


@pytest.mark.parametrize("text, position", [("spec..x", 5), ("a[x]", 2), ('a["open', 2),
                                              ("a b", 2)])
def test_a_malformed_field_path_names_the_character(text, position):
    with pytest.raises(ValueError) as raised:
        parse_path(text)
    assert str(raised.value) == f"invalid field path {text!r} at character {position}"


def test_value_at_follows_mappings_only():
    data = {"spec": {"hostPID": True, "containers": [{"name": "a"}]}}
    assert value_at(data, ("spec", "hostPID")) is True
    assert value_at(data, ()) == data
    assert value_at(data, ("spec", "containers", 0)) is None
    assert value_at(data, ("spec", "missing", "deeper")) is None


def test_data_at_follows_list_items_and_int_keys():
    data = {"spec": {"containers": [{"name": "a"}], "pods": {0: {"name": "p"}}}}
    assert data_at(data, ("spec", "containers", 0, "name")) == "a"
    assert data_at(data, ("spec", "pods", 0, "name")) == "p"
    assert data_at(data, ()) == data
    assert data_at(data, ("spec", "containers", 1)) is None
    assert data_at(data, ("spec", "containers", -1)) is None
    assert data_at(data, ("spec", "containers", "name")) is None
    assert data_at(data, ("spec", "containers", 0, "name", "deeper")) is None


def test_resource_ids_print_kind_namespace_name():
    assert str(ResourceId("v1", "Pod", "shop", "web")) == "Pod/shop/web"
    assert str(ResourceId("v1", "Namespace", None, "shop")) == "Namespace/shop"
    assert str(ResourceId("v1", "Pod", "shop", None)) == "Pod/shop/<unnamed>"
    assert ResourceId("apps/v1", "Deployment", None, "web").to_json() == {
        "apiVersion": "apps/v1", "kind": "Deployment", "namespace": None, "name": "web"}


def test_suppression_origin_and_json():
    comment = Suppression("comment", "vendor image", "deploy/web.yaml", 12)
    assert comment.origin == "deploy/web.yaml:12"
    exception = Suppression("exception", "legacy", ".policygate.yaml", 30, "exception #2",
                            "platform", "2027-06-30", ("alice", "bob"))
    assert exception.origin == ".policygate.yaml:30 (exception #2)"
    assert exception.to_json() == {"kind": "exception", "reason": "legacy",
                                   "by": ".policygate.yaml:30 (exception #2)",
                                   "owner": "platform", "expires": "2027-06-30",
                                   "approved_by": ["alice", "bob"]}
    baseline = Suppression("baseline", None, "baseline.json")
    assert (baseline.origin, baseline.to_json()) == ("baseline.json", {
        "kind": "baseline", "reason": None, "by": "baseline.json", "owner": None,
        "expires": None})


def test_findings_sort_by_file_line_column_rule_message():
    def at(file, line=None, column=1, rule="r/a", message="m"):
        location = Location(line, column, line) if line is not None else None
        return Finding(rule, Severity.ERROR, message, file, location)
    findings = [at("b.yaml", 1), at("a.yaml", 2, 5), at("a.yaml", 2, 3, "r/b"),
                at("a.yaml", 2, 3, "r/a", "z"), at("a.yaml", 2, 3, "r/a", "y"), at("a.yaml"),
                at("a.yaml", 1, 9)]
    ordered = sorted(findings, key=Finding.sort_key)
    assert [f.sort_key() for f in ordered] == [
        ("a.yaml", 0, 0, "r/a", "m"), ("a.yaml", 1, 9, "r/a", "m"), ("a.yaml", 2, 3, "r/a", "y"),
        ("a.yaml", 2, 3, "r/a", "z"), ("a.yaml", 2, 3, "r/b", "m"), ("a.yaml", 2, 5, "r/a", "m"),
        ("b.yaml", 1, 1, "r/a", "m")]
