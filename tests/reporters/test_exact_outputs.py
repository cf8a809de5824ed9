"""Every machine format, byte for byte, for one report that has everything: findings of each
severity in several files, one without a line, a suppressed one, resources that passed, and
a run failure. CI views parse these files; a changed attribute is a broken integration."""
from __future__ import annotations

import hashlib
import json

import pytest

from policygate.baseline import fingerprint
from policygate.model import Finding, Location, Report, ResourceId, Severity, Suppression
from policygate.reporters import render
from policygate.reporters.terminal import Terminal
from policygate.reporters.gitlab_codequality_report import issues
from policygate.reporters.json_report import report_to_json
from policygate.reporters.summary_report import headline, render_summary

POD = ResourceId("v1", "Pod", "shop", "web")
API = ResourceId("apps/v1", "Deployment", "shop", "api")


def rich_report() -> Report:
    error = Finding("pss/privileged", Severity.ERROR, 'container "web" runs privileged',
                    "deploy/web.yaml", Location(9, 9, 9), POD,
                    ("spec", "containers", 0, "securityContext", "privileged"),
                    fix="privileged: false")
    warning = Finding("pss/privileged", Severity.WARNING, 'container "side" runs privileged',
                      "deploy/web.yaml", Location(14, 9, 16), POD,
                      ("spec", "containers", 1, "securityContext", "privileged"))
    note = Finding("image/latest-tag", Severity.NOTE, "image nginx uses the latest tag | <b>",
                   "deploy/web.yaml", Location(20, 14, 20), POD, ("spec", "containers", 0, "image"))
    api_note = Finding("image/latest-tag", Severity.NOTE, "note only é", "deploy/api.yaml",
                       Location(3, 1, 3), API, ("spec",), render="overlays/prod")
    loose = Finding("parse/invalid-yaml", Severity.ERROR, "bad\x01 yaml", "broken.yaml", None,
                    source="parser")
    suppressed = Finding("pss/host-namespaces", Severity.ERROR, "hostPID", "deploy/web.yaml",
                         Location(5, 3, 5), POD, ("spec", "hostPID"))
    suppressed.suppression = Suppression("comment", "legacy", "deploy/web.yaml", 4)
    return Report([api_note, error, warning, note, loose], files=4, resources=3,
                  suppressed=[suppressed],
                  checked=[("deploy/web.yaml", POD), ("deploy/api.yaml", API),
                           ("deploy/ok.yaml", ResourceId("v1", "Pod", None, "ok")),
                           ("deploy/ok.yaml", ResourceId("v1", "ConfigMap", "shop", "cm"))],
                  failures=["x.rego: the opa engine crashed"])


# The suites of deploy/api.yaml (a note only) and deploy/ok.yaml (nothing found).
API_AND_OK = """  <testsuite name="deploy/api.yaml" tests="1" failures="0" errors="0">
    <testcase name="image/latest-tag Deployment/shop/api" classname="deploy/api.yaml">
      <system-out>deploy/api.yaml:3: note note only é</system-out>
    </testcase>
  </testsuite>
  <testsuite name="deploy/ok.yaml" tests="2" failures="0" errors="0">
    <testcase name="all rules ConfigMap/shop/cm" classname="deploy/ok.yaml" />
    <testcase name="all rules Pod/ok" classname="deploy/ok.yaml" />
  </testsuite>
"""

JUNIT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="policygate" tests="7" failures="2" errors="1">
  <testsuite name="broken.yaml" tests="1" failures="1" errors="0">
    <testcase name="parse/invalid-yaml" classname="broken.yaml">
      <failure type="error" message="bad\ufffd yaml">broken.yaml:0: error bad\ufffd yaml</failure>
    </testcase>
  </testsuite>
