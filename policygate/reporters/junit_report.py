"""JUnit XML for GitLab, Jenkins and other CI test views.

One test suite per file and one test case per rule × resource: a failing case carries
every finding of that rule in that resource; a resource without findings is one passing
case, so the CI view shows what was checked and not only what failed.
"""
from __future__ import annotations

import re
from collections import defaultdict
from xml.etree import ElementTree

from policygate.model import Finding, Report, Severity

# XML 1.0 cannot carry these at all, escaped or not; they would make the file unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _case_name(rule: str, finding: Finding) -> str:
    return f"{rule} {finding.resource}" if finding.resource else rule


def report_to_junit(report: Report) -> ElementTree.Element:
    cases: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in report.findings:
        cases[finding.file][_case_name(finding.rule, finding)].append(finding)
    passing: dict[str, list[str]] = defaultdict(list)
    failing_resources = {(f.file, f.resource) for f in report.findings}
    for file, resource in report.checked:
        if (file, resource) not in failing_resources:
            passing[file].append(str(resource))
    root = ElementTree.Element("testsuites", name="policygate")
    total = failures = 0
    for file in sorted(set(cases) | set(passing)):
        suite = ElementTree.SubElement(root, "testsuite", name=_text(file))
        suite_failures = 0
        for name, findings in sorted(cases[file].items()):
            case = ElementTree.SubElement(suite, "testcase", name=_text(name), classname=_text(file))
            worst = max(f.severity for f in findings)
            tag = "failure" if worst >= Severity.WARNING else "system-out"
            lines = [f"{f.file}:{f.location.line if f.location else 0}: {f.severity} "
                     f"{f.message}" for f in findings]
            if tag == "failure":
                suite_failures += 1
                element = ElementTree.SubElement(case, "failure", type=str(worst),
                                                 message=_text(findings[0].message[:500]))
            else:
                element = ElementTree.SubElement(case, "system-out")
            element.text = _text("\n".join(lines))
        for resource in sorted(passing[file]):
            ElementTree.SubElement(suite, "testcase", name=_text(f"all rules {resource}"),
                                   classname=_text(file))
        count = len(cases[file]) + len(passing[file])
        suite.set("tests", str(count))
        suite.set("failures", str(suite_failures))
        suite.set("errors", "0")
        total += count
        failures += suite_failures
    if report.failures:
        suite = ElementTree.SubElement(root, "testsuite", name="policygate run", tests="1",
                                       failures="0", errors="1")
        case = ElementTree.SubElement(suite, "testcase", name="run", classname="policygate")
        error = ElementTree.SubElement(case, "error", message="the check did not complete")
        error.text = _text("\n".join(report.failures))
    root.set("tests", str(total + (1 if report.failures else 0)))
    root.set("failures", str(failures))
    root.set("errors", "1" if report.failures else "0")
    return root


def render(report: Report) -> str:
    root = report_to_junit(report)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(
        root, encoding="unicode") + "\n"
