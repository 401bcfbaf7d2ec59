"""hw7-verify: derive (SymPy), confirm (numpy/torch) and property-test (Hypothesis)
the answers of EECS 182 Homework 7.

Layout: ``derivations/<result>.py`` derives, ``numerics/<result>.py`` confirms,
``hw7/questions/<result>.py`` glues both into answer-key entries, and
``proofs_tests/test_<result>.py`` property-tests them.
"""

__version__ = "0.1.0"
