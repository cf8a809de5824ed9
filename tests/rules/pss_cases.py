"""Wrap one pod spec into every workload shape the PSS tests must cover.

A case is written once as a PodSpec (plus optional pod annotations) and checked as a
Pod, inside a Deployment and inside a CronJob, so each rule is proven to find the field
at the right line at every nesting depth.
"""
from __future__ import annotations

import textwrap


def _indent(block: str, spaces: int) -> str:
    return textwrap.indent(textwrap.dedent(block).strip("\n"), " " * spaces) + "\n"


def _metadata(annotations: str | None, spaces: int) -> str:
    if not annotations:
        return ""
    return " " * spaces + "metadata:\n" + " " * (spaces + 2) + "annotations:\n" + \
        _indent(annotations, spaces + 4)


def as_pod(spec: str, annotations: str | None = None) -> str:
    meta = _indent(annotations, 4) if annotations else ""
    return ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: demo\n  namespace: team\n"
            + ("  annotations:\n" + meta if annotations else "")
            + "spec:\n" + _indent(spec, 2))


def as_deployment(spec: str, annotations: str | None = None) -> str:
    return ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: demo\n  namespace: team\n"
            "spec:\n  replicas: 1\n  template:\n" + _metadata(annotations, 4)
            + "    spec:\n" + _indent(spec, 6))


def as_cronjob(spec: str, annotations: str | None = None) -> str:
    return ("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: demo\n  namespace: team\n"
            "spec:\n  schedule: '0 * * * *'\n  jobTemplate:\n    spec:\n      template:\n"
            + _metadata(annotations, 8) + "        spec:\n" + _indent(spec, 10))


WRAPPERS = {"Pod": as_pod, "Deployment": as_deployment, "CronJob": as_cronjob}
