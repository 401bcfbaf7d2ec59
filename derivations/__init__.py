"""Derivations (SymPy): one module per homework result; each returns SymPy objects."""
