"""Property-based: random YAML and random image references never crash the parser, the
locator or the rules, and every reported line lies inside the file."""
from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policygate.locate import locate
from policygate.model import parse_path
from policygate.parsers.lines import line_count
from policygate.parsers.yaml import Limits, parse_yaml
from policygate.pipeline import check_bytes
from policygate.provenance.reference import ImageReference, InvalidReference, parse_image
from policygate.settings import RuleSet, Settings

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=20))
KEYS = st.sampled_from(["apiVersion", "kind", "metadata", "spec", "containers", "name",
                        "image", "securityContext", "privileged", "hostNetwork", "volumes",
                        "template", "ports", "hostPort", "x"])
VALUES = st.recursive(SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=5)), max_leaves=30)
WORKLOADS = st.fixed_dictionaries({
    "apiVersion": st.sampled_from(["v1", "apps/v1", "batch/v1"]),
    "kind": st.sampled_from(["Pod", "Deployment", "CronJob", "Job", "ConfigMap"]),
    "metadata": st.dictionaries(KEYS, VALUES, max_size=3),
    "spec": VALUES,
})
RULE_SET = RuleSet(Settings())


def _lines_in_file(text: str, findings) -> None:
    count = line_count(text)
    for finding in findings:
        if finding.location is not None:
            assert 1 <= finding.location.line <= count, (finding, count)
            assert finding.location.line <= finding.location.end_line <= count, (finding, count)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORKLOADS, min_size=1, max_size=3), st.sampled_from(["block", "flow"]))
def test_random_workloads_check_without_crashing(documents, style):
    text = yaml.safe_dump_all(documents, default_flow_style=(style == "flow"))
    result = check_bytes(text.encode(), "random.yaml", RULE_SET)
    assert result.failures == []
    _lines_in_file(text, result.findings)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:{}[]-#&*!|>'\"\n \t,?%@`\\01")), max_size=80))
def test_random_text_never_crashes_the_parser(text):
    parsed = parse_yaml(text, "noise.yaml", Limits())
    _lines_in_file(text, parsed.findings)
    for document in parsed.documents:
        location = locate(document, parse_path("spec.containers[0].image"))
        assert 1 <= location.line <= line_count(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=120))
def test_random_image_references_never_crash(text):
    """A reference or a typed InvalidReference naming the text and why, never an exception;
    a reference's normal form (`:latest` made explicit) reads back as the same reference."""
    result = parse_image(text)
    if isinstance(result, InvalidReference):
        assert (result.text, result.part in ("name", "tag", "digest")) == (text, True)
        assert result.reason.strip() != ""
    else:
        assert isinstance(result, ImageReference)
        again = parse_image(result.normalized())
        assert isinstance(again, ImageReference)
        assert (again.name, again.digest, again.normalized()) == (
            result.name, result.digest, result.normalized())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_random_images_in_a_pod_are_judged_without_crashing(image):
    text = yaml.safe_dump({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                           "spec": {"containers": [{"name": "a", "image": image}]}})
    result = check_bytes(text.encode(), "pod.yaml", RULE_SET)
    assert result.failures == []
    _lines_in_file(text, result.findings)
