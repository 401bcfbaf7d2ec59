"""Q1(a)'s properties and mutants.

* masking noise: Monte Carlo mean and variance of the masked value within Z_MAX standard
  errors of the derived (1 − p)x and p(1 − p)x²; mutant: the variance p·x²;
* Eckart–Young: a linear autoencoder trained to convergence reaches (1/m)Σ_{i>k} λ_i
  (relative EY_RTOL); mutant: the off-by-one reference Σ_{i>k+1}.

>>> from derivations import autoencoders as D
>>> mean_fn, var_fn = mask_formulas(D.derive())
>>> mask_moments_agree(mean_fn, var_fn)((0.3, 0.5, 0))      # (p, x, seed): passes silently
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from derivations import autoencoders as D
from numerics import autoencoders as num
from numerics.montecarlo import Z_MAX, zscore

__all__ = ["Z_MAX", "MASK_N", "EY_RTOL", "mask_formulas", "mask_cases", "mask_moments_agree",
           "wrong_mask_variance", "lowdim_cases", "lowdim_data", "linear_ae_reaches_eckart_young"]

MASK_N = 20_000      # Monte Carlo samples per generated masking case
EY_RTOL = 1e-6       # L-BFGS in float64 to convergence; the optimum itself is exact


def mask_formulas(der):
    """(mean_fn, var_fn) of (x, p): the derived moments of masking noise."""
    nz = der.noise
    return (sp.lambdify((D.x, D.p), nz.mask_mean), sp.lambdify((D.x, D.p), nz.mask_var))


def mask_cases():
    """(p, x, seed): p ∈ [0.05, 0.95], x ∈ [0.1, 1] (3 decimals)."""
    return st.tuples(st.floats(0.05, 0.95).map(lambda v: round(v, 3)),
                     st.floats(0.1, 1.0).map(lambda v: round(v, 3)), st.integers(0, 2**31 - 1))


def mask_moments_agree(mean_fn, var_fn, n: int = MASK_N, device=None):
    def prop(case):
        p, x, seed = case
        m, mse, v, vse = num.mask_noise_moments(x, p, n, seed=seed, device=device)
        assert abs(zscore(m, mse, mean_fn(x, p))) <= Z_MAX, "mean"
        assert abs(zscore(v, vse, var_fn(x, p))) <= Z_MAX, "variance"
    return prop


def wrong_mask_variance(x, p):
    """Mutant: p·x², the (1 − p) factor forgotten."""
    return p * x * x


def lowdim_cases():
    """(m, k, n, seed) with 3 ≤ m ≤ 8, 1 ≤ k < m, m + 2 ≤ n ≤ 60."""
    return st.tuples(st.integers(3, 8), st.integers(0, 2**31 - 1)).flatmap(
        lambda t: st.tuples(st.just(t[0]), st.integers(1, t[0] - 1), st.integers(t[0] + 2, 60),
                            st.just(t[1])))


def lowdim_data(m: int, n: int, seed: int) -> np.ndarray:
    """n×m data with well-separated covariance eigenvalues, randomly rotated (seeded)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, m)) @ np.diag(np.linspace(1.0, 3.0, m))
    q, _ = np.linalg.qr(rng.normal(size=(m, m)))
    return x @ q


def linear_ae_reaches_eckart_young(offset: int = 0, device=None):
    """The property (offset 0) or its off-by-one mutant (offset 1)."""
    def prop(case):
        m, k, n, seed = case
        x = lowdim_data(m, n, seed)
        err, _ = num.fit_linear_autoencoder(x, k, seed=seed % 1000, device=device)
        ref = num.discarded_eigen_sum(x, k + offset) if k + offset < m else 0.0
        assert abs(err - ref) <= EY_RTOL * max(ref, 1e-12) + 1e-12, (err, ref)
    return prop
