"""Images in docker-compose files: `services.<name>.image`.

A service that also has `build:` builds its image; `image:` then only names the
result, which cannot be pinned (its base images are checked in the Dockerfile).
`${VAR:-default}` is checked with its default; an image that depends on a variable
without a default cannot be judged and is skipped (see policygate.provenance.variables).
"""
from __future__ import annotations

import json

from policygate.model import Document
from policygate.provenance.sites import ImageSite, image_site
from policygate.provenance.variables import compose_lookup, expand


def compose_image_sites(document: Document) -> list[ImageSite]:
    services = document.data.get("services")
    if not isinstance(services, dict):
        return []
    sites = []
    for name, service in services.items():
        if not isinstance(service, dict) or "build" in service or "image" not in service:
            continue
        value = service["image"]
        written = value if isinstance(value, str) else None
        site = image_site(document.file,
                          expand(value, compose_lookup) if written is not None else value,
                          ("services", name, "image"), f"service {json.dumps(str(name))}",
                          written_as=written)
        if site is not None:  # None also when the image depends on an unknown variable
            sites.append(site)
    return sites
