"""Approval policies: who must approve which changes, judged from the trusted base."""
