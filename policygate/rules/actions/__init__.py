"""action/ rules: the third-party code GitHub workflows run (`uses:`)."""
