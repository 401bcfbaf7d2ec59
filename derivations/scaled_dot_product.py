"""Q3: the statistics of qᵀk that justify scaled dot-product attention.

q, k ∈ R^d independent, q, k ~ N(μ, σ²I). Everything is computed with
``sympy.stats`` from one coordinate's product q_i k_i and summed over i — the
coordinates are independent, so means and variances add (the one assumption,
recorded in :attr:`ScaledDotProduct.assumptions`). A direct cross-check computes
the full dot product for an explicit small d.

Public API (beyond the homework's μ·1, shared σ): :func:`coordinate_moments` and
:func:`dot_product_moments` take separate means and σ's for q and k and an optional
coordinate-wise correlation ρ (q_i, k_i jointly Gaussian, pairs independent across i).

>>> mean, var = dot_product_moments(sigma_q=sp.Symbol("a", positive=True),
...                                 sigma_k=sp.Symbol("b", positive=True))
>>> mean
Sum(mu_k[i]*mu_q[i], (i, 1, d))
>>> var
Sum(a**2*b**2 + a**2*mu_k[i]**2 + b**2*mu_q[i]**2, (i, 1, d))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import sympy as sp
from sympy import stats

from hw7core.errors import InputError

# Symbols follow the homework: d (dimension), sigma, mu (shared per-coordinate mean),
# mu_i (coordinate i of the vector mean), s (the scale the score is divided by).
d = sp.Symbol("d", positive=True, integer=True)
sigma = sp.Symbol("sigma", positive=True)
mu = sp.Symbol("mu", real=True)
s = sp.Symbol("s", positive=True)
i = sp.Symbol("i", positive=True, integer=True)
mu_vec = sp.IndexedBase("mu")  # mu[i]: general (vector) mean
mu_q = sp.IndexedBase("mu_q")  # separate vector means of q and k (public API)
mu_k = sp.IndexedBase("mu_k")
rho = sp.Symbol("rho", real=True)  # coordinate-wise correlation of q_i and k_i

__all__ = [
    "ScaledDotProduct", "derive", "coordinate_moments", "dot_product_moments",
    "explicit_dot_moments", "general_formulas_at",
    "d", "sigma", "mu", "s", "i", "mu_vec", "mu_q", "mu_k", "rho",
]


@dataclass
class ScaledDotProduct:
    """Derived objects for Q3 (all SymPy)."""

    coord_mean: sp.Expr          # E[q_i k_i] with q_i, k_i ~ N(m, σ²)
    coord_var: sp.Expr           # Var(q_i k_i)
    mean_general: sp.Expr        # E[qᵀk], vector μ  (Sum over i)
    var_general: sp.Expr         # Var(qᵀk), vector μ
    mean_shared: sp.Expr         # E[qᵀk], μ = μ·1
    var_shared: sp.Expr          # Var(qᵀk), μ = μ·1
    mean_standard: sp.Expr       # μ = 0, σ = 1
    var_standard: sp.Expr
    scale: sp.Expr               # s with E[qᵀk/s] = 0 and Var(qᵀk/s) = 1
    scale_equation: sp.Eq        # Var(qᵀk)/s² = 1
    factor: sp.Expr              # multiplicative form 1/s
    scaled_mean: sp.Expr         # E[qᵀk/s] at the derived s
    scaled_var: sp.Expr          # Var(qᵀk/s) at the derived s
    explicit_d: int
    explicit_mean: sp.Expr       # E[qᵀk] computed directly for d = explicit_d
    explicit_var: sp.Expr
    assumptions: list[str] = field(default_factory=list)


def coordinate_moments(m: sp.Expr, sd: sp.Expr, m_k: sp.Expr | None = None,
                       sd_k: sp.Expr | None = None,
                       corr: sp.Expr = 0) -> tuple[sp.Expr, sp.Expr]:
    """E and Var of q_i k_i, by ``sympy.stats`` (Q3(a)–(b), one coordinate).

    q_i ~ N(m, sd²) and k_i ~ N(m_k, sd_k²) (``m_k``/``sd_k`` default to ``m``/``sd``:
    the homework's q, k ~ N(μ, σ²I)), jointly Gaussian with correlation ``corr``
    (default 0: independent). When k_i's law or ρ is given, the pair is built from two
    independent standard normals Z1, Z2 as q_i = m + sd·Z1, k_i = m_k + sd_k(ρZ1 +
    √(1−ρ²)Z2) — the bivariate normal with those means, variances and correlation —
    and the moments of Z come from sympy.stats; otherwise (the homework's i.i.d. case)
    sympy.stats integrates q_i k_i directly.
    Arguments are SymPy expressions (numbers are sympified); sd, sd_k > 0, |ρ| ≤ 1.
    Returns (mean, variance) as SymPy expressions.

    >>> m = sp.Symbol("m")
    >>> coordinate_moments(m, 1, m_k=m, sd_k=1, corr=sp.Rational(1, 2))
    (m**2 + 1/2, 3*m**2 + 5/4)
    """
    corr = sp.sympify(corr, strict=True)
    m, sd = sp.sympify(m, strict=True), sp.sympify(sd, strict=True)
    _check_law(sd, sd if sd_k is None else sp.sympify(sd_k, strict=True), corr)
    if corr != 0 or m_k is not None or sd_k is not None:
        m_k = m if m_k is None else sp.sympify(m_k, strict=True)
        sd_k = sd if sd_k is None else sp.sympify(sd_k, strict=True)
        return _pair_moments(m, sd, m_k, sd_k, corr)
    # the homework's case, q_i and k_i i.i.d.: integrate the product directly
    qi = stats.Normal("q_i", m, sd)
    ki = stats.Normal("k_i", m, sd)
    mean = sp.simplify(stats.E(qi * ki))
    # Var(XY) = E[X²Y²] − E[XY]²; sympy.stats computes both integrals.
    var = sp.expand(sp.simplify(stats.E(qi**2 * ki**2) - mean**2))
    return mean, var


@cache
def _standard_normal_moment(power: int) -> sp.Expr:
    """E[Z^power] for Z ~ N(0, 1), by sympy.stats."""
    return stats.E(stats.Normal("Z", 0, 1) ** power)


def _pair_moments(m, sd, m_k, sd_k, corr) -> tuple[sp.Expr, sp.Expr]:
    """Mean and variance of q_i k_i for a (possibly correlated) pair, via two independent N(0, 1).

    q_i k_i and its square are polynomials in Z1, Z2; by independence E[Z1^a Z2^b] =
    E[Z^a]E[Z^b], each factor a sympy.stats moment (one integral per power, which is
    far faster than integrating the joint expression).
    """
    z1, z2 = sp.symbols("Z_1 Z_2", real=True)
    qi = m + sd * z1
    ki = m_k + sd_k * (corr * z1 + sp.sqrt(1 - corr**2) * z2)

    def expect(expr):
        poly = sp.Poly(sp.expand(expr), z1, z2)
        return sp.expand(sum(c * _standard_normal_moment(a) * _standard_normal_moment(b)
                             for (a, b), c in poly.terms()))

    mean = expect(qi * ki)
    var = sp.expand(expect((qi * ki) ** 2) - mean**2)
    return mean, var


def _check_law(sd, sd_k, corr, dim=None) -> None:
    """One-line InputError where a value is certainly outside its domain: σ ≤ 0, |ρ| > 1,
    a dimension that is not a positive integer (symbols pass: their assumptions decide).
    Without it, corr = 2 returned Var = 5d and σ = 0 a sympy.stats ValueError."""
    for name, v in (("sigma_q", sd), ("sigma_k", sd_k)):
        if v.is_positive is False or v.is_real is False:
            raise InputError(f"{name} must be > 0, got {v}")
    if corr.is_real is False or (corr.is_number and abs(corr) > 1):
        raise InputError(f"the correlation must lie in [-1, 1], got {corr}")
    if dim is not None and (dim.is_positive is False or dim.is_integer is False):
        raise InputError(f"the dimension must be a positive integer, got {dim}")


def dot_product_moments(dim: sp.Expr = d, mean_q: sp.Expr = mu_q[i], mean_k: sp.Expr = mu_k[i],
                        sigma_q: sp.Expr = sigma, sigma_k: sp.Expr = sigma,
                        corr: sp.Expr = 0) -> tuple[sp.Expr, sp.Expr]:
    """E[qᵀk] and Var(qᵀk) for q, k ∈ R^dim with independent coordinate pairs.

    Coordinate i: q_i ~ N(mean_q, sigma_q²), k_i ~ N(mean_k, sigma_k²) with
    correlation ``corr`` between q_i and k_i (0: q and k independent). ``mean_q`` and
    ``mean_k`` may depend on the summation index :data:`i` (a vector mean, the default
    ``mu_q[i]``, ``mu_k[i]``) or not (a mean shared by every coordinate). The pairs
    (q_i, k_i) are independent across i, so the moments of the sum are sums of the
    per-coordinate moments (:func:`coordinate_moments`). Returns SymPy ``Sum``s over
    i = 1..dim (call ``.doit()`` to evaluate them for a numeric or shared-mean case).
    Units: the mean is in (units of q)·(units of k), the variance in its square.
    Raises InputError for σ ≤ 0, |ρ| > 1 or a dimension that is not a positive integer.
    """
    # strict: SymPy objects and numbers only, never a string to parse
    mq, sq, mk, sk = (sp.sympify(v, strict=True) for v in (mean_q, sigma_q, mean_k, sigma_k))
    _check_law(sq, sk, sp.sympify(corr, strict=True), sp.sympify(dim, strict=True))
    cmean, cvar = coordinate_moments(mq, sq, mk, sk, corr)
    return sp.Sum(cmean, (i, 1, dim)), sp.Sum(sp.expand(cvar), (i, 1, dim))


def explicit_dot_moments(dim: int, means, sd) -> tuple[sp.Expr, sp.Expr]:
    """E and Var of qᵀk for an explicit dimension, straight from sympy.stats
    (no independence argument: the whole dot product is one random expression)."""
    qs = [stats.Normal(f"q{j}", means[j], sd) for j in range(dim)]
    ks = [stats.Normal(f"k{j}", means[j], sd) for j in range(dim)]
    dot = sum(a * b for a, b in zip(qs, ks))
    mean = sp.expand(stats.E(dot))
    var = sp.expand(stats.E(sp.expand(dot**2)) - mean**2)
    return mean, var


def derive(explicit_d: int = 2) -> ScaledDotProduct:
    """Derive every Q3 quantity. ``explicit_d`` sets the size of the direct cross-check."""
    m_i = mu_vec[i]
    cmean, cvar = coordinate_moments(m_i, sigma)
    # Independence across coordinates: E and Var of the sum are sums over i.
    mean_general = sp.Sum(cmean, (i, 1, d))
    var_general = sp.expand(sp.Sum(sp.expand(cvar), (i, 1, d))).doit()
    # Pull constants out of each remaining sum so the result reads dσ⁴ + 2σ²Σμ_i².
    var_general = var_general.replace(lambda a: isinstance(a, sp.Sum), sp.factor_terms)
    mean_shared = sp.simplify(sp.Sum(cmean.subs(m_i, mu), (i, 1, d)).doit())
    var_shared = sp.factor(sp.Sum(cvar.subs(m_i, mu), (i, 1, d)).doit())
    mean_standard = sp.simplify(mean_shared.subs({mu: 0, sigma: 1}))
    var_standard = sp.simplify(var_shared.subs({mu: 0, sigma: 1}))

    # Scaling by 1/s: E scales by 1/s, Var by 1/s² — solve Var/s² = 1 for s > 0.
    eq = sp.Eq(var_standard / s**2, 1)
    sols = sp.solve(eq, s)
    if len(sols) != 1:
        raise RuntimeError(f"expected one positive scale, got {sols}")
    scale = sp.simplify(sols[0])
    scaled_mean = sp.simplify(mean_standard / scale)
    scaled_var = sp.simplify(var_standard / scale**2)

    means = sp.symbols(f"mu1:{explicit_d + 1}", real=True)
    emean, evar = explicit_dot_moments(explicit_d, means, sigma)

    return ScaledDotProduct(
        coord_mean=cmean, coord_var=cvar,
        mean_general=mean_general.doit(), var_general=var_general,
        mean_shared=mean_shared, var_shared=var_shared,
        mean_standard=mean_standard, var_standard=var_standard,
        scale=scale, scale_equation=eq, factor=sp.simplify(1 / scale),
        scaled_mean=scaled_mean, scaled_var=scaled_var,
        explicit_d=explicit_d, explicit_mean=emean, explicit_var=evar,
        assumptions=[
            "q and k are independent, each N(μ, σ²I): coordinates are independent",
            "means and variances of a sum of independent terms add",
            "s > 0 (a scale); the homework divides the score by s",
        ],
    )


def general_formulas_at(der: ScaledDotProduct, means: list) -> tuple[sp.Expr, sp.Expr]:
    """The general (vector-μ) formulas evaluated at explicit means, for cross-checks."""
    dim = len(means)
    sub = {d: dim}
    mg = der.mean_general.subs(sub).doit()
    vg = der.var_general.subs(sub).doit()
    rep = {mu_vec[j + 1]: means[j] for j in range(dim)}
    return sp.expand(mg.subs(rep)), sp.expand(vg.subs(rep))


@dataclass
class ScaleConvention:
    """Q3(c) under a convention for how the scale enters the score (homework variants)."""

    convention: str              # "divide": score qᵀk/s; "multiply": score s·qᵀk
    score: sp.Expr               # the scaled score as a function of the raw score t
    equation: sp.Eq              # Var(scaled score) = 1, in s
    scale: sp.Expr               # the solution s > 0
    divisor: sp.Expr             # the scaled score is qᵀk / divisor
    scaled_mean: sp.Expr         # E[scaled score] at the solution
    scaled_var: sp.Expr          # Var(scaled score) at the solution


def scale_under(der: ScaledDotProduct, convention: str = "divide") -> ScaleConvention:
    """Solve Q3(c) for s when the score is qᵀk/s ("divide", the homework) or s·qᵀk
    ("multiply"): E and Var of a·qᵀk are a·E and a²·Var; solve Var = 1 for s > 0.

    >>> der = derive()
    >>> scale_under(der, "multiply").scale
    1/sqrt(d)
    """
    if convention not in ("divide", "multiply"):
        raise ValueError(f"convention must be 'divide' or 'multiply', got {convention!r}")
    a = 1 / s if convention == "divide" else s          # the score is a·qᵀk
    eq = sp.Eq(a**2 * der.var_standard, 1)
    sols = sp.solve(eq, s)
    if len(sols) != 1:
        raise RuntimeError(f"expected one positive scale, got {sols}")
    scale = sp.simplify(sols[0])
    a_at = a.subs(s, scale)
    return ScaleConvention(convention=convention, score=a * sp.Symbol("t"), equation=eq,
                           scale=scale, divisor=sp.simplify(1 / a_at),
                           scaled_mean=sp.simplify(a_at * der.mean_standard),
                           scaled_var=sp.simplify(a_at**2 * der.var_standard))
