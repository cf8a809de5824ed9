"""Output formats. Each reporter module turns a Report into text; nothing else."""
from __future__ import annotations

import importlib

from policygate.model import Report
from policygate.reporters.terminal import PLAIN, Terminal

FORMATS = ("text", "json", "sarif", "junit", "github", "gitlab-codequality")


# Each format's own escape for what would start a workflow command (reporters.safe_lines);
# `github` prints the gate's own annotations, whose values are escaped field by field.
_SYNTAX = {"text": "text", "json": "json", "sarif": "json", "junit": "xml", "summary": "markdown",
           "gitlab-codequality": "json"}


def render(format_name: str, report: Report, *, terminal: Terminal = PLAIN) -> str:
    """The report in a format; only the text format adapts to a terminal."""
    module = importlib.import_module(
        f"policygate.reporters.{format_name.replace('-', '_')}_report")
    text = module.render(report, terminal=terminal) if format_name == "text" \
        else module.render(report)
    if format_name not in _SYNTAX:
        return text
    from policygate.reporters.safe_lines import defuse

    return defuse(text, _SYNTAX[format_name])
