"""The `client` fixture (policygate's GitLab client on the fake GitLab) and `world`."""
from __future__ import annotations

import pytest

from policygate.gitlab.api import GitLabClient, connect
from tests.gitlab.mr_world import FAST


@pytest.fixture
def client(fake_gitlab) -> GitLabClient:
    return connect(FAST, env=fake_gitlab.env())


from tests.gitlab.mr_world import world  # noqa: E402,F401 — the `world` fixture
