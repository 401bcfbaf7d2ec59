"""Exact evaluation in the checker's counterexample search (hw7.checker.search), issue 12.

Batch throughput rested on three faults, each of a whole kind:
* a huge non-perfect-power base under a fractional power (d = 10^1920 + 1 under d^(1/64))
  made SymPy factor the base, with primality tests on 2000-digit cofactors, both when the
  power was built and again whenever an assumption (is_integer, is_rational) was asked;
* Max/Min/Abs rebuilt by xreplace at such points compared their numeric arguments with
  SymPy's assumptions before the search could resolve them with certified signs;
* ``sign_of`` asked ``is_zero`` (minimal polynomials of algebraic numbers) before a
  certified evalf that settles every nonzero value.
The values must stay exact and the signs certified: these tests check the values against
mpmath at high precision and the signs against exact rational comparisons.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from hw7.checker import search
from hw7.checker.entry import parse_reference
from hw7.checker.read_errors import ParseError

d = sp.Symbol("d", positive=True)


def _no_factoring(monkeypatch):
    """Make SymPy's factoring of a huge number (over 40 digits) an error: the search must
    never need it (factoring small numbers is cheap and allowed)."""
    from sympy.ntheory import factor_

    def guard(real):
        def f(n, *a, **k):
            r = sp.Rational(n)
            if max(abs(r.p), r.q) > 10**40:
                raise AssertionError(f"the search factored a {len(str(r.p))}-digit number")
            return real(n, *a, **k)
        return f

    monkeypatch.setattr(factor_, "factorrat", guard(factor_.factorrat))
    monkeypatch.setattr(factor_, "factorint", guard(factor_.factorint))


def _mp(x, dps=80):
    with mpmath.workdps(dps):
        return mpmath.mpf(int(x.p)) / int(x.q)


big_rationals = st.builds(
    lambda k, r, q: sp.Rational(sp.Integer(10) ** k + r, q),
    st.integers(41, 400), st.integers(1, 10**6), st.integers(1, 10**3))
exponents = st.builds(sp.Rational, st.integers(-7, 7).filter(bool), st.integers(2, 64)).filter(
    lambda e: not e.is_Integer)


@settings(max_examples=40, deadline=None)
@given(big_rationals, exponents)
def test_property_a_huge_root_has_the_exact_value_and_true_assumptions(base, exp):
    out = search._rational_root(base, exp)
    assert out is not None
    with mpmath.workdps(80):
        want = _mp(base) ** (mpmath.mpf(exp.p) / exp.q)
        got = out.evalf(60)
        assert abs(mpmath.mpf(str(got)) - want) <= abs(want) * mpmath.mpf(10) ** -50
    # a q-th root of a rational is rational only when numerator and denominator are q-th
    # powers: the answer must agree with integer_nthroot, whatever form it took
    rational = (sp.integer_nthroot(base.p, exp.q)[1] and sp.integer_nthroot(base.q, exp.q)[1])
    assert out.is_rational is bool(rational)
    assert out.is_positive is True and out.is_real is True
    assert out.is_integer is (True if out.is_Integer else False if not rational else out.is_integer)


@settings(max_examples=20, deadline=None)
@given(st.integers(41, 300), st.integers(2, 12), st.integers(1, 9))
def test_property_a_perfect_power_gives_the_exact_rational(k, q, p):
    root = sp.Integer(10) ** k + 7
    exp = sp.Rational(p, q)
    if exp.is_Integer:
        return
    base = root ** exp.q
    assert search._rational_root(base, exp) == root ** exp.p


def test_small_bases_are_left_to_sympy():
    assert search._rational_root(sp.Integer(8), sp.Rational(1, 3)) is None
    assert search._rational_root(-sp.Integer(10) ** 50, sp.Rational(1, 2)) is None
    assert search._rational_root(sp.Integer(10) ** 50, sp.Integer(2)) is None


def test_a_piece_past_a_huge_boundary_is_evaluated_without_factoring(monkeypatch):
    _no_factoring(monkeypatch)
    expr = sp.sqrt(d) + sp.Max(0, d ** sp.Rational(1, 64) - sp.Integer(10) ** 30)
    x = sp.Integer(10) ** 1920 + 1          # past the boundary, not a perfect power
    v = search.exact_at(expr, {d: x})
    assert v is not None
    root = search.exact_at(sp.sqrt(d), {d: x})
    diff = v - root                          # = x^(1/64) - 10^30 > 0, tiny next to sqrt(x)
    assert search.sign_of(diff) == 1
    y = sp.Integer(10) ** 1919              # before it: the Max is 0
    assert search.sign_of(search.exact_at(expr, {d: y}) - search.exact_at(sp.sqrt(d), {d: y})) == 0


def test_the_judge_refutes_the_huge_boundary_answer_without_factoring(monkeypatch):
    from hw7.checker import judge as ac

    _no_factoring(monkeypatch)
    v = ac.judge(ac.reference_entry("q3c"), "sqrt(d) + max(0, d^(1/64) - 10^30)")
    assert v.status == "refuted"


@settings(max_examples=60, deadline=None)
@given(st.fractions(min_value=0, max_value=10**6), st.fractions(min_value=0, max_value=10**6))
def test_property_sign_of_a_difference_of_roots_is_the_sign_of_the_difference(a, b):
    a, b = sp.Rational(a.numerator, a.denominator), sp.Rational(b.numerator, b.denominator)
    s = search.sign_of(sp.sqrt(a) - sp.sqrt(b))
    assert s == (1 if a > b else -1 if a < b else 0)


@pytest.mark.parametrize("zero", [
    sp.sqrt(3 + 2 * sp.sqrt(2)) - 1 - sp.sqrt(2),            # a nested radical that is 0
    sp.cbrt(2 + sp.sqrt(5)) + sp.cbrt(2 - sp.sqrt(5)) - 1,  # Cardano's classic, also 0
])
def test_an_exact_zero_is_never_given_a_sign(zero):
    assert search.sign_of(zero) in (0, None)


def test_a_tiny_nonzero_difference_keeps_its_sign():
    eps = sp.Rational(1, 10**400)
    assert search.sign_of(sp.sqrt(2) + eps - sp.sqrt(2)) == 1
    assert search.sign_of(sp.sqrt(3 + 2 * sp.sqrt(2)) - 1 - sp.sqrt(2) - eps) == -1


def test_reference_reads_are_memoised_and_failures_are_not():
    e = {"qid": "x", "check_kind": "expr", "expr": "sqrt(d)", "symbols": {"d": "dim"}, "data": {}}
    a = parse_reference(e, "sqrt(d)")
    assert parse_reference(dict(e), "sqrt(d)") is a
    assert str(a.value) == "sqrt(d)"
    for _ in range(2):  # a bad reference raises every time, never a cached value
        with pytest.raises(ParseError):
            parse_reference(e, "\\input{x}")
