"""Q5(c), Q5(d): exact cost polynomials of softmax and quadratic-kernel linear attention.

Counts are built operation by operation (multiplies, adds, divides, exps) as SymPy
polynomials in N (sequence length), D (query/key width), M (value width). Memory is
the number of elements kept for backpropagation, *including Q, K, V* (the homework's
note to Q5(c)). Big-O forms keep the monomials not dominated by another monomial
(every size ≥ 1), coefficients dropped. The matmul-only FLOP polynomials (2·m·n·k per
product, the convention of ``torch.utils.flop_counter``) are what the implementation
in ``numerics.kernel_attention`` is checked against exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

N, D, M = sp.symbols("N D M", positive=True, integer=True)
BIGO_VARS = (N, D, M)


def compact_dim(d=D) -> sp.Expr:
    """Dimension P of the compact quadratic feature map: 1 + D + D(D+1)/2."""
    return 1 + d + d * (d + 1) / 2


@dataclass
class Cost:
    ops: dict[str, sp.Expr]          # category -> count
    memory_terms: dict[str, sp.Expr]  # tensor kept for backprop -> elements
    matmul_flops: sp.Expr            # 2mnk per matmul, as FlopCounterMode counts

    @property
    def flops(self) -> sp.Expr:
        return sp.expand(sum(self.ops.values()))

    @property
    def memory(self) -> sp.Expr:
        return sp.expand(sum(self.memory_terms.values()))


@dataclass
class AttentionCost:
    softmax: Cost
    linear: Cost
    P: sp.Expr
    softmax_time_bigo: sp.Expr
    softmax_space_bigo: sp.Expr
    linear_time_bigo: sp.Expr
    linear_space_bigo: sp.Expr
    linear_time_bigo_md: sp.Expr      # with M ≈ D
    linear_space_bigo_md: sp.Expr
    crossover: sp.Expr               # N* where the FLOP counts are equal
    assumptions: list[str] = field(default_factory=list)


def softmax_cost(n=N, d=D, m=M) -> Cost:
    """Q5(c): eq. (7), V′_i = Σ_j exp(Q_iᵀK_j/√D) V_j / Σ_j exp(Q_iᵀK_j/√D), all i."""
    ops = {
        "scores QKᵀ: multiplies": n * n * d,
        "scores QKᵀ: adds": n * n * (d - 1),
        "scale by 1/√D": n * n,
        "exp": n * n,
        "row sums of sim": n * (n - 1),
        "sim·V: multiplies": n * n * m,
        "sim·V: adds": n * (n - 1) * m,
        "divide by row sum": n * m,
    }
    mem = {"Q": n * d, "K": n * d, "V": n * m, "scores QKᵀ/√D": n * n,
           "sim = exp(scores)": n * n, "row sums": n, "output V′": n * m}
    return Cost(ops, mem, 2 * n * n * d + 2 * n * n * m)


def linear_cost(n=N, d=D, m=M) -> Cost:
    """Q5(d): eq. (8) with the compact quadratic map φ (dimension P = 1 + D + D(D+1)/2).

    φ(x) needs the D(D+1)/2 products x_a x_b (a ≤ b); the √2 weights are folded
    into S (P·(M+1) multiplies) instead of into every row.
    """
    P = compact_dim(d)
    ops = {
        "φ(Q), φ(K): products": 2 * n * d * (d + 1) / 2,
        "S = Σ φ(K_j)V_jᵀ: multiplies": n * P * m,
        "S: adds": (n - 1) * P * m,
        "z = Σ φ(K_j): adds": (n - 1) * P,
        "weights folded into S, z": P * (m + 1),
        "φ(Q_i)ᵀS: multiplies": n * P * m,
        "φ(Q_i)ᵀS: adds": n * (P - 1) * m,
        "φ(Q_i)ᵀz: multiplies": n * P,
        "φ(Q_i)ᵀz: adds": n * (P - 1),
        "divide": n * m,
    }
    mem = {"Q": n * d, "K": n * d, "V": n * m, "φ(Q)": n * P, "φ(K)": n * P,
           "S": P * m, "z": P, "numerator": n * m, "denominator": n, "output V′": n * m}
    # [S | z] = φ(K)ᵀ[V | 1] and [numerator | denominator] = φ(Q)[S | z]: 2NP(M+1) each
    return Cost(ops, mem, sp.expand(4 * n * P * (m + 1)))


def bigo(expr: sp.Expr, variables=BIGO_VARS, assume: dict | None = None) -> sp.Expr:
    """Argument of O(·): the monomials of ``expr`` not dominated by another one.

    All sizes are ≥ 1, so N·D dominates N and D; coefficients are dropped.
    ``assume`` substitutes relations such as {M: D} first.
    """
    e = sp.expand(expr.subs(assume or {}))
    vs = list(variables)
    poly = sp.Poly(e, *vs)
    monos = [mono for mono, coeff in poly.terms() if coeff != 0]
    keep = [a for a in monos
            if not any(b != a and all(x <= y for x, y in zip(a, b)) for b in monos)]
    return sp.Add(*[sp.Mul(*[v**e_ for v, e_ in zip(vs, mono)]) for mono in keep])


def derive() -> AttentionCost:
    sm, ln = softmax_cost(), linear_cost()
    roots = sp.solve(sp.Eq(sm.flops, ln.flops), N)
    # the positive root (the other is ≤ 0 for all D, M ≥ 1)
    pos = [r for r in roots if (r.subs({D: 16, M: 16}) > 0) is sp.true]
    crossover = sp.simplify(pos[0]) if pos else sp.nan
    return AttentionCost(
        softmax=sm, linear=ln, P=sp.expand(compact_dim()),
        softmax_time_bigo=bigo(sm.flops), softmax_space_bigo=bigo(sm.memory),
        linear_time_bigo=bigo(ln.flops), linear_space_bigo=bigo(ln.memory),
        linear_time_bigo_md=bigo(ln.flops, assume={M: D}),
        linear_space_bigo_md=bigo(ln.memory, assume={M: D}),
        crossover=crossover,
        assumptions=["every size N, D, M ≥ 1 (so N·D dominates N and D)",
                     "memory = elements kept for backpropagation, including Q, K, V",
                     "one exp, multiply, add or divide = one FLOP"],
    )
