"""Normalise the URLs Argo CD and Flux pull from, so one allow-list entry covers every
spelling of the same repository.

`https://github.com/acme/apps.git`, `git@github.com:acme/apps`, `ssh://git@github.com/acme/apps`
and `https://user:token@GitHub.com/acme/apps/` are all `github.com/acme/apps`: scheme,
credentials, default ports, trailing `/` and `.git` are dropped and the result is
lower-cased (Git hosts treat owner and repository names case-insensitively). OCI and
Helm repository URLs normalise the same way (`oci://ghcr.io/acme/charts`).
"""
from __future__ import annotations

import re

_SCHEME = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://(?P<rest>.*)\Z", re.DOTALL)
# scp-like Git syntax: [user@]host:path, where the path does not start with "//".
_SCP = re.compile(r"(?:[^@/:]+@)?(?P<host>[^@/:]+):(?!//)(?P<path>.*)\Z", re.DOTALL)
_PORT_AND_PATH = re.compile(r"[0-9]+(?:/|\Z)")
_DEFAULT_PORTS = {"https": "443", "http": "80", "ssh": "22", "git+ssh": "22", "git": "9418",
                  "oci": "443"}


def normalise_source_url(url: str) -> str:
    text = url.strip()
    match = _SCHEME.match(text)
    if match is not None:
        scheme = match.group("scheme").lower()
        authority, _, path = re.split(r"[?#]", match.group("rest"), maxsplit=1)[0].partition("/")
        host = authority.rpartition("@")[2]
        name, colon, port = host.rpartition(":")
        if colon and _DEFAULT_PORTS.get(scheme) == port:
            host = name
    else:
        scp = _SCP.match(text)
        if scp is not None and not _PORT_AND_PATH.match(scp.group("path")):
            host, path = scp.group("host"), scp.group("path")
        else:  # host[:port]/path without a scheme (Argo CD's OCI Helm repositories)
            host, _, path = text.partition("/")
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[:-4].rstrip("/")
    return (f"{host}/{path}" if path else host).lower()
