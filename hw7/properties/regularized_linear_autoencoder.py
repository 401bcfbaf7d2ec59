"""Q2's properties and mutants.

* Q2(a): with the derived ``weight_decay``, the SGD direction averaged over a partition into
  minibatches of B is parallel to ∇L_λ with c = 1/(mn) (float64); mutants: the per-batch
  scaling 2λ/(mB) and 2λ/n (MSELoss's 1/m forgotten);
* Q2(b): the closed form (singular values √max(0, 1 − λ/σ_i)) is stationary, including
  λ ≥ σ_i and λ = 0; mutant: singular values 1 − λ/σ_i (no square root).

>>> closed_form_is_stationary()((3, 1, 5, 0.5, 0))     # (m, k, n, λ/σ_k, seed): passes
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from numerics import linear_autoencoder as lnum
from numerics import regularized_linear_autoencoder as num

__all__ = ["MAP_TOL", "STATIONARY_RTOL", "data", "wd_cases", "derived_weight_decay",
           "weight_decay_map_holds", "per_batch_weight_decay", "weight_decay_without_m",
           "cf_cases", "closed_form_is_stationary", "closed_form_without_sqrt"]

MAP_TOL = 1e-10          # float64: the averaged direction is parallel to ∇L_λ to round-off
STATIONARY_RTOL = 1e-9   # max |∇L_λ| at the closed form, relative to σ1


def data(seed: int, m: int = 6, n: int = 60, top: float = 5.0) -> np.ndarray:
    """m×n zero-centred data, eigenvalues of XXᵀ drawn in n·[0.3, top] (seeded)."""
    rng = np.random.default_rng(seed)
    sig = np.sort(rng.uniform(0.3, top, m))[::-1] * n
    return num.as_data(lnum.make_data(m, n, sig, seed=seed))


def wd_cases():
    """(m, n_b, B, λ/σ1, seed); n = B·max(n_b, ⌈(m+1)/B⌉)."""
    return st.tuples(st.integers(3, 6), st.integers(2, 8), st.integers(1, 6),
                     st.floats(0.01, 2.0), st.integers(0, 10**6))


def derived_weight_decay(objective: str = "sum"):
    """wd(λ, m, n, B): the derived map for eq. (3) ("sum") or its 1/n variant ("1/n")."""
    return lambda lam, m, n, B: num.weight_decay(lam, m, n, objective=objective)


def per_batch_weight_decay(lam, m, n, B):
    """Mutant: 2λ/(mB), scaling the penalty per minibatch."""
    return 2 * lam / (m * B)


def weight_decay_without_m(lam, m, n, B):
    """Mutant: 2λ/n, forgetting MSELoss's 1/m."""
    return 2 * lam / n


def weight_decay_map_holds(wd_fn, mean: bool = False):
    """The Q2(a) property for ``wd_fn``; ``mean``: the 1/n objective (eq. (3) at nλ)."""
    def prop(case):
        m, n_b, B, ratio, seed = case
        n = B * max(n_b, -(-(m + 1) // B))      # a multiple of B with n ≥ m + 1
        X = data(seed, m=m, n=n)
        lam = ratio * float(np.linalg.eigvalsh(X @ X.T)[-1])
        r = np.random.default_rng(seed)
        W1, W2 = r.standard_normal((2, m)), r.standard_normal((m, 2))
        res, c = num.sgd_direction_parallel_residual(X, W1, W2, n * lam if mean else lam,
                                                     wd_fn(lam, m, n, B), B)
        assert res < MAP_TOL and abs(c * m * n - 1) < MAP_TOL, (res, c * m * n)
    return prop


def cf_cases():
    """(m, k, n, λ/σ_k, seed): λ/σ_k ∈ [0, 3] covers λ = 0 and collapsed directions."""
    return st.integers(3, 7).flatmap(lambda m: st.tuples(
        st.just(m), st.integers(1, m - 1), st.integers(m + 1, m + 30), st.floats(0.0, 3.0),
        st.integers(0, 10**6)))


def closed_form_without_sqrt(X, k, lam):
    """Mutant: the closed form with singular values 1 − λ/σ_i instead of their square roots."""
    cf = num.closed_form(X, k, lam)
    cf.W2 = cf.pca.U_k * cf.d**2
    cf.W1 = cf.W2.T
    return cf


def closed_form_is_stationary(cf_fn=None):
    """The Q2(b) property: torch autograd's ∇L_λ vanishes at ``cf_fn(X, k, λ)``."""
    cf_fn = num.closed_form if cf_fn is None else cf_fn

    def prop(case):
        m, k, n, ratio, seed = case
        X = data(seed, m=m, n=n)
        s = np.linalg.eigvalsh(X @ X.T)[::-1]
        lam = ratio * s[k - 1]
        cf = cf_fn(X, k, lam)
        g1, g2 = lnum.autograd_gradients(X, cf.W1, cf.W2, lam=lam)
        assert max(np.abs(g1).max(), np.abs(g2).max()) <= STATIONARY_RTOL * s[0]
    return prop
