"""hw7core.props: seeded, reproducible property runs; mutation checks; the answer key's Check."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from hw7.props import as_check
from hw7.props import property_check as key_check
from hw7core.props import holds, mutation_check, property_check


def _recorder(seen):
    def prop(x):
        seen.append(x)
    return prop


def test_same_seed_same_cases_other_seed_other_cases():
    a, b, c = [], [], []
    property_check(_recorder(a), st.integers(0, 10**9), max_examples=20, seed=3)
    property_check(_recorder(b), st.integers(0, 10**9), max_examples=20, seed=3)
    property_check(_recorder(c), st.integers(0, 10**9), max_examples=20, seed=4)
    assert a == b and a != c


def test_a_true_property_passes_and_its_mutant_is_refuted():
    def even_square(n):
        assert (2 * n) ** 2 % 4 == 0

    def odd_square(n):          # the mutant: claims every square of an even number is odd
        assert (2 * n) ** 2 % 2 == 1

    ok = property_check(even_square, st.integers(), max_examples=25)
    assert ok.passed and ok.ok and ok.examples == 25
    mut = mutation_check(odd_square, st.integers(), max_examples=25)
    assert mut.refuted and mut.ok and mut.counterexample == 0


def test_a_mutation_that_survives_is_a_failed_check():
    res = mutation_check(lambda n: None, st.integers(), max_examples=5)
    assert not res.ok
    assert as_check("mutation survives", res).passed is False


def test_errors_other_than_assertion_propagate():
    def broken(n):
        raise ZeroDivisionError("a bug, not a refutation")

    with pytest.raises(ZeroDivisionError):
        property_check(broken, st.integers(), max_examples=5)


def test_key_check_records_examples_and_counterexample():
    good = key_check("true", lambda n: None, st.integers(), max_examples=7)
    assert good.kind == "property" and good.passed and good.measured == {"examples": 7,
                                                                          "failures": 0}
    bad = key_check("false", lambda n: (_ for _ in ()).throw(AssertionError("no")),
                    st.integers(), max_examples=7)
    assert not bad.passed and bad.measured["counterexample"] == 0
    mut = key_check("mutant", lambda n: (_ for _ in ()).throw(AssertionError("no")),
                    st.integers(), max_examples=7, expect_failure=True)
    assert mut.passed and mut.measured["refuted"] is True


def test_holds():
    def positive(x):
        assert x > 0
    assert holds(positive, 1) and not holds(positive, 0)
