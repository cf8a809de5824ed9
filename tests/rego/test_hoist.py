"""Hoisting iterated references out of built-in calls (policygate.rego.hoist): the text it
writes, where it must not touch anything, and — evaluated by real regopy — the answers
OPA gives, where regopy alone refuses the policy or silently answers nothing."""
from __future__ import annotations

import pytest

from policygate.rego.edits import apply_edits
from policygate.rego.hoist import hoist_edits
from policygate.rego.outline import outline


def hoisted(body: str) -> str:
    text = f"package t\n\nallow if {{\n{body}\n}}\n"
    result = apply_edits(text, hoist_edits(outline(text))).text
    return result[len("package t\n\nallow if {\n"):-len("\n}\n")]


@pytest.mark.parametrize(("body", "expected"), [
    ("  startswith(image, input.repos[_])",
     "  __pg_h1 := input.repos[_]\n  startswith(image, __pg_h1)"),
    ("  startswith(image, input.repos[i].prefix)",
     "  __pg_h1 := input.repos[i].prefix\n  startswith(image, __pg_h1)"),
    ('  msg := sprintf("%v and %v", [a, input.x[_]])',
     '  __pg_h1 := input.x[_]\n  msg := sprintf("%v and %v", [a, __pg_h1])'),
    ("  regex.match(input.p[_], input.s[k])",
     "  __pg_h1 := input.p[_]\n  __pg_h2 := input.s[k]\n  regex.match(__pg_h1, __pg_h2)"),
    ("  f(x); startswith(y, z[_])",
     "  f(x); __pg_h1 := z[_]; startswith(y, __pg_h1)"),
])
def test_iterated_call_arguments_are_bound_first(body, expected):
    assert hoisted(body) == expected


@pytest.mark.parametrize("body", [
    "  not startswith(image, input.repos[_])",           # "no element": hoisting would change it
    "  count([r | r := input.repos[_]; startswith(r, x[_])]) > 0",   # comprehension body
    "  startswith(image, input.repos[_]) with input as {}",
    "  some r in input.repos",
    "  every r in input.repos { startswith(r, x[_]) }",
    "  input.repos[_] == image",                         # not a call
    '  startswith(image, input.repos[0])',               # a constant index
    '  startswith(image, input.repos["a"])',
    "  startswith(image, lib.prefixes(x)[_])",           # the ref is a call's result
])
def test_where_the_meaning_would_change_nothing_is_touched(body):
    assert hoisted(body) == body


def test_positions_after_hoisting_point_at_the_source():
    text = "package t\n\nallow if {\n  startswith(image, input.repos[_])\n  nosuch(1)\n}\n"
    edited = apply_edits(text, hoist_edits(outline(text)))
    offset = edited.text.index("nosuch")
    assert text[edited.original_offset(offset):].startswith("nosuch(1)")


def _evaluate(policy: str, value: dict) -> object:
    from regopy import rego_shared as api

    from policygate.rego.embedded import decode_output, make_input, quiet_interpreter

    interpreter = quiet_interpreter()
    interpreter.add_module("t.rego", policy)
    bundle = interpreter.build(None, ["t/result"])
    if not bundle.ok():
        return "does not compile"
    runner = quiet_interpreter()
    pointer = make_input(api, value)
    api.rego.regoSetInput(runner._impl, pointer)
    api.rego_free_input(pointer)
    output = api.rego_bundle_query_entrypoint(runner._impl, bundle._impl, "t/result")
    try:
        return decode_output(api, output)[1]
    finally:
        api.rego_free_output(output)


@pytest.mark.parametrize(("rule", "as_opa"), [
    ('result contains "allowed" if {\n  startswith(input.image, input.repos[_])\n}', ["allowed"]),
    ('result contains "allowed" if {\n  startswith(input.image, input.repos[i])\n}', ["allowed"]),
    ('result contains m if {\n  m := sprintf("%v!", [input.repos[_]])\n}',
     ["docker.io/!", "registry.example.com/!"]),
])
def test_regopy_answers_like_opa_once_hoisted(rule, as_opa):
    import multiprocessing

    policy = f"package t\n\n{rule}\n"
    value = {"image": "registry.example.com/app:1", "repos": ["docker.io/", "registry.example.com/"]}
    rewritten = apply_edits(policy, hoist_edits(outline(policy))).text
    # regopy in a child process: its failures on the original text must not take pytest down.
    with multiprocessing.get_context("fork").Pool(1) as pool:
        before, after = pool.starmap(_evaluate, [(policy, value), (rewritten, value)])
    assert sorted(after) == as_opa
    assert before != as_opa            # what regopy does without the rewrite
