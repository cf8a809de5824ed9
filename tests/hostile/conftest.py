from tests.github.conftest import client  # noqa: F401 — fixtures shared with tests/github
from tests.github.pr_world import world  # noqa: F401
