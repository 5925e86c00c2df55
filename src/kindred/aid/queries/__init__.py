"""Aid reads that are more than one filter, one module per subject."""
