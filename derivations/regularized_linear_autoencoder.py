"""Q2: the ℓ2-regularised linear autoencoder (Kunin et al., 2019), in SymPy.

Objective, eq. (3) (primary convention):
    L_λ(W1, W2) = ‖X − W2 W1 X‖²_F + λ‖W1‖²_F + λ‖W2‖²_F.
The 1/n variant (``derive("mean")``) puts 1/n in front of the reconstruction term;
since (1/n)‖X − W2W1X‖²_F = ‖X̃ − W2W1X̃‖²_F with X̃ = X/√n (proved entry by entry),
every σ_i below then is an eigenvalue of X̃X̃ᵀ = XXᵀ/n, and L_λ^(1/n)(X) equals
(1/n)·L_{nλ}(X) (proved), which the numerics use to confirm it.

* matrix gradients with the λ terms (MatrixSymbol calculus, elementwise cross-check);
* the per-direction scalar problem f(a, b) = σ(1 − ab)² + λ(a² + b²) — the objective
  restricted to one eigen-direction of XXᵀ (W2 u_i ↦ a, u_iᵀ W1ᵀ ↦ b) — solved
  exactly: balanced a = b, a² = 1 − λ/σ when λ < σ, the direction collapses to 0 when
  λ ≥ σ (then the origin is the minimiser: its Hessian is PSD iff λ ≥ σ);
* Q2(b): eigenvalues of W2ᵀW2 at the optimum, the deviation W2ᵀW2 − I as a function
  of λ/σ_i, and why the balanced factorisation is unique up to an orthogonal factor;
* Q2(a): the exact map from λ to PyTorch's SGD ``weight_decay`` when the loss is
  nn.MSELoss (mean reduction) over minibatches of B samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp

from derivations.linear_autoencoder import (
    elementwise_gradient_matches,
    frobenius_sq,
    matrix_gradient,
    symbols,
)

lam = sp.Symbol("lam", nonnegative=True)
sigma_i = sp.Symbol("sigma_i", positive=True)


@dataclass
class ScalarProblem:
    """One eigen-direction: f(a, b) = σ(1 − ab)² + λ(a² + b²)."""

    a: sp.Symbol
    b: sp.Symbol
    f: sp.Expr
    critical_points: list            # all real critical points (SymPy solve)
    balanced_gap: sp.Expr            # a² + b² − 2ab = (a − b)²: ≥ 0, zero iff a = b
    p_opt: sp.Expr                   # a² = b² at the optimum (λ < σ)
    f_opt: sp.Expr                   # min value when λ < σ
    f_zero: sp.Expr                  # value at the origin (= σ)
    hessian_origin_eigs: list        # 2λ ± 2σ: origin is a minimum iff λ ≥ σ
    value_gap: sp.Expr               # f_zero − f_opt = (σ − λ)²/σ ≥ 0


@dataclass
class RegularizedDerivation:
    X: sp.MatrixSymbol
    W1: sp.MatrixSymbol
    W2: sp.MatrixSymbol
    lam: sp.Symbol
    sigma_i: sp.Symbol
    loss: sp.Expr
    terms: list
    grad_W1: sp.MatrixExpr
    grad_W2: sp.MatrixExpr
    elementwise_ok: bool
    scalar: ScalarProblem
    singular_value: sp.Expr          # of W2 (and W1), general λ ≥ 0: sqrt(max(0, 1 − λ/σ))
    col_norm_sq: sp.Expr             # eigenvalue of W2ᵀW2 for λ < σ_i: 1 − λ/σ_i
    col_norm_sq_general: sp.Expr     # Max(0, 1 − λ/σ_i)
    col_norm_sq_1_over_n: sp.Expr    # 1/n variant: 1 − nλ/σ_i
    deviation: sp.Expr               # eigenvalue of W2ᵀW2 − I: −λ/σ_i
    min_value_direction: sp.Expr     # 2λ − λ²/σ_i if λ < σ_i else σ_i (collapsed)
    weight_decay: dict               # {(objective, reduction): expr in lam, m, n, B}
    inclusion_prob: sp.Expr          # P(sample j in a minibatch of B out of n) = B/n
    assumptions: list[str] = field(default_factory=list)
    convention: str = "sum"          # "sum": eq. (3); "mean": 1/n on the reconstruction term
    sigma_meaning: str = "i-th eigenvalue of XXᵀ"
    equivalences: dict = field(default_factory=dict)  # identity (words) -> proved (bool)


def _scalar_problem() -> ScalarProblem:
    a, b = sp.symbols("a b", real=True)
    s, lm = sp.Symbol("sigma", positive=True), sp.Symbol("lambda", positive=True)
    f = s * (1 - a * b) ** 2 + lm * (a**2 + b**2)
    crit = sp.solve([sp.diff(f, a), sp.diff(f, b)], [a, b], dict=True)
    nonzero = [c for c in crit if c[a] != 0]
    # every nonzero critical point is balanced with a² = 1 − λ/σ
    p_vals = {sp.simplify(c[a] ** 2) for c in nonzero}
    if len(p_vals) != 1 or any(sp.simplify(c[a] - c[b]) != 0 for c in nonzero):
        raise AssertionError(f"unexpected critical points {crit}")
    p_opt = p_vals.pop()
    f_opt = sp.simplify(f.subs(nonzero[0]))
    f_zero = f.subs({a: 0, b: 0})
    H0 = sp.hessian(f, (a, b)).subs({a: 0, b: 0})
    gap = sp.factor(sp.simplify(f_zero - f_opt))
    sub = {s: sigma_i, lm: lam}
    return ScalarProblem(
        a=a, b=b, f=f.subs(sub), critical_points=[{kk: v.subs(sub) for kk, v in c.items()}
                                                  for c in crit],
        balanced_gap=sp.factor(a**2 + b**2 - 2 * a * b),
        p_opt=sp.expand(p_opt.subs(sub)), f_opt=sp.expand(f_opt.subs(sub)),
        f_zero=f_zero.subs(sub),
        hessian_origin_eigs=[e.subs(sub) for e in H0.eigenvals()],
        value_gap=gap.subs(sub),
    )


def _weight_decay_map() -> tuple[dict, sp.Expr]:
    """λ ↦ SGD weight_decay so that the expected SGD step is a step on L_λ.

    nn.MSELoss (mean) on a minibatch of B columns: ℓ = (1/(mB)) Σ_{j∈batch} r_j with
    r_j = ‖x_j − W2W1x_j‖². Each j is in a uniformly drawn batch with probability
    binomial(n−1, B−1)/binomial(n, B), so E[∇ℓ] = (P/(mB)) ∇R with R = Σ_j r_j.
    SGD steps along ∇ℓ + wd·W; match it to c·∇L for L = α R + λ(‖W1‖² + ‖W2‖²)
    (∇ of λ‖W‖² is 2λW) and solve for (c, wd).
    """
    mm, nn, B = sp.symbols("m n B", positive=True, integer=True)
    wd, c = sp.symbols("weight_decay c", positive=True)
    gR, W = sp.symbols("gradR W")  # stand-ins: ∇R and the weight, linear independence
    P = sp.simplify(sp.binomial(nn - 1, B - 1) / sp.binomial(nn, B))
    P = sp.simplify(sp.combsimp(P))
    out = {}
    for objective, alpha in (("sum", sp.Integer(1)), ("1/n", 1 / nn)):
        for reduction, per_batch in (("mean", 1 / (mm * B)), ("sum", sp.Integer(1))):
            sgd_dir = per_batch * P * gR + wd * W
            target = c * (alpha * gR + 2 * lam * W)
            eqs = sp.Poly(sp.expand(sgd_dir - target), gR, W).coeffs()
            sol = sp.solve(eqs, [c, wd], dict=True)
            out[(objective, reduction)] = sp.simplify(sol[0][wd])
    return out, P


def _mean_equivalences(X, W1, W2, recon_mean, loss_mean, loss_sum) -> dict:
    """The two identities that tie the 1/n objective to eq. (3), proved by SymPy:
    the rescaling (1/n)‖X − W2W1X‖² = ‖X/√n − W2W1X/√n‖² entry by entry on explicit
    shapes, and n·L^(1/n)_λ = L_{nλ} (scalar trace expressions, expanded)."""
    nn = X.shape[1]
    Xt = X / sp.sqrt(nn)
    shapes = {X: (3, 2), W1: (2, 3), W2: (3, 2)}
    dims = {d: v for s, shp in shapes.items() for d, v in zip(s.shape, shp)
            if isinstance(d, sp.Symbol)}
    expl = {s: sp.Matrix(*shp, lambda i, j, s=s: sp.Symbol(f"{s.name}_{i}{j}"))
            for s, shp in shapes.items()}

    def explicit(e):
        e = e.subs(dims)
        e = e.xreplace({sp.MatrixSymbol(s.name, *[dd.subs(dims) for dd in s.shape]): expl[s]
                        for s in shapes})
        return sp.expand(e.doit())

    rescaled = explicit(recon_mean) - explicit(frobenius_sq(Xt - W2 * W1 * Xt))
    lam_map = sp.expand(nn * loss_mean - loss_sum.subs(lam, nn * lam))
    return {"(1/n)‖X − W2W1X‖²_F = ‖X/√n − W2W1X/√n‖²_F (explicit 3×2, 2×3, 3×2)":
            rescaled == 0,
            "n·L^(1/n)_λ(W1, W2) = L_{nλ}(W1, W2) (eq. (3) at nλ)": lam_map == 0}


@lru_cache(maxsize=2)
def derive(convention: str = "sum") -> RegularizedDerivation:
    """Q2, derived (cached: the numerics evaluate these objects).

    convention: "sum" (eq. (3) as printed) or "mean" (1/n in front of the
    reconstruction term; the σ_i are then the eigenvalues of XXᵀ/n).
    """
    if convention not in ("sum", "mean"):
        raise ValueError(f"convention must be 'sum' or 'mean', got {convention!r}")
    X, W1, W2 = symbols()
    recon = frobenius_sq(X - W2 * W1 * X)
    if convention == "mean":
        recon_sum = recon
        recon = recon / X.shape[1]
    terms = [recon, lam * frobenius_sq(W1), lam * frobenius_sq(W2)]
    g1 = matrix_gradient(terms, W1)
    g2 = matrix_gradient(terms, W2)
    ok = elementwise_gradient_matches(
        terms, {W1: g1, W2: g2}, {X: (3, 2), W1: (2, 3), W2: (3, 2)})

    sc = _scalar_problem()
    p = sc.p_opt
    general = sp.Max(0, p)
    wd, P = _weight_decay_map()
    n = sp.Symbol("n", integer=True, positive=True)
    mean = convention == "mean"
    equiv = (_mean_equivalences(X, W1, W2, recon, sp.Add(*terms),
                                sp.Add(recon_sum, *terms[1:])) if mean else {})
    return RegularizedDerivation(
        X=X, W1=W1, W2=W2, lam=lam, sigma_i=sigma_i, loss=sp.Add(*terms), terms=terms,
        grad_W1=g1, grad_W2=g2, elementwise_ok=ok, scalar=sc,
        singular_value=sp.sqrt(general), col_norm_sq=p, col_norm_sq_general=general,
        col_norm_sq_1_over_n=sp.expand(p.subs(sigma_i, sigma_i / n)),
        deviation=sp.simplify(p - 1),
        min_value_direction=sp.Piecewise((sc.f_opt, lam < sigma_i), (sc.f_zero, True)),
        weight_decay=wd, inclusion_prob=P,
        assumptions=[
            "σ1 > … > σ_{k+1} > 0 distinct (identifiability); λ ≥ 0",
            "per-direction reduction (Kunin et al. 2019): at a minimiser W2 = U_k D Oᵀ, "
            "W1 = O D U_kᵀ with O ∈ O(k), so L_λ splits into Σ_i f(d_i, d_i) + Σ_{i>k} σ_i",
            "balanced: for a fixed product ab, a² + b² is minimal iff a = b",
        ] + (["1/n convention: eq. (3) on X/√n, so σ_i are the eigenvalues of XXᵀ/n"]
             if mean else []),
        convention=convention,
        sigma_meaning="i-th eigenvalue of XXᵀ/n" if mean else "i-th eigenvalue of XXᵀ",
        equivalences=equiv,
    )
