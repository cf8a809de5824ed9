"""Container image references: the grammar, Docker Hub normalisation, and precise errors.

One parser for every rule and every source kind, following the reference grammar of
distribution/reference (what `docker pull`, containerd and the kubelet accept):

    reference := name [":" tag] ["@" digest]
    name      := [domain "/"] path-component ["/" path-component]*
    domain    := host [":" port]        (host: DNS name, IPv4, or [IPv6])

The first name component is a registry only when it looks like a host — it contains a
"." or ":", is exactly `localhost`, or has upper-case letters (Docker Hub namespaces
cannot) — otherwise the image is on Docker Hub: `nginx` is `docker.io/library/nginx`,
`user/app` is `docker.io/user/app`. Digests are validated like go-digest does: a known
algorithm and the exact number of lower-case hex digits.

A reference that does not parse is not an exception but an `InvalidReference` value
with a reason a person can act on, so callers must handle it and can never crash on
user input.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_REGISTRY = "docker.io"
LEGACY_REGISTRY = "index.docker.io"
OFFICIAL_PREFIX = "library/"
NAME_MAX_LENGTH = 255

# Digest algorithms the container runtimes accept, with their hex lengths.
DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}

_TAG = re.compile(r"\w[\w.-]{0,127}\Z", re.ASCII)
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*\Z")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])"
                     r"(?::[0-9]+)?\Z")
_ALGORITHM = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*\Z")
_IMAGE_ID = re.compile(r"[a-f0-9]{64}\Z")
_WHITESPACE = re.compile(r"\s")


@dataclass(frozen=True, slots=True)
class ImageReference:
    """A valid, normalised reference; `tag` and `digest` are None when not written."""

    registry: str          # docker.io, ghcr.io, localhost:5000, [::1]:5000
    repository: str        # library/nginx, acme/api
    tag: str | None
    digest: str | None     # "sha256:<hex>"

    @property
    def name(self) -> str:
        """`registry/repository`: what allow-lists match."""
        return f"{self.registry}/{self.repository}"

    @property
    def match_name(self) -> str:
        """`name` with the registry host lower-cased (hosts are case-insensitive)."""
        return f"{self.registry.lower()}/{self.repository}"

    @property
    def familiar_name(self) -> str:
        """The short form Docker prints: `nginx`, `user/app`, `ghcr.io/acme/api`."""
        if self.registry != DEFAULT_REGISTRY:
            return self.name
        repository = self.repository
        if repository.startswith(OFFICIAL_PREFIX) and repository.count("/") == 1:
            return repository[len(OFFICIAL_PREFIX):]
        return repository

    @property
    def pinned(self) -> bool:
        return self.digest is not None

    def normalized(self) -> str:
        """Fully qualified, with `:latest` made explicit when neither tag nor digest is given."""
        tag = self.tag if self.tag is not None or self.digest is not None else "latest"
        return self.name + (f":{tag}" if tag is not None else "") + \
            (f"@{self.digest}" if self.digest else "")

    def familiar(self) -> str:
        """The familiar name with the tag and digest as written."""
        return self.familiar_name + (f":{self.tag}" if self.tag is not None else "") + \
            (f"@{self.digest}" if self.digest else "")


@dataclass(frozen=True, slots=True)
class InvalidReference:
    """Why `text` is not a reference; `part` says which part is wrong (name, tag, digest)."""

    text: str
    reason: str
    part: str = "name"


ParsedImage = ImageReference | InvalidReference


def _written_registry(name: str) -> tuple[str | None, str]:
    """(registry as written or None for Docker Hub, path as written)."""
    first, slash, rest = name.partition("/")
    if slash and (first == "localhost" or any(c in first for c in ".:")
                  or first.lower() != first):
        return first, rest
    return None, name


def split_registry(name: str) -> tuple[str, str]:
    """Split a name into (registry, repository) exactly as Docker does (see module doc)."""
    registry, repository = _written_registry(name)
    if registry is None or registry == LEGACY_REGISTRY:
        registry = DEFAULT_REGISTRY
    if registry == DEFAULT_REGISTRY and "/" not in repository:
        repository = OFFICIAL_PREFIX + repository
    return registry, repository


def _digest_problem(digest: str) -> str | None:
    algorithm, colon, encoded = digest.partition(":")
    if not colon or not _ALGORITHM.match(algorithm) or not encoded:
        return f"digest {digest!r} is malformed: write it as sha256:<64 hex digits>"
    expected = DIGEST_HEX_LENGTHS.get(algorithm)
    if expected is None:
        return (f"digest algorithm {algorithm!r} is not supported: use "
                f"{', '.join(DIGEST_HEX_LENGTHS)}")
    if not all(c in "0123456789abcdefABCDEF" for c in encoded):
        return f"digest {digest!r} has characters that are not hex digits"
    if encoded.lower() != encoded:
        return f"digest hex digits must be lower-case: write {algorithm}:{encoded.lower()}"
    if len(encoded) != expected:
        return (f"digest has {len(encoded)} hex digits, {algorithm} needs {expected}: copy the "
                f"whole digest")
    return None


def _name_problem(name: str, suffix: str) -> str | None:
    """What is wrong with the name part; `suffix` (tag and digest) completes suggestions."""
    if not name:
        return "there is no repository name"
    if _IMAGE_ID.match(name):
        return "64 hex digits are an image ID, not a reference: name the repository"
    if len(name) > NAME_MAX_LENGTH:
        return f"the name is longer than {NAME_MAX_LENGTH} characters"
    registry, path = _written_registry(name)
    if registry is not None and not _DOMAIN.match(registry):
        return f"registry {registry!r} is not a valid host[:port]"
    if path.lower() != path:
        # `MailHog/MailHog` parses as registry host "MailHog" only because of the case.
        host_like = registry is not None and (
            registry == "localhost" or any(c in registry for c in ".:"))
        fixed = f"{registry}/{path.lower()}" if host_like else name.lower()
        return f"repository names must be lower-case: write {fixed + suffix!r}"
    for component in path.split("/"):
        if not component:
            return f"empty path component in {name!r} (doubled or trailing '/')"
        if not _PATH_COMPONENT.match(component):
            return (f"invalid path component {component!r}: use lower-case letters and digits "
                    f"separated by '.', '_', '__' or '-'")
    return None


def _parse(text: str) -> ParsedImage:
    if not text:
        return InvalidReference(text, "the reference is empty")
    if _WHITESPACE.search(text):
        return InvalidReference(text, "the reference contains whitespace")
    remainder, at, digest = text.partition("@")
    if at:
        if "@" in digest:
            return InvalidReference(text, "the reference has more than one '@'", "digest")
        problem = _digest_problem(digest)
        if problem is not None:
            return InvalidReference(text, problem, "digest")
    name, tag = remainder, None
    colon = remainder.rfind(":")
    if colon > remainder.rfind("/"):
        name, tag = remainder[:colon], remainder[colon + 1:]
        if not tag:
            return InvalidReference(text, "the tag after ':' is empty", "tag")
        if not _TAG.match(tag):
            return InvalidReference(
                text, f"tag {tag!r} is invalid: up to 128 letters, digits, '_', '.' and '-', "
                      f"not starting with '.' or '-'", "tag")
    problem = _name_problem(name, text[len(name):])
    if problem is not None:
        return InvalidReference(text, problem)
    registry, repository = split_registry(name)
    return ImageReference(registry, repository, tag, digest if at else None)


@lru_cache(maxsize=4096)
def parse_image(text: str) -> ParsedImage:
    """Parse one reference; the same few images repeat across a repository, hence the cache."""
    return _parse(text)
