"""Every endpoint of the fake GitHub, registered by importing the modules that define them.

fixture.py routes requests with `match`; `ENDPOINTS` lists the names faults can target.
"""
from __future__ import annotations

from tests.github import fake_checks, fake_pulls, fake_repos  # noqa: F401  (registration)
from tests.github.fake_api import DOCS, ROUTES, ApiError, Call, Response, Route, match

ENDPOINTS = sorted({route.endpoint for route in ROUTES})

__all__ = ["DOCS", "ENDPOINTS", "ROUTES", "ApiError", "Call", "Response", "Route", "match"]
