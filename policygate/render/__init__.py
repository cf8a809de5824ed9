"""Render Kustomize overlays and Helm charts before judging them (see DESIGN.md)."""