""" + API_AND_OK + """  <testsuite name="deploy/web.yaml" tests="2" failures="1" errors="0">
    <testcase name="image/latest-tag Pod/shop/web" classname="deploy/web.yaml">
      <system-out>deploy/web.yaml:20: note image nginx uses the latest tag | &lt;b&gt;</system-out>
    </testcase>
    <testcase name="pss/privileged Pod/shop/web" classname="deploy/web.yaml">
      <failure type="error" message="container &quot;web&quot; runs privileged">deploy/web.yaml:9: error container "web" runs privileged
deploy/web.yaml:14: warning container "side" runs privileged</failure>
    </testcase>
  </testsuite>
  <testsuite name="policygate run" tests="1" failures="0" errors="1">
    <testcase name="run" classname="policygate">
      <error message="the check did not complete">x.rego: the opa engine crashed</error>
    </testcase>
  </testsuite>
</testsuites>
"""


def test_junit_one_suite_per_file_one_case_per_rule_and_resource():
    """A note alone is system-out, not a failure; a warning or error fails the case, typed
    by its worst finding; resources without findings pass; a failed run is an error suite."""
    assert render("junit", rich_report()) == JUNIT


def test_junit_without_run_failures_has_no_error_suite_and_passes_the_rest():
    report = rich_report()
    report.failures = []
    report.findings = [f for f in report.findings if f.file == "deploy/api.yaml"]
    assert render("junit", report) == """<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="policygate" tests="4" failures="0" errors="0">
""" + API_AND_OK + """  <testsuite name="deploy/web.yaml" tests="1" failures="0" errors="0">
    <testcase name="all rules Pod/shop/web" classname="deploy/web.yaml" />
  </testsuite>
</testsuites>
"""


def test_junit_counts_every_failing_case_and_every_run_failure():
    findings = [Finding(rule, Severity.ERROR, "m", "a.yaml", Location(1, 1, 1), POD)
                for rule in ("pss/privileged", "pss/host-ports")]
    out = render("junit", Report(findings, failures=["first", "second"]))
    assert '<testsuite name="a.yaml" tests="2" failures="2" errors="0">' in out
    assert '<testsuites name="policygate" tests="3" failures="2" errors="1">' in out
    assert '<error message="the check did not complete">first\nsecond</error>' in out


def test_junit_failure_message_is_the_first_finding_capped():
    long = Finding("pss/privileged", Severity.WARNING, "x" * 600, "a.yaml", Location(2, 1, 2))
    out = render("junit", Report([long]))
    assert f'<failure type="warning" message="{"x" * 500}">a.yaml:2: warning {"x" * 600}' \
           f"</failure>" in out


SUMMARY = """## policygate

❌ policygate could not complete the check

4 files, 3 resources checked, 5 findings, 1 suppressed.

> **Failure:** x\\.rego\\: the opa engine crashed

### `deploy/api.yaml`

| Line | Severity | Rule | Message |
|---:|---|---|---|
| 3 | 🔵 note | `image/latest-tag` | note only é |

### `deploy/web.yaml`

| Line | Severity | Rule | Message |
|---:|---|---|---|
| 9 | 🔴 error | `pss/privileged` | container \\"web\\" runs privileged |
| 14 | 🟡 warning | `pss/privileged` | container \\"side\\" runs privileged |
| 20 | 🔵 note | `image/latest-tag` | image nginx uses the latest tag &#124; &lt;b&gt; |

### `broken.yaml`

