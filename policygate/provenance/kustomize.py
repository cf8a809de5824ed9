"""Kustomize `images:` overrides: the reference a build will write into the manifests.

An override names an image (`name`) and replaces parts of it: `newName` the repository,
`newTag` the tag, `digest` the digest. The site is the reference those fields make
together, with each part pointing at its own field. An override with only `newName`
keeps the tag of the base manifest, so only its registry can be judged here.
"""
from __future__ import annotations

import json
from typing import Any

from policygate.model import Document, FieldPath
from policygate.provenance.reference import InvalidReference, ParsedImage, parse_image
from policygate.provenance.sites import ImageSite, scalar_text


def _field(document: Document, entry: dict[str, Any], base: FieldPath,
           key: str) -> tuple[str | None, FieldPath | None]:
    if key not in entry or entry[key] is None:
        return None, None
    return scalar_text(document, base + (key,), entry[key]) or "", base + (key,)


def kustomize_image_sites(document: Document, data: dict[str, Any]) -> list[ImageSite]:
    images = data.get("images")
    if not isinstance(images, list):
        return []
    sites = []
    for index, entry in enumerate(images):
        if not isinstance(entry, dict):
            continue
        base: FieldPath = ("images", index)
        name_field = "newName" if entry.get("newName") is not None else "name"
        name, name_path = _field(document, entry, base, name_field)
        if name is None or name_path is None:
            continue
        tag, tag_path = _field(document, entry, base, "newTag")
        digest, digest_path = _field(document, entry, base, "digest")
        text = name + (f":{tag}" if tag is not None else "") + \
            (f"@{digest}" if digest is not None else "")
        where = f"images[{index}] override of {json.dumps(entry.get('name'), default=str)}"
        image = _parse_parts(text, name_field, name)
        sites.append(ImageSite(document.file, text, image, name_path, where, tag_path=tag_path,
                               digest_path=digest_path,
                               tag_known=tag is not None or digest is not None))
    return sites


def _parse_parts(text: str, name_field: str, name: str) -> ParsedImage:
    """Parse the combined reference, blaming the field that is wrong.

    A `:` or `@` inside the name would shift the grammar's split points, so the name is
    first parsed alone.
    """
    alone = parse_image(name)
    if isinstance(alone, InvalidReference):
        return InvalidReference(text, alone.reason, "name")
    if alone.tag is not None or alone.digest is not None:
        return InvalidReference(text, f"{name_field} must be a repository without a tag or "
                                      f"digest: use newTag and digest", "name")
    return parse_image(text)
