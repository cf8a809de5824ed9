"""Byte-exact GitHub annotations and Markdown escaping with hostile input; SARIF and JUnit
validity."""
from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from xml.etree import ElementTree

import jsonschema

from policygate.baseline import fingerprint
from policygate.model import Finding, Location, Report, ResourceId, Severity, Suppression
from policygate.reporters.github_report import annotation, render as render_annotations
from policygate.reporters.junit_report import render as render_junit
from policygate.reporters.markdown import code_span, escape_text, fenced_block, table_cell
from policygate.reporters.sarif_report import MAX_RESULTS, report_to_sarif
from policygate.reporters.sarif_report import render as render_sarif
from policygate.reporters.summary_report import render_summary
from policygate.rules.catalog import catalog
from tests.conftest import run_cli

SARIF_SCHEMA = json.loads((Path(__file__).parents[1] / "data/sarif-schema-2.1.0.json").read_text())
POD = ResourceId("v1", "Pod", "shop", "web")


def finding(message="container \"web\" runs privileged", file="deploy/web.yaml", rule="pss/privileged",
            severity=Severity.ERROR, line=21):
    return Finding(rule, severity, message, file, Location(line, 11, line + 1), POD,
                   ("spec", "containers", 0, "securityContext", "privileged"))


def test_annotation_bytes():
    assert annotation(finding()) == (
        "::error file=deploy/web.yaml,line=21,endLine=22,col=11,title=policygate%3A pss/privileged"
        "::container \"web\" runs privileged")
    assert annotation(finding(severity=Severity.NOTE)).startswith("::notice ")


def test_hostile_annotation_cannot_end_or_start_commands():
    hostile = finding(
        message="100% bad\r\n::add-mask::secret\n::stop-commands::x\necho A=B >> $GITHUB_ENV",
        file="a,b:c%d\n::error::x.yaml")
    line = annotation(hostile)
    assert "\n" not in line and "\r" not in line
    assert line == (
        "::error file=a%2Cb%3Ac%25d%0A%3A%3Aerror%3A%3Ax.yaml,line=21,endLine=22,col=11,"
        "title=policygate%3A pss/privileged::100%25 bad%0D%0A::add-mask::secret%0A"
        "::stop-commands::x%0Aecho A=B >> $GITHUB_ENV")
    report = Report([hostile, finding()])
    assert render_annotations(report).count("\n") == 2


def test_markdown_escaping_is_exact():
    assert escape_text("@acme/security please <img src=x onerror=alert(1)> **now**") == (
        "@\u2060acme/security please &lt;img src\\=x onerror\\=alert\\(1\\)&gt; \\*\\*now\\*\\*")
    # "&#64;" must stay the five characters, not become an "@" that mentions someone.
    assert escape_text("&#64;team") == "&amp;\\#64;team"
    assert escape_text("line1\nline2\r\n| x |") == "line1 line2 \\| x \\|"
    assert table_cell("a | b") == "a &#124; b"
    assert code_span("x`y``z | @me") == "```x`y``z \\| @\u2060me```"
    assert code_span("`edge`") == "`` `edge` ``"
    block = fenced_block("```\nbreak out\n````")
    assert block.startswith("`````\n") and block.endswith("\n`````")
    assert len(escape_text("x" * 5000, limit=100)) == 100


def test_markdown_caps_padding_fences_and_defaults():
    from policygate.reporters.markdown import cap
    assert (cap("abcd", 4), cap("abcde", 4), cap("abc", 0)) == ("abcd", "abc…", "…")
    # Each helper's default limit, just over it.
    assert escape_text("x" * 1001) == "x" * 999 + "…"
    assert table_cell("x" * 301) == "x" * 299 + "…"
    assert code_span("x" * 301) == "`" + "x" * 299 + "…`"
    assert fenced_block("x" * 20_001) == "```\n" + "x" * 19_999 + "…\n```"
    assert code_span("a\x01\nb", table=False) == "`a\ufffd b`"
    # A span that starts or ends with a backtick, or is blank, is padded; others are not.
    assert [code_span(t) for t in ("`a", "a`", "a`b", " ", "")] == [
        "`` `a ``", "`` a` ``", "``a`b``", "`   `", "`  `"]
    assert code_span("a | b", table=False) == "`a | b`"
    assert fenced_block("a@b\x07\n\n", "yaml") == "```yaml\na@\u2060b\ufffd\n```"
    assert fenced_block("\n\nlead\t") == "```\n\n\nlead\t\n```"