| Line | Severity | Rule | Message |
|---:|---|---|---|
|  | 🔴 error | `parse/invalid-yaml` | bad\ufffd yaml |
"""


def test_job_summary_groups_findings_by_file_in_report_order():
    assert render("summary", rich_report()) == SUMMARY


@pytest.mark.parametrize("severities, line", [
    ((Severity.ERROR,), "❌ policygate: 1 error, 0 warnings"),
    ((Severity.ERROR, Severity.ERROR, Severity.WARNING), "❌ policygate: 2 errors, 1 warning"),
    ((Severity.WARNING, Severity.NOTE), "⚠️ policygate: 1 warning"),
    ((Severity.WARNING, Severity.WARNING), "⚠️ policygate: 2 warnings"),
    ((Severity.NOTE,), "ℹ️ policygate: 1 note"),
    ((Severity.NOTE, Severity.NOTE), "ℹ️ policygate: 2 notes"),
    ((), "✅ policygate: no findings"),
])
def test_summary_headline_counts(severities, line):
    assert headline(Report([Finding("r/x", s, "m", "a.yaml") for s in severities])) == line


def test_summary_cut_says_how_many_and_where_to_look():
    findings = [Finding("r/x", Severity.ERROR, "m" * 100, "a.yaml", Location(i, 1, i))
                for i in range(1, 11)]
    text = render_summary(Report(findings), title="gate | prod", limit=1000, more="(see logs)")
    assert text.startswith("## gate &#124; prod\n\n❌ policygate: 10 errors, 0 warnings\n\n"
                           "0 files, 0 resources checked, 10 findings, 0 suppressed.\n\n\n"
                           "### `a.yaml`\n")
    shown = text.count("| 🔴 error |")
    assert (shown, len(text.encode()) <= 1000) == (4, True)
    assert text.endswith(f"\n\n… {10 - shown} more findings not shown (see logs)\n")
    # The cut is exact: each row costs its bytes plus a newline, and 200 bytes stay free
    # for the closing line. A fourth row needs a limit of 909 bytes, a fifth 1,039.
    for limit, rows in ((908, 3), (909, 4), (1038, 4), (1039, 5)):
        cut = render_summary(Report(findings), title="gate | prod", limit=limit, more="(x)")
        assert (limit, cut.count("| 🔴 error |")) == (limit, rows)


def test_summary_caps_every_untrusted_field():
    """Title 100, file 300, rule 120, message 600 and failure 2,000 characters, each cut
    with an ellipsis (Markdown escapes come after the cut)."""
    finding = Finding("r/" + "x" * 119, Severity.ERROR, "m" * 601, "f" * 301, Location(1, 1, 1))
    blank = Finding("r/y", Severity.NOTE, "n", "", Location(2, 1, 2))
    text = render_summary(Report([blank, finding], failures=["e" * 2001]), title="t" * 101)
    assert text.splitlines() == [
        "## " + "t" * 99 + "…", "", "❌ policygate could not complete the check", "",
        "0 files, 0 resources checked, 2 findings, 0 suppressed.", "",
        "> **Failure:** " + "e" * 1999 + "…", "",
        "### `  `", "", "| Line | Severity | Rule | Message |", "|---:|---|---|---|",
        "| 2 | 🔵 note | `r/y` | n |", "",
        "### `" + "f" * 299 + "…`", "", "| Line | Severity | Rule | Message |",
        "|---:|---|---|---|", "| 1 | 🔴 error | `r/" + "x" * 117 + "…` | " + "m" * 599 + "… |"]


def test_codequality_issues_in_full():
    report = rich_report()
    twin = Finding("pss/privileged", Severity.ERROR, 'container "web" runs privileged',
                   "deploy/web.yaml", Location(30, 9, 30), POD,
                   ("spec", "containers", 0, "securityContext", "privileged"))
    report.findings.append(twin)
    first = fingerprint(report.findings[1])
    assert fingerprint(twin) == first

    def issue(finding, severity, lines, key=None):
        return {"description": f"{finding.rule}: {finding.message}", "check_name": finding.rule,
                "fingerprint": key or fingerprint(finding), "severity": severity,
                "location": {"path": finding.file, "lines": lines}}
    api_note, error, warning, note, loose = report.findings[:5]
    assert issues(report) == [
        issue(api_note, "info", {"begin": 3}),
        issue(error, "critical", {"begin": 9}),
        issue(warning, "major", {"begin": 14, "end": 16}),
        issue(note, "info", {"begin": 20}),
        issue(loose, "critical", {"begin": 1}),
        issue(twin, "critical", {"begin": 30},
              hashlib.sha256(f"{first}#1".encode()).hexdigest()[:32]),
        {"description": "policygate could not complete the check: x.rego: the opa engine "
                        "crashed", "check_name": "policygate/failure",
         "fingerprint": hashlib.sha256(b"x.rego: the opa engine crashed").hexdigest()[:32],
         "severity": "blocker", "location": {"path": ".policygate.yaml", "lines": {"begin": 1}}}]
    assert render("gitlab-codequality", report) == json.dumps(
        issues(report), indent=2, ensure_ascii=False) + "\n"
    # A finding with no message is described by its rule alone.
    bare = Finding("policygate/x", Severity.NOTE, "", "", None)
    assert issues(Report([bare]))[0]["description"] == "policygate/x"
    assert issues(Report([bare]))[0]["location"] == {"path": ".policygate.yaml",
                                                     "lines": {"begin": 1}}


def test_json_report_in_full():
    report = rich_report()
    report.rego_engine = {"name": "opa"}
    report.renders = [{"path": "overlays/prod", "renderer": "kustomize"}]
    data = report_to_json(report)
    assert data["version"] == 1
    assert data["summary"] == {"files": 4, "resources": 3, "findings": 5, "errors": 2,
                               "warnings": 1, "notes": 2, "suppressed": 1}
    assert data["findings"][0] == {
        "rule": "image/latest-tag", "severity": "note", "message": "note only é",
        "file": "deploy/api.yaml", "line": 3, "column": 1, "end_line": 3,
        "resource": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop",
                     "name": "api"},
        "path": "spec", "source": "builtin", "fix": None, "render": "overlays/prod"}
    assert data["findings"][2]["end_line"] == 16
    assert data["findings"][4] == {
        "rule": "parse/invalid-yaml", "severity": "error", "message": "bad\x01 yaml",
        "file": "broken.yaml", "line": None, "column": None, "end_line": None,
        "resource": None, "path": None, "source": "parser", "fix": None}
    assert data["suppressed"] == [{
        "rule": "pss/host-namespaces", "severity": "error", "message": "hostPID",
        "file": "deploy/web.yaml", "line": 5, "column": 3, "end_line": 5,
        "resource": {"apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": "web"},
        "path": "spec.hostPID", "source": "builtin", "fix": None,
        "suppression": {"kind": "comment", "reason": "legacy", "by": "deploy/web.yaml:4",
                        "owner": None, "expires": None}}]
    assert (data["failures"], data["rego_engine"], data["renders"]) == (
        ["x.rego: the opa engine crashed"], {"name": "opa"},
        [{"path": "overlays/prod", "renderer": "kustomize"}])
    text = render("json", report)
    assert text == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    # Big reports skip the indentation (the C encoder), same JSON.
    report.findings = report.findings * 201
    compact = render("json", report)
    assert compact == json.dumps(report_to_json(report), ensure_ascii=False) + "\n"
    plain = rich_report()
    assert "rego_engine" not in report_to_json(plain) and "renders" not in report_to_json(plain)


TEXT = """deploy/api.yaml:3:1: note [image/latest-tag] note only é

