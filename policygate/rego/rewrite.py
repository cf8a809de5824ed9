"""Prepare module text for an engine: per-document context and run-unique packages.

Two rewrites, both on tokens and both position-preserving (see edits.py):

- context: `data.policygate` must differ per document, but data is compiled once per
  run (changing it recompiles the program) and the OPA REST API takes only an input. So
  when a policy set reads `data.policygate`, the engine's input becomes
  `{"document": <doc>, "context": <ctx>}` and the modules read `input.document` where
  they wrote `input` and `input.context` where they wrote `data.policygate`.
- prefix (OPA upload): packages and `data.<root>` references move under
  `data.policygate_runs.<run id>`, so concurrent runs on one server never merge rules.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from policygate.rego.edits import Edit, EditedText, apply_edits
from policygate.rego.lexer import IDENT, NEWLINE, STRING, Token
from policygate.rego.policyset import CONTEXT_ROOT, Module

DOCUMENT_KEY, CONTEXT_KEY = "document", "context"


@dataclass(frozen=True, slots=True)
class Prepared:
    module: Module
    edited: EditedText

    @property
    def name(self) -> str:
        return self.module.path

    @property
    def text(self) -> str:
        return self.edited.text

    def position(self, offset: int) -> tuple[int, int]:
        """Where an engine's character offset in `text` is in the file as written."""
        return self.module.position(self.edited.original_offset(offset))


def prepare(modules: Sequence[Module], context: bool, prefix: str = "",
            roots: frozenset[str] = frozenset()) -> list[Prepared]:
    prepared = []
    for module in modules:
        tokens = module.outline.tokens
        edits: list[Edit] = []
        if context:
            edits.extend(_context_edits(tokens))
        if prefix:
            edits.extend(_prefix_edits(tokens, prefix, roots))
        prepared.append(Prepared(module, apply_edits(module.text, edits)))
    return prepared


def _root(tokens: list[Token], index: int, word: str) -> bool:
    return tokens[index].is_word(word) and (index == 0 or not tokens[index - 1].is_op("."))


def _in_import(tokens: list[Token], index: int) -> bool:
    return index > 0 and tokens[index - 1].is_word("import")


def _bare(tokens: list[Token], index: int) -> bool:
    return index + 1 >= len(tokens) or tokens[index + 1].kind == NEWLINE


def _context_edits(tokens: list[Token]) -> list[Edit]:
    edits: list[Edit] = []
    for index, token in enumerate(tokens):
        if _root(tokens, index, "input"):
            if not (_in_import(tokens, index) and _bare(tokens, index)):
                edits.append(Edit(token.end, token.end, f".{DOCUMENT_KEY}"))
        elif _root(tokens, index, "data") and index + 2 < len(tokens):
            end = _context_ref_end(tokens, index)
            if end is None:
                continue
            replacement = f"input.{CONTEXT_KEY}"
            if _in_import(tokens, index) and _bare(tokens, end):
                replacement += f" as {CONTEXT_ROOT}"
            edits.append(Edit(token.start, tokens[end].end, replacement))
    return edits


def _context_ref_end(tokens: list[Token], index: int) -> int | None:
    """Index of the last token of `data.policygate` / `data["policygate"]`, else None."""
    following = tokens[index + 1]
    if following.is_op(".") and tokens[index + 2].is_word(CONTEXT_ROOT):
        return index + 2
    if (following.is_op("[") and index + 3 < len(tokens)
            and tokens[index + 2].text == f'"{CONTEXT_ROOT}"' and tokens[index + 3].is_op("]")):
        return index + 3
    return None


def _prefix_edits(tokens: list[Token], prefix: str, roots: frozenset[str]) -> list[Edit]:
    edits: list[Edit] = []
    for index, token in enumerate(tokens):
        if token.is_word("package") and index + 1 < len(tokens) \
                and (index == 0 or tokens[index - 1].kind == NEWLINE):
            edits.append(Edit(tokens[index + 1].start, tokens[index + 1].start, f"{prefix}."))
        elif _root(tokens, index, "data") and index + 2 < len(tokens):
            following, name = tokens[index + 1], tokens[index + 2]
            if following.is_op(".") and name.kind == IDENT and name.text in roots:
                edits.append(Edit(name.start, name.start, f"{prefix}."))
            elif following.is_op("[") and name.kind == STRING and name.text[1:-1] in roots:
                edits.append(Edit(following.start, following.start, f".{prefix}"))
    return edits
