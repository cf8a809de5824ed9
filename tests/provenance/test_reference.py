"""The image-reference parser: a table of tricky references, then the same table through
the real CLI, where each invalid one is an `image/invalid-reference` at its line."""
from __future__ import annotations

import json

import pytest

from policygate.provenance.reference import ImageReference, InvalidReference, parse_image
from tests.provenance.helpers import DIGEST as D64
from tests.provenance.helpers import assert_findings, check

D512 = "sha512:" + "0123456789abcdef" * 8

# (reference, normalised form) — Docker's own normalisation (docker.io/library/...).
VALID = [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.27", "docker.io/library/nginx:1.27"),
    ("user/app", "docker.io/user/app:latest"),
    ("user/app:v2", "docker.io/user/app:v2"),
    ("docker.io/nginx", "docker.io/library/nginx:latest"),
    ("index.docker.io/library/nginx:1.27", "docker.io/library/nginx:1.27"),
    ("docker.io/library/nginx:1.27", "docker.io/library/nginx:1.27"),
    ("localhost/app", "localhost/app:latest"),
    ("localhost:5000/team/app:1.0", "localhost:5000/team/app:1.0"),
    # Without a path, `localhost:5000` is the Docker Hub image "localhost", tag 5000.
    ("localhost:5000", "docker.io/library/localhost:5000"),
    ("registry.example.com:443/team/sub/app:2.0", "registry.example.com:443/team/sub/app:2.0"),
    ("127.0.0.1:5000/app", "127.0.0.1:5000/app:latest"),
    ("[::1]:5000/app:1", "[::1]:5000/app:1"),
    ("ghcr.io/acme/api@" + D64, "ghcr.io/acme/api@" + D64),
    ("ghcr.io/acme/api:1.2.3@" + D64, "ghcr.io/acme/api:1.2.3@" + D64),
    ("nginx@" + D64, "docker.io/library/nginx@" + D64),
    ("nginx@" + D512, "docker.io/library/nginx@" + D512),
    ("a__b/c--d/e.f_g:x_y.z-1", "docker.io/a__b/c--d/e.f_g:x_y.z-1"),
    ("quay.io/prometheus/node-exporter:v1.8.2", "quay.io/prometheus/node-exporter:v1.8.2"),
    ("my-registry.local/app", "my-registry.local/app:latest"),
    # An upper-case first component can only be a registry host (Docker Hub namespaces
    # are lower-case), so this is host "MyRegistry", like Docker reads it.
    ("MyRegistry/app", "MyRegistry/app:latest"),
    ("nginx:1.27.3-Alpine3.20_x", "docker.io/library/nginx:1.27.3-Alpine3.20_x"),
    ("ubuntu:" + "t" * 128, "docker.io/library/ubuntu:" + "t" * 128),
]

# (reference, the part that is wrong, words of the reason)
INVALID = [
    ("", "name", "empty"),
    ("Nginx:1.27", "name", "write 'nginx:1.27'"),
    ("ghcr.io/Acme/api", "name", "write 'ghcr.io/acme/api'"),
    ("MailHog/MailHog:v1", "name", "write 'mailhog/mailhog:v1'"),
    ("nginx:", "tag", "empty"),
    ("nginx:-x", "tag", "tag '-x' is invalid"),
    ("nginx:" + "t" * 129, "tag", "up to 128"),
    ("nginx@sha256:abc", "digest", "3 hex digits, sha256 needs 64"),
    ("nginx@sha256:" + "ABCDEF0123456789" * 4, "digest", "lower-case"),
    ("nginx@md5:" + "0" * 32, "digest", "'md5' is not supported"),
    ("nginx@sha256", "digest", "malformed"),
    ("nginx@sha256:" + "0" * 63 + "g", "digest", "not hex digits"),
    ("nginx@" + D64 + "@" + D64, "digest", "more than one '@'"),
    ("0123456789abcdef" * 4, "name", "image ID"),
    ("registry.example.com:port/app", "name", "not a valid host[:port]"),
    ("-registry.example.com/app", "name", "not a valid host[:port]"),
    ("app//sub", "name", "empty path component"),
    ("app/", "name", "empty path component"),
    ("app..x", "name", "invalid path component 'app..x'"),
    ("app___x", "name", "invalid path component"),
    ("nginx :1.27", "name", "whitespace"),
    (":1.27", "name", "no repository name"),
    ("@" + D64, "name", "no repository name"),
    ("a/" + "b" * 254, "name", "longer than 255"),
]


@pytest.mark.parametrize("text, normalised", VALID)
def test_valid_references_normalise_like_docker(text, normalised):
    reference = parse_image(text)
    assert isinstance(reference, ImageReference), reference
    assert reference.normalized() == normalised


def test_parts_of_a_reference():
    reference = parse_image("localhost:5000/team/app:1.0@" + D64)
    assert (reference.registry, reference.repository, reference.tag, reference.digest) == \
        ("localhost:5000", "team/app", "1.0", D64)
    assert parse_image("docker.io/library/nginx:1.27").familiar() == "nginx:1.27"
    assert parse_image("docker.io/user/app").familiar_name == "user/app"
    assert parse_image("Registry.Example.com/app").match_name == "registry.example.com/app"


@pytest.mark.parametrize("text, part, reason", INVALID)
def test_invalid_references_say_what_is_wrong(text, part, reason):
    result = parse_image(text)
    assert isinstance(result, InvalidReference), result
    assert (result.text, result.part) == (text, part)
    assert reason in result.reason


def _pod(images: list[tuple[str, bool]]) -> str:
    containers = "".join(
        f"    - name: c{index}\n      image: {json.dumps(image)}"
        + ("  # <- image/invalid-reference\n" if invalid else "\n")
        for index, (image, invalid) in enumerate(images))
    return ("apiVersion: v1\nkind: Pod\nmetadata: {name: table, namespace: team}\nspec:\n"
            "  containers:\n" + containers)


def test_the_table_through_the_cli(write):
    """Each invalid reference is one error at its own line; valid ones are silent."""
    images = [(text, False) for text, _ in VALID] + [(text, True) for text, _, _ in INVALID]
    files = {"table.yaml": _pod(images)}
    findings = assert_findings(check(write, files, "image/invalid-reference"), files, "error")
    assert findings[0]["message"] == (f'container "c{len(VALID)}" image "" is not a valid '
                                      f'image reference: the reference is empty')


def test_a_value_that_is_not_a_string_is_invalid(write):
    files = {"p.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                       "    - name: a\n      image: 1.27  # <- image/invalid-reference\n"
                       "    - name: b\n      image: {name: nginx}  # <- image/invalid-reference\n"
                       "    - name: c\n      image: nginx:1.27\n"}
    findings = assert_findings(check(write, files, "image"), files, "error")
    assert [f["message"] for f in findings] == [
        'container "a" image "1.27" is not a valid image reference: the image must be a '
        'string, not a number',
        'container "b" image "{\\"name\\": \\"nginx\\"}" is not a valid image reference: the '
        'image must be a string, not a mapping']