deploy/web.yaml:9:9: error [pss/privileged] container "web" runs privileged
deploy/web.yaml:14:9: warning [pss/privileged] container "side" runs privileged
deploy/web.yaml:20:14: note [image/latest-tag] image nginx uses the latest tag | <b>

broken.yaml: error [parse/invalid-yaml] bad\x01 yaml

2 errors, 1 warning, 2 notes in 3 files (4 files, 3 resources checked, 1 suppressed)

  1  error    parse/invalid-yaml
  1  error    pss/privileged
  1  warning  pss/privileged
  2  note     image/latest-tag

Why, and how to fix: policygate explain RULE (e.g. policygate explain parse/invalid-yaml)
"""


def test_text_groups_files_by_a_blank_line_and_colours_only_on_request():
    report = rich_report()
    assert render("text", report) == TEXT
    bold, reset = "\x1b[1m", "\x1b[0m"
    red, yellow, cyan = "\x1b[31m", "\x1b[33m", "\x1b[36m"
    coloured = render("text", report, terminal=Terminal(color=True)).splitlines()
    assert coloured[:3] == [
        f"{bold}deploy/api.yaml:3:1{reset}: {cyan}note{reset} [image/latest-tag] note only é", "",
        f"{bold}deploy/web.yaml:9:9{reset}: {red}error{reset} [pss/privileged] container "
        f'"web" runs privileged']
    assert coloured[3].startswith(f"{bold}deploy/web.yaml:14:9{reset}: {yellow}warning{reset} ")
    assert coloured[6] == f"{bold}broken.yaml{reset}: {red}error{reset} [parse/invalid-yaml] " \
                          "bad\x01 yaml"
    assert coloured[10] == f"  1  {red}error{reset}    parse/invalid-yaml"
    assert coloured[13] == f"  2  {cyan}note{reset}     image/latest-tag"
    findings_only = TEXT.split("\n\n2 errors")[0] + "\n"
    assert render("text", report, terminal=Terminal(quiet=True)) == findings_only
    assert render("text", Report()) == ""


# On a terminal (tests/test_output.py runs the same through a real pty, end to end).
_CONTEXT = " [namespace shop: restricted applies]"


def _at(rule: str, severity: Severity, message: str, line: int, column: int,
        resource: ResourceId | None = POD, file: str = "deploy/web.yaml") -> Finding:
    return Finding(rule, severity, message, file, Location(line, column, line), resource)


def terminal_report() -> Report:
    tabs = _at("parse/invalid-yaml", Severity.ERROR, "tabs are not allowed", 3, 1, None,
               "z.yaml")
    tabs.excerpt = ("kind: Pod\\t", 10)
    return Report([
        _at("pss/run-as-non-root", Severity.WARNING,
            'container "web" may run as root: set runAsNonRoot: true' + _CONTEXT, 9, 9),
        _at("pss/seccomp-required", Severity.WARNING, 'container "web" has no seccomp '
            "profile: set seccompProfile.type to RuntimeDefault or Localhost" + _CONTEXT, 9, 9),
        _at("pss/privileged", Severity.ERROR, 'container "web" runs privileged' + _CONTEXT, 9, 9),
        _at("pss/host-ports", Severity.ERROR, "hostPort 80 is used", 12, 11),
        tabs,
        _at("parse/duplicate-key", Severity.WARNING, "duplicate key kind [a]", 3, 1, None,
            "z.yaml"),
    ], files=2, resources=1)


RULE_COUNTS = """  1  error    parse/invalid-yaml
  1  error    pss/host-ports
  1  error    pss/privileged
  1  warning  parse/duplicate-key
  1  warning  pss/run-as-non-root
  1  warning  pss/seccomp-required
