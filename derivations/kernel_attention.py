"""Q5(a), Q5(b): the similarity condition, the quadratic kernel and its feature maps.

Equations (6)–(8) of the homework (restored in the project notes):
  (6) V′_i = Σ_j sim(Q_i, K_j) V_j / Σ_j sim(Q_i, K_j)
  (8) V′_i = φ(Q_i)ᵀ (Σ_j φ(K_j) V_jᵀ) / (φ(Q_i)ᵀ Σ_j φ(K_j))

Everything here is SymPy. The identity φ(q)ᵀφ(k) ≡ (qᵀk + 1)² is proven for a
*symbolic* dimension D: the full map by manipulating ``Sum`` objects (pulling the
inner sum's constant factor out, :func:`sympy.simplify.simplify.factor_sum`), the
compact symmetric map by induction on D (base D = 0, step D → D + 1 with
S_D = Σ_{i≤D} q_i k_i kept as a symbol). Explicit small D are checked on top.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from sympy.simplify.simplify import factor_sum

D = sp.Symbol("D", positive=True, integer=True)
N = sp.Symbol("N", positive=True, integer=True)
i, j = sp.symbols("i j", positive=True, integer=True)
q, k = sp.IndexedBase("q"), sp.IndexedBase("k")
c = sp.Symbol("c", positive=True)          # polynomial kernel offset
p = sp.Symbol("p", positive=True, integer=True)


@dataclass
class KernelAttention:
    """Derived objects for Q5(a) and Q5(b) (all SymPy)."""

    polynomial_kernel: sp.Expr       # (qᵀk + c)^p, symbolic D
    quadratic_kernel: sp.Expr        # p = 2, c = 1
    full_map_inner: sp.Expr          # φ_full(q)ᵀφ_full(k) as Sums (symbolic D)
    full_identity: sp.Expr           # kernel − φᵀφ after Sum manipulation (must be 0)
    compact_base: sp.Expr            # induction base D = 0 (must be 0)
    compact_step: sp.Expr            # induction step D → D+1 (must be 0)
    dim_full: sp.Expr                # 1 + D + D²
    dim_compact: sp.Expr             # 1 + D + D(D+1)/2
    explicit: dict[int, tuple[sp.Expr, sp.Expr]]  # D -> (full diff, compact diff), expanded
    feature_full_latex: str
    feature_compact_latex: str
    rewritten: sp.Expr               # eq. (8) for a symbolic instance, minus eq. (6) → 0
    rewritten_latex: str
    condition_latex: str
    counterexample: dict             # sim = qᵀk: a query whose denominator is 0
    assumptions: list[str] = field(default_factory=list)


def dot(x, y, dim=D, idx=i):
    """Σ_{idx=1}^{dim} x_idx y_idx as a SymPy Sum."""
    return sp.Sum(x[idx] * y[idx], (idx, 1, dim))


def compact_features(x: list) -> list:
    """Compact symmetric quadratic map of a concrete vector ``x`` (SymPy entries).

    With x̃ = (1, x): entries x̃_a x̃_b for a ≤ b, times √2 when a < b. This is
    1, √2 x_i, x_i², √2 x_i x_j (i < j): 1 + D + D(D+1)/2 entries. The order is
    the one ``numerics.kernel_attention`` uses (rows of the upper triangle).
    """
    xt = [sp.Integer(1), *x]
    return [(sp.sqrt(2) if a < b else 1) * xt[a] * xt[b]
            for a in range(len(xt)) for b in range(a, len(xt))]


def full_features(x: list) -> list:
    """Full quadratic map: 1, √2 x_i, x_i x_j for all ordered pairs: 1 + D + D² entries."""
    return [sp.Integer(1), *[sp.sqrt(2) * v for v in x], *[a * b for a in x for b in x]]


def _prove_full() -> tuple[sp.Expr, sp.Expr]:
    s_qk = dot(q, k)
    # φ_full(q)ᵀφ_full(k) = 1·1 + Σ (√2 q_i)(√2 k_i) + Σ_i Σ_j (q_i q_j)(k_i k_j)
    inner = 1 + sp.Sum(sp.sqrt(2) * q[i] * sp.sqrt(2) * k[i], (i, 1, D)) \
        + sp.Sum(sp.Sum(q[i] * q[j] * k[i] * k[j], (j, 1, D)), (i, 1, D))
    # pull the j-independent factor out of the inner sum, then the i-sum factorises
    double = factor_sum(sp.Sum(factor_sum(sp.Sum(q[i] * q[j] * k[i] * k[j], (j, 1, D))),
                               (i, 1, D)))
    manipulated = 1 + 2 * s_qk + double.xreplace({j: i})
    diff = sp.expand((s_qk + 1) ** 2 - manipulated)
    return inner, sp.simplify(diff)


def _prove_compact() -> tuple[sp.Expr, sp.Expr]:
    # base: D = 0, x̃ = (1,), φ = (1,), kernel (0 + 1)² = 1
    base = sp.expand((0 + 1) ** 2 - sum(a * b for a, b in zip(compact_features([]),
                                                              compact_features([]))))
    # step: add coordinate D+1 (q', k'); the compact map gains the pairs (a, D+1):
    # a = 0 → √2 q', a = D+1 → q'², 1 ≤ a ≤ D → √2 q_a q'.
    qn, kn, s_d = sp.symbols("q' k' S_D", real=True)
    gained = (sp.sqrt(2) * qn) * (sp.sqrt(2) * kn) + qn**2 * kn**2 \
        + factor_sum(sp.Sum((sp.sqrt(2) * q[i] * qn) * (sp.sqrt(2) * k[i] * kn), (i, 1, D)))
    gained = gained.subs(dot(q, k), s_d)
    kernel_gain = (s_d + qn * kn + 1) ** 2 - (s_d + 1) ** 2
    return base, sp.expand(kernel_gain - gained)


def _explicit(max_d: int = 4) -> dict[int, tuple[sp.Expr, sp.Expr]]:
    out = {}
    for dim in range(1, max_d + 1):
        qs = list(sp.symbols(f"q1:{dim + 1}", real=True))
        ks = list(sp.symbols(f"k1:{dim + 1}", real=True))
        kern = (sum(a * b for a, b in zip(qs, ks)) + 1) ** 2
        f = sum(a * b for a, b in zip(full_features(qs), full_features(ks)))
        cpt = sum(a * b for a, b in zip(compact_features(qs), compact_features(ks)))
        out[dim] = (sp.expand(kern - f), sp.expand(kern - cpt))
    return out


def _rewritten() -> tuple[sp.Expr, str]:
    """Eq. (8) equals eq. (6) with sim = φ(q)ᵀφ(k): checked on a symbolic instance
    (N = 3 rows, feature dimension 2, M = 2) — it is associativity of the products."""
    n_, pdim, m_ = 3, 2, 2
    fq = sp.Matrix(n_, pdim, lambda r, s: sp.Symbol(f"phiQ_{r}{s}"))
    fk = sp.Matrix(n_, pdim, lambda r, s: sp.Symbol(f"phiK_{r}{s}"))
    v = sp.Matrix(n_, m_, lambda r, s: sp.Symbol(f"V_{r}{s}"))
    diffs = []
    for r in range(n_):
        sims = [(fq.row(r) * fk.row(t).T)[0] for t in range(n_)]
        eq6 = sum((sims[t] * v.row(t) for t in range(n_)), sp.zeros(1, m_)) / sum(sims)
        num = fq.row(r) * (fk.T * v)
        den = (fq.row(r) * (fk.T * sp.ones(n_, 1)))[0]
        diffs.append(sp.simplify(eq6 - num / den))
    total = sp.simplify(sum((d_.norm() for d_ in diffs), sp.Integer(0)))
    phi = sp.Function("phi")
    Qi, Kj, Vj = sp.symbols("Q_i K_j V_j", commutative=False)
    num_l = sp.latex(phi(Qi)) + r"^{\top}\left(" + sp.latex(sp.Sum(phi(Kj) * Vj, (j, 1, N))) \
        .replace(r"V_{j}", r"V_{j}^{\top}") + r"\right)"
    den_l = sp.latex(phi(Qi)) + r"^{\top}" + sp.latex(sp.Sum(phi(Kj), (j, 1, N)))
    return total, r"V'_i = \frac{" + num_l + "}{" + den_l + "}"


def _counterexample() -> dict:
    """sim(q, k) = qᵀk (can be negative): the denominator Σ_j sim vanishes."""
    qv = sp.Matrix([1, 0])
    keys = [sp.Matrix([1, 0]), sp.Matrix([-1, 0])]
    sims = [(qv.T * kk)[0] for kk in keys]
    return {"sim": "q^T k", "q": list(qv), "keys": [list(kk) for kk in keys],
            "sims": sims, "denominator": sum(sims)}


def derive() -> KernelAttention:
    """Q5(a), Q5(b)(i)–(iii)."""
    s_qk = dot(q, k)
    poly = (s_qk + c) ** p
    quad = poly.subs({p: 2, c: 1})
    inner, full_diff = _prove_full()
    base, step = _prove_compact()
    dim_compact = sp.simplify(1 + D + sp.Sum(sp.Sum(1, (j, i, D)), (i, 1, D)).doit())
    dim_full = sp.simplify(1 + D + sp.Sum(sp.Sum(1, (j, 1, D)), (i, 1, D)).doit())
    rew, rew_l = _rewritten()
    x = sp.IndexedBase("x")
    full_l = (r"\phi(x) = \left(1,\ \{\sqrt{2}\,x_i\}_{i=1}^{D},\ \{x_i x_j\}_{i,j=1}^{D}\right)"
              + ", " + sp.latex(sp.Eq(sp.Symbol(r"\dim"), dim_full)))
    cpt_l = (r"\phi(x) = \left(1,\ \{\sqrt{2}\,x_i\}_{i=1}^{D},\ \{" + sp.latex(x[i] ** 2)
             + r"\}_{i=1}^{D},\ \{\sqrt{2}\,x_i x_j\}_{i<j}\right)" + ", "
             + sp.latex(sp.Eq(sp.Symbol(r"\dim"), sp.factor(dim_compact))))
    cond = (r"\sum_{j} \mathrm{sim}(Q_i, K_j) \neq 0\ \forall i;\ \text{guaranteed when }"
            r"\mathrm{sim}(q,k) \ge 0 \text{ for all } q,k \text{ and } > 0 \text{ for at least one key}")
    return KernelAttention(
        polynomial_kernel=poly, quadratic_kernel=quad, full_map_inner=inner,
        full_identity=full_diff, compact_base=base, compact_step=step,
        dim_full=sp.expand(dim_full), dim_compact=sp.expand(dim_compact),
        explicit=_explicit(), feature_full_latex=full_l, feature_compact_latex=cpt_l,
        rewritten=rew, rewritten_latex=rew_l, condition_latex=cond,
        counterexample=_counterexample(),
        assumptions=["polynomial kernel K(q,k) = (qᵀk + c)^p; quadratic: p = 2, c = 1 "
                     "('any constant factor is set to 1')",
                     "φ applied row-wise; sums over j = 1..N"],
    )
