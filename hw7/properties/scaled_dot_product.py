"""Q3's properties and mutants: Monte Carlo moments of qᵀk agree with the derived formulas.

>>> from derivations import scaled_dot_product as D
>>> mean_fn, var_fn = formulas(D.derive())
>>> prop = moments_agree(mean_fn, var_fn)
>>> prop((4, 0.5, 1.0, 0))                       # (d, μ, σ, seed): passes silently
>>> from hw7core.props import mutation_check
>>> mutation_check(moments_agree(mean_fn, wrong_variance), standard_cases(), max_examples=5).ok
True
"""

from __future__ import annotations

import sympy as sp
from hypothesis import strategies as st

from derivations import scaled_dot_product as D
from numerics import scaled_dot_product as num

__all__ = ["N_SAMPLES", "formulas", "cases", "standard_cases", "moments_agree",
           "wrong_mean", "wrong_variance", "wrong_scale"]

N_SAMPLES = 20_000   # Monte Carlo samples per generated case


def formulas(der: D.ScaledDotProduct):
    """(mean_fn, var_fn): functions of (d, μ, σ) lambdified from the derived shared-mean moments."""
    args = (D.d, D.mu, D.sigma)
    return sp.lambdify(args, der.mean_shared, "math"), sp.lambdify(args, der.var_shared, "math")


def cases():
    """(d, μ, σ, seed): d ∈ [1, 48], μ ∈ [−2, 2], σ ∈ [0.25, 3] (3 decimals)."""
    return st.tuples(st.integers(1, 48),
                      st.floats(-2, 2, allow_nan=False).map(lambda x: round(x, 3)),
                      st.floats(0.25, 3, allow_nan=False).map(lambda x: round(x, 3)),
                      st.integers(0, 2**31 - 1))


def standard_cases():
    """(d, 0, 1, seed): Q3(b)'s μ = 0, σ = 1."""
    return st.tuples(st.integers(1, 64), st.just(0.0), st.just(1.0), st.integers(0, 2**31 - 1))


def moments_agree(mean_fn, var_fn, n: int = N_SAMPLES, backend: str = "numpy", device=None):
    """The property: Monte Carlo E and Var of qᵀk within Z_MAX SEs of mean_fn/var_fn(d, μ, σ)."""
    def prop(case):
        d, mu, sigma, seed = case
        num.assert_moments_match(mean_fn, var_fn, d, mu, sigma, n, seed, backend=backend,
                                 device=device)
    return prop


def wrong_mean(d, mu, sigma):
    """Mutant: E[qᵀk] = dμ (the square of the mean forgotten)."""
    return d * mu


def wrong_variance(d, mu, sigma):
    """Mutant: Var(qᵀk) = d² (variances added as if the terms were equal, not independent)."""
    return d**2


def wrong_scale(d):
    """Mutant of Q3(c): s = d instead of √d."""
    return d
