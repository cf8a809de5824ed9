"""Hostile input never crashes provenance checking: it becomes a finding or is skipped."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from policygate.parsers import parse_bytes
from policygate.parsers.yaml import Limits
from policygate.provenance.dockerfile import dockerfile_image_sites
from policygate.provenance.reference import ImageReference, InvalidReference, parse_image
from policygate.provenance.source_url import normalise_source_url
from policygate.provenance.variables import expand

# Characters that matter to the grammars involved, plus anything else.
_ALPHABET = st.sampled_from(list("aZ09:/@.-_$`{}[]\"'\\ \t\n#=*<>~^") + ["sha256:", "FROM ",
                                                                       "ARG ", "<<EOF"])
_TEXT = st.one_of(st.text(), st.lists(_ALPHABET, max_size=40).map("".join))


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_any_text_parses_to_a_reference_or_a_reason(text):
    result = parse_image(text)
    assert isinstance(result, (ImageReference, InvalidReference))
    if isinstance(result, ImageReference):
        # normalising is idempotent: the normal form reads back as the same reference
        again = parse_image(result.normalized())
        assert isinstance(again, ImageReference)
        assert again.normalized() == result.normalized()


@settings(max_examples=150, deadline=None)
@given(_TEXT)
def test_any_dockerfile_parses_and_yields_sites(text):
    parsed = parse_bytes(text.encode("utf-8", "surrogatepass"), "Dockerfile", Limits())
    for document in parsed.documents:
        for site in dockerfile_image_sites(document):
            assert isinstance(site.image, (ImageReference, InvalidReference))


@settings(max_examples=150, deadline=None)
@given(_TEXT)
def test_substitution_and_url_normalisation_never_raise(text):
    expand(text, lambda name: "x" if name == "A" else None, escape="\\", quotes=True)
    expand(text, lambda name: None)
    assert isinstance(normalise_source_url(text), str)
