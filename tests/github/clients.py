"""policygate's client settings for tests: production retries and limits, no waiting."""
from __future__ import annotations

import dataclasses

from policygate.github.api import ClientSettings

# Tests count requests, not seconds: no back-off pauses, no throttling between requests.
FAST = ClientSettings(backoff=0.0, max_wait=5.0, seconds_between_requests=None,
                      seconds_between_writes=None)


def fast(**changes: object) -> ClientSettings:
    return dataclasses.replace(FAST, **changes)