"""
TERMINAL_COUNTS = ("3 errors, 3 warnings in 2 files (2 files, 1 resource checked)\n\n" + RULE_COUNTS
                   + "\nWhy, and how to fix: policygate explain RULE (e.g. policygate explain "
                   "parse/invalid-yaml)\n")

TERMINAL = """deploy/web.yaml:9:9: 3 findings in Pod/shop/web
  warning [pss/run-as-non-root] container "web" may run as root: set runAsNonRoot: true
  warning [pss/seccomp-required] container "web" has no seccomp profile: set seccompProfile.type to RuntimeDefault or Localhost
  error [pss/privileged] container "web" runs privileged
  [namespace shop: restricted applies]
deploy/web.yaml:12:11: error [pss/host-ports] hostPort 80 is used

z.yaml:3:1: 2 findings
  error [parse/invalid-yaml] tabs are not allowed
      3 | kind: Pod\\t
        |          ^
  warning [parse/duplicate-key] duplicate key kind [a]

""" + TERMINAL_COUNTS

TERMINAL_60 = """deploy/web.yaml:9:9: 3 findings in Pod/shop/web
  warning [pss/run-as-non-root] container "web" may run as
      root: set runAsNonRoot: true
  warning [pss/seccomp-required] container "web" has no
      seccomp profile: set seccompProfile.type to
      RuntimeDefault or Localhost
  error [pss/privileged] container "web" runs privileged
  [namespace shop: restricted applies]
