"""The checks, one module per family, each a set of small functions named for an expectation."""
