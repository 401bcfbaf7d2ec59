"""Q6(a): derived signal gains vs Monte Carlo, plus a mutation (wrong residual formula)."""

import sympy as sp
from hypothesis import given

from derivations import degradation as dm
from hw7.properties import degradation as props
from hw7core.props import mutation_check
from numerics import degradation as num

D = dm.derive()
GAIN = props.formulas(D)


@given(props.cases())
def test_gain_matches_derivation(case):
    props.gain_agrees(GAIN)(case)


def test_mutation_plain_formula_for_residual_fails():
    # a wrong claim (residual gain = s^{2L}) must be refuted by the same property
    assert mutation_check(props.gain_agrees(props.plain_for_residual(GAIN)), props.cases(),
                          max_examples=20).ok


def test_identity_path():
    assert D.residual_constant == 1 and D.residual_limit == sp.exp(dm.c)


def test_degradation_experiment(device):
    sh = num.train_error_curve(4, False, 300, device=device)[-1]
    pd = num.train_error_curve(30, False, 300, device=device)[-1]
    rd = num.train_error_curve(30, True, 300, device=device)[-1]
    assert pd > sh and rd <= sh