def test_summary_groups_by_file_and_caps_size():
    findings = [finding(file=f"f{i // 10}.yaml", line=i % 10 + 1) for i in range(3000)]
    text = render_summary(Report(findings, files=300, resources=300), limit=60_000)
    assert len(text.encode()) <= 60_000
    assert text.count("### `f0.yaml`") == 1
    assert "| 1 | 🔴 error | `pss/privileged` | container \\\"web\\\" runs privileged |" in text
    shown = text.count("| 🔴 error |")
    assert f"… {3000 - shown} more findings not shown" in text
    assert shown > 100


def test_summary_escapes_hostile_file_names_and_messages():
    text = render_summary(Report([finding(message="@org/admins </details><script>",
                                          file="x` @evil |.yaml")]))
    assert "@org" not in text.replace("@\u2060", "")
    assert "<script>" not in text and "</details>" not in text
    assert "### ``x` @\u2060evil \\|.yaml``" in text


def test_sarif_is_valid_and_has_fingerprints_and_rules():
    suppressed = finding(line=40)
    suppressed.suppression = Suppression("comment", "vendor image", "deploy/web.yaml", 39)
    report = Report([finding(), finding(rule="rego/main", message="custom")], suppressed=[suppressed])
    sarif = report_to_sarif(report)
    jsonschema.validate(sarif, SARIF_SCHEMA)
    run = sarif["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["pss/privileged", "rego/main"]
    privileged = run["tool"]["driver"]["rules"][0]
    assert privileged["shortDescription"]["text"] == "containers must not run privileged"
    assert privileged["help"]["text"]
    first = run["results"][0]
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "deploy/web.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 21, "startColumn": 11, "endLine": 22}}
    assert len(first["partialFingerprints"]["policygate/v2"]) == 32
    assert run["results"][2]["suppressions"][0]["kind"] == "inSource"
    assert run["results"][2]["suppressions"][0]["location"]["physicalLocation"][
        "artifactLocation"]["uri"] == "deploy/web.yaml"
    assert run["automationDetails"]["id"] == "policygate/"


def _sarif_location(file, line=None):
    physical = {"artifactLocation": {"uri": file, "uriBaseId": "%SRCROOT%"}}
    if line is not None:
        physical["region"] = {"startLine": line, "startColumn": 11, "endLine": line + 1}
    return [{"physicalLocation": physical}]


def test_sarif_results_carry_each_findings_level_rule_index_and_suppression():
    """Code scanning shows `level` as the alert's severity and finds the rule through
    `ruleIndex`: both follow each finding, not its rule's default."""
    note = finding(severity=Severity.NOTE, line=30)
    custom = Finding("rego/main", Severity.WARNING, "custom", "policy/x.yaml", source="rego")
    by_exception = finding(line=50)
    by_exception.suppression = Suppression("exception", None, ".policygate.yaml", 3)
    by_baseline = finding(line=60)
    by_baseline.suppression = Suppression("baseline", "known", "baseline.json")
    report = Report([finding(), custom, note], suppressed=[by_exception, by_baseline])
    run = report_to_sarif(report)["runs"][0]
    resource = {"resource": {"apiVersion": "v1", "kind": "Pod", "namespace": "shop",
                             "name": "web"}, "source": "builtin"}
    key = {"policygate/v2": fingerprint(finding())}

    def suppressed(kind, reason, file):
        return [{"kind": kind, "justification": reason, "location": {"physicalLocation": {
            "artifactLocation": {"uri": file, "uriBaseId": "%SRCROOT%"}}}}]
    assert run["results"] == [
        {"ruleId": "pss/privileged", "ruleIndex": 0, "level": "error",
         "message": {"text": 'container "web" runs privileged'},
         "locations": _sarif_location("deploy/web.yaml", 21), "partialFingerprints": key,
         "properties": resource},
        {"ruleId": "rego/main", "ruleIndex": 1, "level": "warning", "message": {"text": "custom"},
         "locations": _sarif_location("policy/x.yaml"),
         "partialFingerprints": {"policygate/v2": fingerprint(custom)}},
        {"ruleId": "pss/privileged", "ruleIndex": 0, "level": "note",
         "message": {"text": 'container "web" runs privileged'},
         "locations": _sarif_location("deploy/web.yaml", 30), "partialFingerprints": key,
         "properties": resource},
        {"ruleId": "pss/privileged", "ruleIndex": 0, "level": "error",
         "message": {"text": 'container "web" runs privileged'},
         "locations": _sarif_location("deploy/web.yaml", 50), "partialFingerprints": key,
         "properties": resource,
         "suppressions": suppressed("external", "no reason given", ".policygate.yaml")},
        {"ruleId": "pss/privileged", "ruleIndex": 0, "level": "error",
         "message": {"text": 'container "web" runs privileged'},
         "locations": _sarif_location("deploy/web.yaml", 60), "partialFingerprints": key,
         "properties": resource, "suppressions": suppressed("external", "known", "baseline.json")},
    ]
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_sarif_rules_describe_each_rule_once_with_its_default_level():
    doc = {entry.id: entry for entry in catalog()}["pss/privileged"].doc
    report = Report([finding(severity=Severity.WARNING),
                     Finding("rego/main", Severity.NOTE, "custom", "x.yaml")])
    sarif = report_to_sarif(report, category="policygate/prod/")
    jsonschema.validate(sarif, SARIF_SCHEMA)
    assert (sarif["$schema"], sarif["version"]) == (
        "https://json.schemastore.org/sarif-2.1.0.json", "2.1.0")
    run = sarif["runs"][0]
    version = importlib.metadata.version("gitops-policygate")
    assert run["tool"]["driver"] == {
        "name": "policygate", "version": version,
        "informationUri": "https://github.com/policygate/policygate",
        "rules": [
            {"id": "pss/privileged", "name": "pss_privileged",
             "shortDescription": {"text": "containers must not run privileged"},
             "fullDescription": {"text": doc.rationale},
             "defaultConfiguration": {"level": "error"},
             "properties": {"tags": ["policygate", "pss"]},
             "help": {"text": f"{doc.fix}\n\nFails:\n{doc.bad}\n\nPasses:\n{doc.good}",
                      "markdown": f"{doc.fix}\n\n**Fails**\n```yaml\n{doc.bad}\n```\n\n"
                                  f"**Passes**\n```yaml\n{doc.good}\n```"}},
            {"id": "rego/main", "name": "rego_main",
             "shortDescription": {"text": "policy rule rego/main"},
             "fullDescription": {"text": "policy rule rego/main"},
             "defaultConfiguration": {"level": "note"},
             "properties": {"tags": ["policygate", "rego"]},
             "help": {"text": "Run `policygate explain rego/main` for details."}}]}
    assert run["automationDetails"] == {"id": "policygate/prod/"}
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_rule_names_tags_and_category_and_the_rendered_bytes():
    dashed = Finding("pss/host-namespaces", Severity.ERROR, "hôte", "a.yaml", Location(1, 1, 1))
    library = Finding("rego/lib.labels/missing", Severity.WARNING, "m", "a.yaml")
    report = Report([dashed, library])
    run = report_to_sarif(report, category="gate/X/")["runs"][0]
    assert [(r["name"], r["properties"]["tags"]) for r in run["tool"]["driver"]["rules"]] == [
        ("pss_host_namespaces", ["policygate", "pss"]),
        ("rego_lib.labels_missing", ["policygate", "rego"])]
    assert run["automationDetails"] == {"id": "gate/X/"}
    # What --format sarif writes: indented, UTF-8 as is.
    assert render_sarif(report) == json.dumps(report_to_sarif(report), indent=2,
                                              ensure_ascii=False) + "\n"
    assert '"text": "hôte"' in render_sarif(report)


def test_sarif_at_exactly_the_cap_leaves_nothing_out():
    run = report_to_sarif(Report([finding(line=i + 1) for i in range(MAX_RESULTS)]))["runs"][0]
    assert (len(run["results"]), run["invocations"]) == (MAX_RESULTS,
                                                         [{"executionSuccessful": True}])


def test_sarif_says_when_the_run_itself_failed():
    """A run with failures is not a clean scan: `executionSuccessful` is false and each
    failure is an error notification."""
    report = Report([finding()], failures=["pod.yaml: the opa engine crashed", "second"])
    assert report_to_sarif(report)["runs"][0]["invocations"] == [{
        "executionSuccessful": False,
        "toolExecutionNotifications": [
            {"level": "error", "message": {"text": "pod.yaml: the opa engine crashed"}},
            {"level": "error", "message": {"text": "second"}}]}]


def test_sarif_caps_results_like_github():
    report = Report([finding(line=i + 1) for i in range(MAX_RESULTS + 5)])
    run = report_to_sarif(report)["runs"][0]
    assert len(run["results"]) == MAX_RESULTS
    assert run["results"][-1]["locations"][0]["physicalLocation"]["region"]["startLine"] == \
        MAX_RESULTS
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": [
        {"level": "warning", "message": {"text": "5 more results were left out: GitHub accepts "
                                                 "at most 25000 results per run"}}]}]


