"""Output formats. Each reporter module turns a Report into text; nothing else."""
from __future__ import annotations

import importlib

from policygate.model import Report

FORMATS = ("text", "json", "sarif", "junit", "github", "gitlab-codequality")


def render(format_name: str, report: Report, *, color: bool = False) -> str:
    module = importlib.import_module(
        f"policygate.reporters.{format_name.replace('-', '_')}_report")
    return module.render(report, color=color)
