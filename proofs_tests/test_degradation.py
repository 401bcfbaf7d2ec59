"""Q6(a): derived signal gains vs Monte Carlo, plus a mutation (wrong residual formula)."""

import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derivations import degradation as dm
from numerics import degradation as num

D = dm.derive()
PLAIN = sp.lambdify((dm.L, dm.s), D.plain_gain)
RES = sp.lambdify((dm.L, dm.s), D.residual_gain)
CASES = st.tuples(st.integers(1, 6), st.floats(0.3, 1.3), st.booleans(), st.integers(0, 1000))


def _agrees(formula, case):
    depth, s, res, seed = case
    m, se = num.chain_gain(depth, s, n=32, trials=400, residual=res, seed=seed)
    return abs(m - formula(depth, s, res)) <= 5 * se


@given(CASES)
def test_gain_matches_derivation(case):
    assert _agrees(lambda L, s, r: RES(L, s) if r else PLAIN(L, s), case)


def test_mutation_plain_formula_for_residual_fails():
    # a wrong claim (residual gain = s^{2L}) must be refuted on residual cases
    assert not _agrees(lambda L, s, r: PLAIN(L, s), (6, 0.5, True, 0))


def test_identity_path():
    assert D.residual_constant == 1 and D.residual_limit == sp.exp(dm.c)


def test_degradation_experiment(device):
    sh = num.train_error_curve(4, False, 300, device=device)[-1]
    pd = num.train_error_curve(30, False, 300, device=device)[-1]
    rd = num.train_error_curve(30, True, 300, device=device)[-1]
    assert pd > sh and rd <= sh
