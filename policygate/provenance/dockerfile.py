"""Images in a Dockerfile: the base image of every stage and `COPY --from=<image>`.

What BuildKit pulls, with BuildKit's rules:
- only global `ARG`s (declared before the first `FROM`) can be used in `FROM`; their
  defaults are substituted (`${BASE:-python:3.12}` too); the platform ARGs BuildKit
  sets itself and ARGs without a default are unknown, and a base image that depends
  on one cannot be judged (skipped);
- `FROM scratch` is the empty image, and naming an earlier stage (case-insensitive) is
  not a pull; `COPY --from=` a stage name or a stage number neither;
- a `FROM` without an image is an invalid reference.
"""
from __future__ import annotations

import json
from typing import Any

from policygate.model import Document
from policygate.provenance.reference import InvalidReference
from policygate.provenance.sites import ImageSite, image_site
from policygate.provenance.variables import expand

SCRATCH = "scratch"
# ARGs BuildKit defines for every build; their values depend on the builder.
_AUTOMATIC_ARGS = frozenset({
    "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT", "TARGETPLATFORM", "TARGETOS",
    "TARGETARCH", "TARGETVARIANT", "TARGETSTAGE", "BUILDKIT_SBOM_SCAN_STAGE",
})


class _Args:
    """Global ARGs: name -> default, None when declared without one."""

    def __init__(self) -> None:
        self.values: dict[str, str | None] = {}

    def lookup(self, name: str) -> str | None:
        if name in self.values:
            return self.values[name]
        # Undeclared: BuildKit substitutes an empty string (platform ARGs are unknown).
        return None if name in _AUTOMATIC_ARGS else ""

    def declare(self, words: list[str]) -> None:
        for word in words:
            name, equals, default = word.partition("=")
            self.values[name] = self.expand(default) if equals else None

    def expand(self, text: str) -> str | None:
        return expand(text, self.lookup, escape="\\", quotes=True)


def _stage_name(values: list[Any]) -> str | None:
    if len(values) >= 3 and str(values[1]).lower() == "as":
        return str(values[2]).lower()
    return None


def dockerfile_image_sites(document: Document) -> list[ImageSite]:
    instructions = document.data if isinstance(document.data, list) else []
    args = _Args()
    stages: list[str | None] = []
    sites: list[ImageSite] = []
    for index, instruction in enumerate(instructions):
        command, values = instruction.get("Cmd"), instruction.get("Value") or []
        if command == "arg" and not stages:
            args.declare([str(value) for value in values])
        elif command == "from":
            stage = len(stages)
            name = _stage_name(values)
            where = f"FROM in stage {json.dumps(name) if name else stage}"
            if not values:
                sites.append(ImageSite(document.file, "", InvalidReference(
                    "", "FROM names no image"), (index,), where))
            else:
                site = _pulled(document, str(values[0]), (index, "Value", 0), where, args,
                               stages, numbered=False)
                if site is not None:
                    sites.append(site)
            stages.append(name)
        elif command == "copy":
            for number, flag in enumerate(instruction.get("Flags") or []):
                if str(flag).startswith("--from="):
                    source = str(flag)[len("--from="):]
                    where = f"COPY --from in stage {_describe(stages)}"
                    site = _pulled(document, source, (index, "Flags", number), where, args,
                                   stages, numbered=True)
                    if site is not None:
                        sites.append(site)
    return sites


def _describe(stages: list[str | None]) -> str:
    current = stages[-1] if stages else None
    return json.dumps(current) if current else str(max(len(stages) - 1, 0))


def _pulled(document: Document, written: str, path: tuple[Any, ...], where: str,
            args: _Args, stages: list[str | None], numbered: bool) -> ImageSite | None:
    """The site of an image that will be pulled, or None for stages, scratch, unknowns.

    `numbered`: the value may also name a stage by number (`COPY --from=0`).
    """
    text = args.expand(written)
    if text is None or text == SCRATCH or text.lower() in stages \
            or (numbered and text.isdigit()):
        return None
    return image_site(document.file, text, path, where, written_as=written)