deploy/web.yaml:12:11: error [pss/host-ports] hostPort 80 is
    used

z.yaml:3:1: 2 findings
  error [parse/invalid-yaml] tabs are not allowed
      3 | kind: Pod\\t
        |          ^
  warning [parse/duplicate-key] duplicate key kind [a]

3 errors, 3 warnings in 2 files (2 files, 1 resource
  checked)

""" + RULE_COUNTS + """
Why, and how to fix: policygate explain RULE (e.g.
  policygate explain parse/invalid-yaml)
"""


def test_a_terminal_groups_one_lines_findings_under_it_and_prints_a_shared_context_once():
    assert render("text", terminal_report(), terminal=Terminal(tty=True)) == TERMINAL
    # Not on a terminal: one editor-style line per finding, contexts left in place.
    piped = render("text", terminal_report()).splitlines()
    assert piped[:4] == [
        'deploy/web.yaml:9:9: warning [pss/run-as-non-root] container "web" may run as root: '
        "set runAsNonRoot: true" + _CONTEXT,
        'deploy/web.yaml:9:9: warning [pss/seccomp-required] container "web" has no seccomp '
        "profile: set seccompProfile.type to RuntimeDefault or Localhost" + _CONTEXT,
        'deploy/web.yaml:9:9: error [pss/privileged] container "web" runs privileged' + _CONTEXT,
        "deploy/web.yaml:12:11: error [pss/host-ports] hostPort 80 is used"]


def test_a_terminal_wraps_long_lines_to_its_width_but_never_below_40_columns():
    assert render("text", terminal_report(), terminal=Terminal(tty=True, width=60)) == TERMINAL_60
    narrow = render("text", terminal_report(), terminal=Terminal(tty=True, width=12))
    assert narrow.splitlines()[1:4] == ["  warning [pss/run-as-non-root] container",
                                        '      "web" may run as root: set',
                                        "      runAsNonRoot: true"]


def test_colour_on_a_terminal_marks_the_place_and_the_severity_and_nothing_else():
    bold, reset, red, yellow = "\x1b[1m", "\x1b[0m", "\x1b[31m", "\x1b[33m"
    coloured = render("text", terminal_report(), terminal=Terminal(tty=True, color=True, width=60))
    assert coloured.replace(bold, "").replace(reset, "").replace(red, "").replace(
        yellow, "") == TERMINAL_60
    lines = coloured.splitlines()
    assert lines[:2] == [f"{bold}deploy/web.yaml:9:9{reset}: 3 findings in Pod/shop/web",
                         f"  {yellow}warning{reset} [pss/run-as-non-root] container \"web\" "
                         "may run as"]
    assert lines[8] == f"{bold}deploy/web.yaml:12:11{reset}: {red}error{reset} " \
                       "[pss/host-ports] hostPort 80 is"
    assert lines[23] == f"  1  {yellow}warning{reset}  parse/duplicate-key"


def test_a_clean_run_on_a_terminal_is_one_line_and_nothing_when_quiet_or_piped():
    clean = Report(files=3, resources=5)
    assert render("text", clean, terminal=Terminal(tty=True, elapsed=0.1234)) == \
        "✓ 3 files, 5 resources, 0 findings (0.12 s)\n"
    one = Report(files=1, resources=1, suppressed=[_at("pss/privileged", Severity.ERROR, "x", 1, 1)])
    assert render("text", one, terminal=Terminal(tty=True, color=True)) == \
        "\x1b[32m✓\x1b[0m 1 file, 1 resource, 0 findings, 1 suppressed\n"
    assert render("text", one, terminal=Terminal(tty=True, quiet=True)) == ""
    assert render("text", one) == ""
    findings_only = render("text", terminal_report(), terminal=Terminal(tty=True, quiet=True))
    assert findings_only == TERMINAL.split("\n\n3 errors")[0] + "\n"
