"""Render Kustomize overlays and Helm charts before judging them (README: "GitOps repositories")."""
