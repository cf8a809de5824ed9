"""Hidden markers that let a re-run find what earlier runs posted.

A marker is an HTML comment (invisible when GitHub renders the Markdown) on the FIRST
line of a body we wrote, and it is only read there, from a comment whose author is our
own account. Untrusted text cannot forge one: it never starts a body, and everything
untrusted goes through reporters.markdown, which turns `<` into `&lt;`, so a message
that contains `<!-- policygate:finding … -->` is shown as text, not read as a marker.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_FINDING = re.compile(r"<!-- policygate:finding (?P<name>[\w.-]+) (?P<fp>[0-9a-f]{32})"
                      r"(?P<resolved> resolved)? -->(?:\n|\Z)")
_REVIEW = re.compile(r"<!-- policygate:review (?P<name>[\w.-]+) (?P<digest>[0-9a-f]{16}) -->"
                     r"(?:\n|\Z)")
_STICKY = re.compile(r"<!-- policygate:summary (?P<name>[\w.-]+) -->(?:\n|\Z)")


@dataclass(frozen=True)
class FindingMarker:
    fingerprint: str
    resolved: bool


def finding_marker(name: str, fingerprint: str, *, resolved: bool = False) -> str:
    """Names the check too: two gates on one repository never clean up each other's."""
    return f"<!-- policygate:finding {slug(name)} {fingerprint}{' resolved' * resolved} -->"


def read_finding_marker(body: str | None, name: str) -> FindingMarker | None:
    found = _FINDING.match(body or "")
    if found is None or found["name"] != slug(name):
        return None
    return FindingMarker(found["fp"], bool(found["resolved"]))


def slug(name: str) -> str:
    """A check name as a marker word (names are config, but keep markers well-formed)."""
    return re.sub(r"[^\w.-]", "-", name) or "policygate"


def review_marker(name: str, digest: str) -> str:
    return f"<!-- policygate:review {slug(name)} {digest} -->"


def read_review_marker(body: str | None, name: str) -> str | None:
    """The digest of one of our reviews for check `name`, or None."""
    found = _REVIEW.match(body or "")
    return found["digest"] if found and found["name"] == slug(name) else None


def sticky_marker(name: str) -> str:
    return f"<!-- policygate:summary {slug(name)} -->"


def is_sticky(body: str | None, name: str) -> bool:
    found = _STICKY.match(body or "")
    return bool(found and found["name"] == slug(name))
