"""One home per result for its properties and their mutants.

``hw7/properties/<result>.py`` holds what both the answer key (``hw7/questions/<result>.py``)
and the tests (``proofs_tests/test_<result>.py``) check: the property functions (a callable
``prop(case)`` raising ``AssertionError`` on a refuting case), the Hypothesis strategies
that generate the cases, the tolerances, and the *mutants* — deliberately wrong formulas
that the same property must refute. Run them with :mod:`hw7core.props`.

These modules import ``derivations/``, ``numerics/`` and ``hw7core/`` only (never the
question registry or the CLI), so a derivation script can use them too.
"""
