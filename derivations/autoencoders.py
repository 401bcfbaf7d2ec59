"""Q1(a): what can be derived about the autoencoder experiments (SymPy).

1. The reference every autoencoder with latent size k is judged against: the best rank-k
   linear reconstruction (PCA; Eckart–Young). For centred data with covariance Σ = QΛQᵀ,
   projecting onto the top-k eigenvectors leaves mean squared error
   tr((I−P)Σ(I−P)ᵀ) = Σ_{i>k} λ_i, and no unit direction does better (shown for a 2-D
   rotation with a symbolic angle: the error is minimised at the top eigenvector).
   Per pixel the error is (1/m)·Σ_{i>k} λ_i, the number :func:`numerics.autoencoders.pca_baseline`
   reports and the AE's error is compared with.
2. The statistics of the corruptions used by the denoising and masked autoencoders,
   with ``sympy.stats``:
   * Gaussian noise x̃ = x + σε: E[x̃] = x, Var[x̃] = σ².
   * Bernoulli masking noise x̃ = x(1−B), B ~ Bernoulli(p): E[x̃] = (1−p)x,
     Var[x̃] = p(1−p)x²; rescaling by 1/(1−p) makes it unbiased.
   * MAE masking (exactly r of P patches per image, uniformly without replacement):
     P(patch masked) = r/P, P(two given patches masked) = r(r−1)/(P(P−1)), so the number
     masked among s fixed patches has mean s·r/P and the hypergeometric variance
     s(r/P)(1−r/P)(P−s)/(P−1) — derived from binomial coefficients and cross-checked against
     ``sympy.stats.Hypergeometric`` at explicit sizes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from sympy import stats

x = sp.Symbol("x", real=True)                 # a clean pixel value
sigma = sp.Symbol("sigma", positive=True)     # Gaussian noise std
p = sp.Symbol("p", nonnegative=True)          # masking probability (DAE)
P = sp.Symbol("P", positive=True, integer=True)   # number of patches per image (MAE)
r = sp.Symbol("r", nonnegative=True, integer=True)  # number of patches masked (MAE)
s_ = sp.Symbol("s", positive=True, integer=True)    # size of a fixed set of patches
theta = sp.Symbol("theta", real=True)
m = sp.Symbol("m", positive=True, integer=True)
k = sp.Symbol("k", positive=True, integer=True)
i = sp.Symbol("i", positive=True, integer=True)
lam = sp.IndexedBase("lambda")                # eigenvalues of the data covariance


@dataclass
class PCAReference:
    """Eckart–Young: the optimal rank-k reconstruction error."""

    general: sp.Expr                  # Σ_{i=k+1}^{m} λ_i (total over coordinates)
    per_pixel: sp.Expr                # the same divided by m
    explicit_m: int
    explicit_k: int
    explicit_error: sp.Expr           # tr((I−P)Σ(I−P)ᵀ) computed for Σ = diag(λ_1..λ_m)
    explicit_sum: sp.Expr             # Σ_{i>k} λ_i at that m, k
    rotated_error: sp.Expr            # error of projecting onto a unit direction at angle θ
    rotated_minimiser: sp.Expr        # θ minimising it (λ1 > λ2): the top eigenvector
    rotated_minimum: sp.Expr          # its value: λ2 = the discarded eigenvalue
    assumptions: list[str] = field(default_factory=list)


@dataclass
class Corruptions:
    """First and second moments of the DAE / MAE corruptions (all SymPy)."""

    gauss_mean: sp.Expr
    gauss_var: sp.Expr
    mask_mean: sp.Expr
    mask_var: sp.Expr
    mask_rescaled_mean: sp.Expr        # E[x̃/(1−p)]
    mae_p_one: sp.Expr                 # P(a given patch is masked)
    mae_p_two: sp.Expr                 # P(two given patches are both masked)
    mae_count_mean: sp.Expr            # E[# masked among s fixed patches]
    mae_count_var: sp.Expr             # Var[# masked among s fixed patches]
    hypergeometric_var: sp.Expr        # the textbook hypergeometric variance (for comparison)
    explicit_cases: list[tuple[int, int, int, sp.Expr, sp.Expr]] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)


def pca_reference(explicit_m: int = 5, explicit_k: int = 2) -> PCAReference:
    """The PCA (Eckart–Young) reference error, as SymPy objects."""
    lams = sp.symbols(f"lambda1:{explicit_m + 1}", positive=True)
    Sigma = sp.diag(*lams)
    # projector onto the top-k eigenvectors (Σ is diagonal, so they are e_1..e_k)
    Pk = sp.diag(*([1] * explicit_k + [0] * (explicit_m - explicit_k)))
    R = sp.eye(explicit_m) - Pk
    err = sp.simplify((R * Sigma * R.T).trace())
    expl_sum = sum(lams[explicit_k:])
    # 2-D, Σ = diag(λ1, λ2), unit direction u = (cos θ, sin θ): error tr Σ − uᵀΣu
    l1, l2 = sp.symbols("lambda1 lambda2", positive=True)
    u = sp.Matrix([sp.cos(theta), sp.sin(theta)])
    S2 = sp.diag(l1, l2)
    rot_err = sp.simplify(S2.trace() - (u.T * S2 * u)[0])
    crit = sp.solve(sp.diff(rot_err, theta), theta)
    # among the critical points choose the minimiser under λ1 > λ2 (substitute λ1 = λ2 + δ)
    delta = sp.Symbol("delta", positive=True)
    vals = [(c, sp.simplify(rot_err.subs(theta, c))) for c in crit]
    # gap of each critical value over λ2, written with δ = λ1 − λ2 > 0: all gaps must be
    # ≥ 0 and the minimiser's gap exactly 0
    gaps = {c: sp.simplify((v - l2).subs(l1, l2 + delta)) for c, v in vals}
    minimisers = [(c, v) for c, v in vals if gaps[c] == 0]
    if not minimisers or any(not (g == 0 or g.is_positive) for g in gaps.values()):
        raise RuntimeError("2-D Eckart–Young check: no critical point attains λ2")
    best = minimisers[0]
    general = sp.Sum(lam[i], (i, k + 1, m))
    return PCAReference(
        general=general, per_pixel=general / m, explicit_m=explicit_m, explicit_k=explicit_k,
        explicit_error=err, explicit_sum=expl_sum, rotated_error=rot_err,
        rotated_minimiser=best[0], rotated_minimum=best[1],
        assumptions=["data centred (the AE's inputs are centred by the training mean)",
                     "eigenvalues sorted λ1 ≥ … ≥ λm; in the 2-D check λ1 > λ2",
                     "error measured as mean squared error over samples"],
    )


def corruptions(explicit: tuple[tuple[int, int, int], ...] = ((16, 8, 5), (49, 37, 10),
                                                               (784, 392, 100))) -> Corruptions:
    """Moments of the Gaussian, Bernoulli-masking and MAE fixed-count masking corruptions."""
    eps = stats.Normal("epsilon", 0, 1)
    xt_g = x + sigma * eps
    g_mean = sp.simplify(stats.E(xt_g))
    g_var = sp.simplify(stats.variance(xt_g))
    B = stats.Bernoulli("B", p)
    xt_m = x * (1 - B)
    m_mean = sp.factor(sp.simplify(stats.E(xt_m)))
    m_var = sp.factor(sp.simplify(stats.variance(xt_m)))
    m_resc = sp.simplify(stats.E(xt_m / (1 - p)))
    # MAE: r of P patches masked uniformly without replacement (counting argument)
    p1 = sp.combsimp(sp.binomial(P - 1, r - 1) / sp.binomial(P, r))
    p2 = sp.combsimp(sp.binomial(P - 2, r - 2) / sp.binomial(P, r))
    cnt_mean = sp.simplify(s_ * p1)
    # Var(Σ_j I_j) = Σ Var I_j + Σ_{j≠l} Cov(I_j, I_l)
    cnt_var = sp.factor(sp.simplify(s_ * (p1 - p1**2) + s_ * (s_ - 1) * (p2 - p1**2)))
    q = r / P
    hyp_var = s_ * q * (1 - q) * (P - s_) / (P - 1)
    cases = []
    for PP, rr, ss in explicit:
        H = stats.Hypergeometric("H", PP, rr, ss)
        cases.append((PP, rr, ss, sp.nsimplify(stats.E(H)), sp.nsimplify(stats.variance(H))))
    return Corruptions(
        gauss_mean=g_mean, gauss_var=g_var, mask_mean=m_mean, mask_var=m_var,
        mask_rescaled_mean=m_resc, mae_p_one=p1, mae_p_two=p2, mae_count_mean=cnt_mean,
        mae_count_var=cnt_var, hypergeometric_var=hyp_var, explicit_cases=cases,
        assumptions=["ε ~ N(0, 1) independent of x", "B ~ Bernoulli(p) independent of x",
                     "MAE: exactly r of the P patches masked, all subsets equally likely",
                     "pixel values x treated as fixed (moments conditional on the clean image)"],
    )


@dataclass
class AutoencoderDerivation:
    pca: PCAReference
    noise: Corruptions


def derive() -> AutoencoderDerivation:
    return AutoencoderDerivation(pca_reference(), corruptions())
