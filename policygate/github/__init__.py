"""Talking to GitHub through PyGithub: the client (api), PR facts (facts), reporters.

Nothing here imports PyGithub at module import time: `policygate check` on the pre-commit
path never talks to GitHub and must not pay for loading it.
"""
