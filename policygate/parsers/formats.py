"""Which files the gate reads, by name — cheap to import, so walking a directory does not
load every parser."""
from __future__ import annotations

YAML_SUFFIXES = (".yaml", ".yml", ".json")

_NAMES = ("Dockerfile", "dockerfile", "Containerfile", "containerfile")
_SUFFIXES = (".Dockerfile", ".dockerfile", ".Containerfile", ".containerfile")
_PREFIXES = ("Dockerfile.", "dockerfile.", "Containerfile.", "containerfile.")
# `Dockerfile.dockerignore` is an ignore file; templates and YAML are not Dockerfiles.
_NOT_DOCKERFILES = (".dockerignore", ".yaml", ".yml", ".json", ".j2", ".jinja", ".jinja2",
                    ".tpl", ".tmpl", ".template", ".erb", ".mustache", ".md", ".txt")


def is_dockerfile(name: str) -> bool:
    if name in _NAMES:
        return True
    if name.endswith(_NOT_DOCKERFILES):
        return False
    return name.endswith(_SUFFIXES) or name.startswith(_PREFIXES)
