"""Dockerfiles: the parser (instructions, positions, BuildKit syntax) and the image rules
on every FROM and `COPY --from=<image>`."""
from __future__ import annotations

import pytest

from policygate.parsers import handles, parse_bytes
from policygate.parsers.formats import is_dockerfile
from policygate.parsers.yaml import Limits
from tests.conftest import assert_clean
from tests.provenance.helpers import DIGEST, assert_findings, check


@pytest.mark.parametrize("name, expected", [
    ("Dockerfile", True), ("Containerfile", True), ("api.Dockerfile", True),
    ("Dockerfile.prod", True), ("Containerfile.arm64", True), ("dockerfile", True),
    ("Dockerfile.dockerignore", False), ("Dockerfile.j2", False), ("Dockerfile.yaml", False),
    ("Dockerfile-old", False), ("README.md", False),
])
def test_which_files_are_dockerfiles(name, expected):
    assert is_dockerfile(name) is expected
    assert handles(name) is (expected or name.endswith(".yaml"))


def _parse(text: str):
    parsed = parse_bytes(text.encode(), "Dockerfile", Limits())
    assert parsed.findings == []
    return parsed.documents[0]


def test_instructions_positions_and_buildkit_syntax():
    document = _parse(
        "# syntax=docker/dockerfile:1\n"        # 1  parser directive
        "# escape=`\n"                          # 2  parser directive
        "ARG BASE=alpine:3.20\n"                # 3
        "from --platform=$BUILDPLATFORM `\n"    # 4  lower-case keyword, continuation
        "  # a comment inside the continuation\n"  # 5
        "\n"                                    # 6  empty continuation line
        "  $BASE AS build\n"                    # 7
        "RUN <<EOF\n"                           # 8  heredoc: its body is not instructions
        "FROM evil\n"                           # 9
        "EOF\n"                                 # 10
        'CMD ["/app", "--port=80"]\n')          # 11 exec form
    assert document.kind == "dockerfile"
    assert [(i["Cmd"], i["Flags"], i["Value"], i["Stage"], i["JSON"]) for i in document.data] == [
        ("arg", [], ["BASE=alpine:3.20"], 0, False),
        ("from", ["--platform=$BUILDPLATFORM"], ["$BASE", "AS", "build"], 0, False),
        ("run", [], ["<<EOF"], 0, False),
        ("cmd", [], ["/app", "--port=80"], 0, True),
    ]
    positions = document.positions
    assert (positions[(1,)].line, positions[(1,)].end_line) == (4, 7)
    assert (positions[(1, "Flags", 0)].line, positions[(1, "Flags", 0)].column) == (4, 6)
    assert (positions[(1, "Value", 0)].line, positions[(1, "Value", 0)].column) == (7, 3)
    assert (positions[(1, "Value", 2)].line, positions[(1, "Value", 2)].column) == (7, 12)
    assert positions[(3,)].line == 11
    assert document.start_line == 3


def test_an_empty_dockerfile_has_no_document():
    assert parse_bytes(b"# only a comment\n\n", "Dockerfile", Limits()).documents == []


BUILD = f"""ARG GO_VERSION=1.23.4
ARG RUNTIME=gcr.io/distroless/static-debian12
ARG BUILDER
# v image/not-pinned @golang
FROM --platform=$BUILDPLATFORM golang:${{GO_VERSION}} AS Build
RUN go build -o /out/app .
FROM build AS test
FROM ${{BUILDER}} AS unknown
# v image/latest-tag,image/not-pinned @$
FROM ${{RUNTIME}}
COPY --from=BUILD /out/app /app
COPY --from=0 /out/app /app2
# v image/not-pinned @--from
COPY --from=busybox:1.36 /bin/busybox /busybox
COPY --from=busybox:1.36@{DIGEST} /bin/busybox /busybox2
FROM scratch
# v image/invalid-reference @Alpine
FROM Alpine:3.20 AS broken
"""


def test_every_pulled_image_is_judged_with_arg_defaults(write):
    files = {"Dockerfile": BUILD}
    findings = assert_findings(check(write, files, "image"), files)
    by_line = {(f["rule"], f["line"]): f["message"] for f in findings}
    assert by_line[("image/not-pinned", 5)] == (
        'FROM in stage "build" image golang:1.23.4 (written golang:${GO_VERSION}) is not '
        'pinned to a digest, so what runs can change without a commit: pin it as '
        "golang:1.23.4@sha256:<digest> where the variable's default is set — get the digest "
        'with `docker buildx imagetools inspect golang:1.23.4`')
    assert by_line[("image/not-pinned", 14)].startswith(
        'COPY --from in stage 3 image busybox:1.36 is not pinned to a digest')


def test_pinned_stages_scratch_and_unknown_build_args_pass(write):
    files = {"build/api.Dockerfile": f"""ARG BASE
FROM --platform=linux/amd64 golang:1.23.4@{DIGEST} AS build
FROM build
FROM $BASE
FROM ${{BASE:-alpine:3.20@{DIGEST}}}
COPY --from=build /a /a
FROM scratch
COPY --from=gcr.io/distroless/base@{DIGEST} /x /x
"""}
    assert_clean(check(write, files, "image"))


def test_configured_pinning_paths_replace_the_default(write):
    files = {"Dockerfile": "# v image/latest-tag @alpine\nFROM alpine\n"}
    assert_findings(check(write, files, "image", config="images:\n  pinning:\n"
                                                        "    paths: [clusters/prod/**]\n"),
                    files, "warning")


def test_untrusted_base_images(write):
    files = {"Containerfile": f"""ARG MIRROR=registry.example.com/mirror
FROM ${{MIRROR}}/golang:1.23.4@{DIGEST} AS build
# v image/untrusted-registry @golang
FROM golang:1.23.4@{DIGEST} AS direct
"""}
    assert_findings(check(write, files, "image/untrusted-registry",
                          config="images:\n  allowed: [registry.example.com/mirror]\n"),
                    files, "error")


def test_trusted_base_images_pass(write):
    files = {"Containerfile": f"FROM registry.example.com/mirror/golang:1.23.4@{DIGEST}\n"}
    assert_clean(check(write, files, "image",
                       config="images:\n  allowed: [registry.example.com/mirror]\n"))


def test_suppression_comment_in_a_dockerfile(write):
    files = {"Dockerfile": f"FROM alpine:3.20@{DIGEST} AS base\n"
                           "# policygate: ignore[image/latest-tag] the vendor publishes no tags\n"
                           "# v image/not-pinned @vendor\n"
                           "FROM vendor/tool\n"}
    run = check(write, files, "image")
    assert_findings(run, files, "warning")
    assert [(f["rule"], f["line"], f["suppression"]["reason"]) for f in run.json()["suppressed"]] \
        == [("image/latest-tag", 4, "the vendor publishes no tags")]
