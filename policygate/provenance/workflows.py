"""References in GitHub workflows: actions and reusable workflows (`uses:`), and images.

`jobs.<id>.uses` calls a reusable workflow and `jobs.<id>.steps[*].uses` an action;
`./path` is in this repository (nothing to pin) and `docker://image` is an image, not
an action. Images also run as the job container (`jobs.<id>.container`, a string or
`.image`) and as service containers (`jobs.<id>.services.<id>.image`). A value with a
`${{ }}` expression is only known when the workflow runs and is skipped.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from policygate.model import Document, FieldPath
from policygate.provenance.sites import ActionSite, ImageSite, image_site

DOCKER_PREFIX = "docker://"


def _jobs(document: Document) -> Iterator[tuple[str, dict[str, Any]]]:
    jobs = document.data.get("jobs")
    if isinstance(jobs, dict):
        for name, job in jobs.items():
            if isinstance(job, dict):
                yield str(name), job


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and "${{" in value


def _uses(document: Document) -> Iterator[tuple[str, FieldPath, str]]:
    """(value, path, where) of every `uses:` string."""
    for name, job in _jobs(document):
        job_where = f"job {json.dumps(name)}"
        if isinstance(job.get("uses"), str):
            yield job["uses"], ("jobs", name, "uses"), f"{job_where} (reusable workflow)"
        steps = job.get("steps")
        if isinstance(steps, list):
            for index, step in enumerate(steps):
                if isinstance(step, dict) and isinstance(step.get("uses"), str):
                    label = step.get("name") or step.get("id")
                    step_where = f"{job_where} step {index + 1}" + \
                        (f" ({json.dumps(str(label))})" if label else "")
                    yield step["uses"], ("jobs", name, "steps", index, "uses"), step_where


def action_sites(document: Document) -> list[ActionSite]:
    sites = []
    for value, path, where in _uses(document):
        text = value.strip()
        if text.startswith(("./", DOCKER_PREFIX)) or _is_expression(text):
            continue
        action, at, ref = text.partition("@")
        sites.append(ActionSite(document.file, text, action, ref if at else None, path, where))
    return sites


def workflow_image_sites(document: Document) -> list[ImageSite]:
    sites: list[ImageSite | None] = []
    for value, path, where in _uses(document):
        text = value.strip()
        if text.startswith(DOCKER_PREFIX) and not _is_expression(text):
            sites.append(image_site(document.file, text[len(DOCKER_PREFIX):], path, where))
    for name, job in _jobs(document):
        job_where = f"job {json.dumps(name)}"
        container = job.get("container")
        if isinstance(container, dict):
            sites.append(_site(document, container.get("image"),
                               ("jobs", name, "container", "image"), f"{job_where} container"))
        else:
            sites.append(_site(document, container, ("jobs", name, "container"),
                               f"{job_where} container"))
        services = job.get("services")
        if isinstance(services, dict):
            for service, spec in services.items():
                if isinstance(spec, dict):
                    sites.append(_site(document, spec.get("image"),
                                       ("jobs", name, "services", service, "image"),
                                       f"{job_where} service {json.dumps(str(service))}"))
    return [site for site in sites if site is not None]


def _site(document: Document, value: Any, path: FieldPath, where: str) -> ImageSite | None:
    if _is_expression(value) or value == "":  # an empty container means none
        return None
    return image_site(document.file, value, path, where)
