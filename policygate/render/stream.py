"""Rendered streams with `# Source:` comments: `helm template` output, live or piped.

Helm writes `# Source: <chart>/templates/<file>` before each object. The comment is
how a finding on a rendered object finds its template: the chart directory is known
for a chart the gate rendered itself, and looked up in the repository (by the chart's
name) for a stream read from standard input.
"""
from __future__ import annotations

import posixpath
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from policygate.locate import locate
from policygate.model import Document, FieldPath
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import Limits
from policygate.render.attribute import Place
from policygate.render.judge import STREAM
from policygate.render.request import Render, RenderRequest
from policygate.render.templates import TemplatePlacer, ValuesSource, skeleton
from policygate.render.tree import Tree

if TYPE_CHECKING:
    from policygate.render.session import RenderSession
    from policygate.sources.streams import Stream

_PREFIX = "# Source: "


def source_comments(text: str) -> tuple[list[int], list[str]]:
    """(1-based lines, sources) of every `# Source:` comment, in order."""
    lines: list[int] = []
    sources: list[str] = []
    position = text.find(_PREFIX)
    while position != -1:
        if position == 0 or text[position - 1] == "\n":
            end = text.find("\n", position)
            lines.append(text.count("\n", 0, position) + 1)
            sources.append(text[position + len(_PREFIX):end if end != -1 else None].strip())
        position = text.find(_PREFIX, position + 1)
    return lines, sources


@dataclass(slots=True)
class StreamContext:
    document: Document
    source: str | None            # as written in the comment
    file: str | None              # the template in the repository, when found
    occurrence: int = 0           # how many objects this template produced before


@dataclass
class SourcePlaces:
    """Placer for objects with `# Source:` comments.

    `resolve` turns a comment's source into a repository file (None: not found); `read`
    gives a repository file's bytes; `values` gives a template's values sources, highest
    precedence first.
    """

    display: str                   # where objects without a template are reported
    resolve: Callable[[str], str | None]
    read: Callable[[str], bytes | None]
    values: Callable[[str], list[ValuesSource]]
    _lines: list[int] = field(default_factory=list)
    _sources: list[str] = field(default_factory=list)
    _seen: Counter[str] = field(default_factory=Counter)
    _templates: dict[str, TemplatePlacer | None] = field(default_factory=dict)

    def bind(self, text: str) -> None:
        self._lines, self._sources = source_comments(text)

    def prepare(self, document: Document) -> StreamContext:
        index = bisect_right(self._lines, document.start_line) - 1
        source = self._sources[index] if index >= 0 else None
        file = self.resolve(source) if source else None
        occurrence = 0
        if source is not None:
            occurrence = self._seen[source]
            self._seen[source] += 1
        return StreamContext(document, source, file, occurrence)

    def file_of(self, context: StreamContext | None) -> str:
        return context.file if context is not None and context.file else self.display

    def _template(self, file: str) -> TemplatePlacer | None:
        if file not in self._templates:
            raw = self.read(file)
            self._templates[file] = None if raw is None else TemplatePlacer(
                file, skeleton(raw.decode("utf-8", "replace")), self.values(file))
        return self._templates[file]

    def place(self, context: StreamContext, path: FieldPath, rendered: dict[str, Any]
              ) -> Place:
        template = self._template(context.file) if context.file else None
        if template is None:  # no template to point at: the stream's own line
            return Place(self.display, locate(context.document, path))
        return template.place(path, rendered, context.occurrence)


def values_source(file: str, raw: bytes | None, prefix: FieldPath = ()) -> ValuesSource | None:
    if raw is None:
        return None
    documents = parse_bytes(raw, file, Limits()).documents
    return ValuesSource(file, documents[0], prefix) if documents else None


def chart_file(chart: str, source: str) -> str:
    """`web/templates/x.yaml` of the chart in `chart` -> its repository path (subcharts:
    `web/charts/redis/templates/y.yaml` -> `<chart>/charts/redis/templates/y.yaml`)."""
    rest = source.split("/", 1)[1] if "/" in source else source
    return posixpath.join(chart, rest) if chart else rest


def _charts_by_name(tree: Tree) -> dict[str, str]:
    """Chart name (from Chart.yaml) -> chart directory, for the charts in the tree."""
    from policygate.render.helm import chart_name

    files = tree.find_named(frozenset({"Chart.yaml"}))
    contents = tree.read_many(files)
    charts: dict[str, str] = {}
    for file in files:
        name = chart_name(contents[file])
        if name is not None:
            charts.setdefault(name, posixpath.dirname(file))
    return charts


def add_stream(session: RenderSession, stream: Stream, tree: Tree) -> Render:
    """A rendered stream read from standard input (or a pipe): judged like a render,
    each object placed in its template when the chart is in this repository (found by
    the chart name the `# Source:` comments start with)."""
    charts: dict[str, str] = {}

    def resolve(source: str) -> str | None:
        if not charts:
            charts.update(_charts_by_name(tree))
        directory = charts.get(source.split("/", 1)[0])
        path = chart_file(directory, source) if directory is not None else None
        return path if path is not None and tree.exists(path) else None

    def read(path: str) -> bytes | None:
        return tree.read_many([path])[path]

    def values(template: str) -> list[ValuesSource]:
        chart = template.split("/templates/", 1)[0] if "/templates/" in template else ""
        own = posixpath.join(chart, "values.yaml")
        found = values_source(own, read(own))
        return [found] if found is not None else []

    placer = SourcePlaces(stream.display, resolve, read, values)
    render = Render(RenderRequest(STREAM, stream.display), STREAM, "", stream.display,
                    output=stream.content)
    return session.add(render, placer, None)
