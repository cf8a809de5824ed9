"""The `client` fixture: policygate's GitHub client connected to the fake GitHub."""
from __future__ import annotations

import pytest

from policygate.github.api import GitHubClient, connect
from tests.github.clients import FAST


@pytest.fixture
def client(fake_github) -> GitHubClient:
    return connect(FAST, env=fake_github.env())


from tests.github.pr_world import world  # noqa: E402,F401 — the `world` fixture
