"""image/ rules: every container image reference, from every kind of file, judged alike."""
