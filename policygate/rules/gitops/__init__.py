"""gitops/ rules: the repositories and revisions Argo CD and Flux deploy from."""
