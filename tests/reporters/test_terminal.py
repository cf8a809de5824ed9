"""What the text report may do on a device, decided in-process (tests/test_output.py runs
the same decisions end to end through a real pseudo-terminal)."""
from __future__ import annotations

import io

import pytest

from policygate.reporters.terminal import Terminal, detect, use_color


@pytest.mark.parametrize(("option", "tty", "env", "expected"), [
    ("always", False, {"NO_COLOR": "1"}, True),      # the flag wins over everything
    ("never", True, {"FORCE_COLOR": "1"}, False),
    ("auto", True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
    ("auto", True, {"NO_COLOR": ""}, True),          # an empty NO_COLOR is not set
    ("auto", False, {"FORCE_COLOR": "1"}, True),     # even in a pipe
    ("auto", False, {"FORCE_COLOR": ""}, False),
    ("auto", True, {"TERM": "dumb"}, False),
    ("auto", True, {"FORCE_COLOR": "1", "TERM": "dumb"}, True),
    ("auto", True, {"TERM": "xterm-256color"}, True),
    ("auto", True, {}, True),
    ("auto", False, {}, False),
])
def test_colour_follows_the_flag_then_no_color_then_force_color_then_term_then_the_device(
        option, tty, env, expected):
    assert use_color(option, tty, env) is expected


class _Device(io.StringIO):
    def __init__(self, answer: bool | Exception) -> None:
        super().__init__()
        self.answer = answer

    def isatty(self) -> bool:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_a_terminal_gets_its_width_colour_and_the_callers_choices(monkeypatch):
    monkeypatch.setenv("COLUMNS", "77")
    assert detect(_Device(True), env={}) == Terminal(tty=True, color=True, width=77)
    assert detect(_Device(True), color="never", quiet=True, elapsed=0.5, env={}) == \
        Terminal(tty=True, color=False, width=77, quiet=True, elapsed=0.5)


@pytest.mark.parametrize("device", [_Device(False), _Device(ValueError("closed")), object()],
                         ids=["pipe", "closed", "no isatty"])
def test_anything_else_is_plain_unwrapped_and_quiet_only_on_request(device):
    assert detect(device, env={}) == Terminal()
    assert detect(device, color="always", quiet=True, env={}) == \
        Terminal(color=True, quiet=True)


def test_the_environment_is_the_processes_unless_given(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert detect(_Device(False)).color is True
    assert detect(_Device(False), env={}).color is False
