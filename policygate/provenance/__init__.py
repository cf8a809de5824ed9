"""Provenance: where the code that ends up running comes from, and whether it is pinned.

Container images (in workloads, Dockerfiles, compose files, workflows), GitHub Actions
and the Git/Helm/OCI sources that Argo CD and Flux deploy from are all "references" to
code somebody else controls. This package turns each kind of file into typed *sites*
(a reference plus the field path where it is written) so the `image/`, `action/` and
`gitops/` rules judge every source kind with one parser and one set of policies.
"""
