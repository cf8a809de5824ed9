"""The source sites of the object being checked, extracted once for both gitops rules."""
from __future__ import annotations

from typing import TYPE_CHECKING

from policygate.model import Resource
from policygate.provenance.extract import LastDocument, source_sites

if TYPE_CHECKING:
    from policygate.provenance.sites import SourceSite

_SITES: LastDocument[list["SourceSite"]] = LastDocument()


def sites_of(resource: Resource) -> list[SourceSite]:
    return _SITES.get(resource.document, lambda: source_sites(resource))
