"""Q6(a)'s property and mutant: the Monte Carlo signal gain through a plain or residual
linear chain agrees with the derived gain within Z_MAX standard errors.

>>> from derivations import degradation as D
>>> gain = formulas(D.derive())
>>> mean, se, z = gain_z(gain, 4, 0.8, False, trials=200, seed=0)
>>> abs(z) <= Z_MAX
True
"""

from __future__ import annotations

import sympy as sp
from hypothesis import strategies as st

from derivations import degradation as D
from numerics import degradation as num
from numerics.montecarlo import Z_MAX, zscore

__all__ = ["Z_MAX", "formulas", "gain_z", "gain_agrees", "cases", "plain_for_residual"]


def formulas(der):
    """gain(L, s, residual): the derived E‖h_L‖²/‖h_0‖², plain or residual."""
    plain = sp.lambdify((D.L, D.s), der.plain_gain)
    res = sp.lambdify((D.L, D.s), der.residual_gain)
    return lambda L, s, residual: float(res(L, s) if residual else plain(L, s))


def gain_z(gain, depth: int, s: float, residual: bool, *, n: int = 64, trials: int = 200,
           seed: int = 0, device=None):
    """(Monte Carlo mean, its SE, z against gain(depth, s, residual))."""
    m, se = num.chain_gain(depth, s, n=n, trials=trials, residual=residual, seed=seed,
                           device=device)
    return m, se, zscore(m, se, gain(depth, s, residual))


def gain_agrees(gain, *, n: int = 32, trials: int = 400, device=None):
    """The property over cases (depth, s, residual, seed)."""
    def prop(case):
        depth, s, residual, seed = case
        m, se, z = gain_z(gain, depth, s, residual, n=n, trials=trials, seed=seed, device=device)
        assert abs(z) <= Z_MAX, f"z = {z:.2f} at {case}"
    return prop


def cases():
    return st.tuples(st.integers(1, 6), st.floats(0.3, 1.3), st.booleans(), st.integers(0, 1000))


def plain_for_residual(gain):
    """Mutant: the plain chain's gain s^{2L} claimed for the residual chain too."""
    return lambda L, s, residual: gain(L, s, False)