def test_junit_has_failures_and_passes_and_survives_hostile_bytes():
    report = Report([finding(message="bad \x00\x1b byte <&>")], files=1, resources=2,
                    checked=[("deploy/web.yaml", POD),
                             ("deploy/web.yaml", ResourceId("v1", "Pod", "shop", "ok"))])
    root = ElementTree.fromstring(render_junit(report).encode())
    suite = root.find("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == ("deploy/web.yaml", "2", "1")
    names = [case.get("name") for case in suite.findall("testcase")]
    assert names == ["pss/privileged Pod/shop/web", "all rules Pod/shop/ok"]
    assert "bad \ufffd\ufffd byte <&>" in suite.find("testcase/failure").text


def test_check_formats_through_the_cli(write):
    root = write({"pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                              "  containers: [{name: a, image: a, securityContext: {privileged: true}}]\n"})
    github = run_cli("check", "--select", "pss/privileged", "--format", "github", "pod.yaml", cwd=root)
    assert github.stdout == ("::error file=pod.yaml,line=5,endLine=5,col=54,"
                             "title=policygate%3A pss/privileged::container \"a\" runs privileged "
                             "(securityContext.privileged=true): remove the field or set it to false\n")
    sarif = run_cli("check", "--format", "sarif", "pod.yaml", cwd=root)
    jsonschema.validate(json.loads(sarif.stdout), SARIF_SCHEMA)
    junit = run_cli("check", "--select", "pss/privileged", "--format", "junit", "pod.yaml", cwd=root)
    assert ElementTree.fromstring(junit.stdout.encode()).get("failures") == "1"


def test_junit_lists_passing_resources_from_a_real_run(write):
    root = write({"pods.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n"
                               "  containers: [{name: a, image: a, securityContext: {privileged: true}}]\n"
                               "---\napiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec:\n"
                               "  containers: [{name: a, image: a}]\n"})
    junit = run_cli("check", "--select", "pss/privileged", "--format", "junit", "pods.yaml",
                    cwd=root)
    suite = ElementTree.fromstring(junit.stdout.encode()).find("testsuite")
    assert [(case.get("name"), case.find("failure") is not None)
            for case in suite.findall("testcase")] == [
        ("pss/privileged Pod/bad", True), ("all rules Pod/good", False)]
