"""Q1(b)'s properties and mutants: the U_kC family (W1 = C⁻¹U_kᵀ, W2 = U_kC) is stationary
with loss Σ_{i>k} σ_i on generated data; the mutant W1 = U_kᵀ (no C⁻¹) is not stationary.

>>> family_is_stationary((4, 2, 8, 0))          # (m, k, n, seed): passes silently
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from numerics import linear_autoencoder as num

__all__ = ["STATIONARY_RTOL", "instance", "cases", "family_is_stationary", "no_inverse"]

# relative to σ1·cond(C): float64 round-off of the gradient's products at the family
STATIONARY_RTOL = 1e-9


def instance(seed: int, m: int = 6, k: int = 2, n: int = 40):
    """(X, k): m×n zero-centred data with distinct eigenvalues of XXᵀ in n·[0.5, 5] (seeded)."""
    rng = np.random.default_rng(seed)
    sig = np.sort(rng.uniform(0.5, 5.0, m))[::-1] * n
    return num.make_data(m, n, sig, seed=seed), k


def cases():
    """(m, k, n, seed): 3 ≤ m ≤ 7, 1 ≤ k < m, m + 1 ≤ n ≤ m + 30."""
    return st.integers(3, 7).flatmap(lambda m: st.tuples(
        st.just(m), st.integers(1, m - 1), st.integers(m + 1, m + 30), st.integers(0, 10**6)))


def _family(case, with_inverse: bool):
    m, k, n, seed = case
    X, _ = instance(seed, m=m, k=k, n=n)
    p = num.pca_solution(X, k)
    C = np.random.default_rng(seed).standard_normal((k, k)) + 3 * np.eye(k)
    W1, W2 = p.family(C) if with_inverse else (p.U_k.T, p.U_k @ C)
    return X, p, C, W1, W2


def family_is_stationary(case):
    """Both derived gradients vanish (to round-off) and the loss is the tail sum."""
    X, p, C, W1, W2 = _family(case, True)
    d1, d2 = num.derived_gradients(X, W1, W2)
    tol = STATIONARY_RTOL * p.sigma[0]
    assert max(np.abs(d1).max(), np.abs(d2).max()) <= tol * np.linalg.cond(C)
    assert abs(num.loss(X, W1, W2) - p.tail_loss) <= tol


def no_inverse(case):
    """Mutant: W1 = U_kᵀ with W2 = U_kC, claimed stationary."""
    X, p, C, W1, W2 = _family(case, False)
    d1, d2 = num.derived_gradients(X, W1, W2)
    assert max(np.abs(d1).max(), np.abs(d2).max()) <= STATIONARY_RTOL * p.sigma[0] * np.linalg.cond(C)
