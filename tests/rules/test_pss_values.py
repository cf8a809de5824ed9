"""How the PSS rules read and show values: numbers as the API server decodes them, and any
YAML value (dates, non-ASCII text, self-referencing aliases) quoted on one line."""
from __future__ import annotations

import datetime

from policygate.rules.pss._common import as_int, show


def test_integers_as_the_api_server_reads_them():
    assert [as_int(v) for v in (0, 8080, 80.0, "443", True, False, 80.5, "80a", None)] == [
        0, 8080, 80, 443, None, None, None, None, None]


def test_values_show_as_one_quoted_line():
    assert show("café\nbar") == '"café\\nbar"'
    assert show(datetime.date(2020, 1, 2)) == '"2020-01-02"'
    assert show({"a": [1, None]}) == '{"a": [1, null]}'
    looped: list = []
    looped.append(looped)
    assert show(looped) == "[[...]]"
