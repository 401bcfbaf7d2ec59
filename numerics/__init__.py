"""Numeric confirmations (numpy/torch): same module names as derivations/; torch routines take device=."""
