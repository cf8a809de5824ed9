"""Image rules on docker-compose files: `services.*.image`, with `${VAR:-default}`."""
from __future__ import annotations

from tests.conftest import assert_clean
from tests.provenance.helpers import DIGEST, assert_findings, check

COMPOSE = f"""services:
  api:
    build: .
    image: shop/api
  web:
    image: ${{REGISTRY:-docker.io}}/library/nginx:${{TAG:-1.27}}  # <- image/not-pinned
  cache:
    image: redis  # <- image/latest-tag,image/not-pinned
  proxy:
    image: traefik:latest  # <- image/latest-tag,image/not-pinned
  mail:
    image: MailHog/MailHog:v1.0.1  # <- image/invalid-reference
  queue:
    image: ${{QUEUE_IMAGE}}
  db:
    image: postgres:16.4@{DIGEST}
  escaped:
    image: "registry.example.com/$$literal"  # <- image/invalid-reference
"""

EVERYWHERE = "images:\n  pinning:\n    paths: ['**']\n"


def test_compose_services(write):
    files = {"docker-compose.yaml": COMPOSE}
    findings = assert_findings(check(write, files, "image", config=EVERYWHERE), files)
    messages = {(f["rule"], f["line"]): f["message"] for f in findings}
    assert messages[("image/not-pinned", 6)].startswith(
        'service "web" image docker.io/library/nginx:1.27 (written '
        '${REGISTRY:-docker.io}/library/nginx:${TAG:-1.27}) is not pinned to a digest')
    assert messages[("image/invalid-reference", 12)] == (
        'service "mail" image "MailHog/MailHog:v1.0.1" is not a valid image reference: '
        "repository names must be lower-case: write 'mailhog/mailhog:v1.0.1'")


def test_compose_defaults_need_no_digests_and_compliant_services_pass(write):
    files = {"compose.yml": f"""services:
  web:
    image: nginx:1.27
  db:
    image: ${{DB_IMAGE:-postgres:16.4@{DIGEST}}}
  built:
    build: {{context: .}}
    image: shop/built
"""}
    assert_clean(check(write, files, "image"))


def test_untrusted_compose_images(write):
    files = {"docker-compose.yml": f"""services:
  web:
    image: registry.example.com/shop/web:1.4.2@{DIGEST}
  tool:
    image: someone/tool:1.0@{DIGEST}  # <- image/untrusted-registry
"""}
    assert_findings(check(write, files, "image", config="images:\n  allowed: "
                                                        "[registry.example.com]\n"),
                    files, "error")
