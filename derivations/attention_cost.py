"""Q5(c), Q5(d): exact cost polynomials of softmax and polynomial-kernel linear attention.

Counts are built operation by operation (multiplies, adds, divides, exps) as SymPy
polynomials in N (sequence length), D (query/key width), M (value width). Memory is
the number of elements kept for backpropagation, *including Q, K, V* (the homework's
note to Q5(c)). Big-O forms keep the monomials not dominated by another monomial
(every size ≥ 1), coefficients dropped. The matmul-only FLOP polynomials (2·m·n·k per
product, the convention of ``torch.utils.flop_counter``) are what the implementation
in ``numerics.kernel_attention`` is checked against exactly.

The homework's kernel is quadratic (p = 2); :func:`derive` takes any degree p, whose
compact map has P = C(D + p, p) entries (the full map Σ_{j≤p} D^j): linear attention
then costs O(N D^p M) time. The offset c of (qᵀk + c)^p does not change any count (its
powers are part of the weights, folded into S and z).

Source: Katharopoulos et al., "Transformers are RNNs" (ICML 2020), eq. (8); the
homework, Q5(c), Q5(d).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sympy as sp

from derivations.kernel_attention import kernel_degree, kernel_offset
from hw7core.errors import InputError

__all__ = ["N", "D", "M", "BIGO_VARS", "Cost", "AttentionCost", "compact_dim", "full_dim",
           "softmax_cost", "linear_cost", "bigo", "crossover", "derive"]

N, D, M = sp.symbols("N D M", positive=True, integer=True)
BIGO_VARS = (N, D, M)


def compact_dim(d=D, degree: int = 2) -> sp.Expr:
    """Dimension P of the compact degree-p feature map: Σ_{j=0}^{p} C(D + j − 1, j) = C(D + p, p).

    The j-th term counts the monomials of degree j in D variables, D(D+1)⋯(D+j−1)/j!;
    for p = 2 it is 1 + D + D(D+1)/2. ``d`` may be a symbol or an int; InputError for
    a degree that is not an integer in 1..8.

    >>> compact_dim(D, 3).factor()
    (D + 1)*(D + 2)*(D + 3)/6
    >>> compact_dim(16)
    153
    """
    degree = kernel_degree(degree)
    return sum((sp.Mul(*[d + r for r in range(jj)]) / sp.factorial(jj)
                for jj in range(1, degree + 1)), sp.Integer(1))


def full_dim(d=D, degree: int = 2) -> sp.Expr:
    """Dimension of the full degree-p map (tensor powers): Σ_{j=0}^{p} D^j.

    >>> full_dim(D, 2)
    D**2 + D + 1
    """
    degree = kernel_degree(degree)
    return sum((d ** jj for jj in range(1, degree + 1)), sp.Integer(1))


@dataclass(frozen=True)
class Cost:
    """Exact counts of one attention computation (SymPy polynomials in N, D, M).

    ops: step -> FLOPs (one exp, multiply, add or divide = 1); memory_terms: tensor kept
    for backprop -> elements; matmul_flops: 2·m·n·k per matrix product, what
    ``torch.utils.flop_counter.FlopCounterMode`` counts for the stock-torch path.
    """

    ops: dict[str, sp.Expr]          # category -> count
    memory_terms: dict[str, sp.Expr]  # tensor kept for backprop -> elements
    matmul_flops: sp.Expr            # 2mnk per matmul, as FlopCounterMode counts

    @property
    def flops(self) -> sp.Expr:
        """Total FLOPs, expanded."""
        return sp.expand(sum(self.ops.values()))

    @property
    def memory(self) -> sp.Expr:
        """Total elements kept for backpropagation (including Q, K, V), expanded."""
        return sp.expand(sum(self.memory_terms.values()))


@dataclass(frozen=True)
class AttentionCost:
    """Q5(c), Q5(d) at kernel degree p: both costs, their Big-O forms and the crossover.

    ``linear``/``P`` use the compact map, ``linear_full``/``P_full`` the full map; the
    ``*_md`` forms substitute M ≈ D.
    """

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
    degree: int = 2                  # p
    offset: sp.Expr = sp.Integer(1)  # c (changes no count)
    linear_full: Cost | None = None  # eq. (8) with the full map
    P_full: sp.Expr = sp.Integer(0)
    assumptions: list[str] = field(default_factory=list)


def _sizes(**sizes) -> tuple:
    """The sizes as SymPy objects; a number must be an integer ≥ 1 (InputError otherwise:
    n = -1 gave negative counts), a symbol passes."""
    out = []
    for name, v in sizes.items():
        v = sp.sympify(v, strict=True)
        if v.is_number and not (v.is_integer and v >= 1):
            raise InputError(f"{name} must be an integer ≥ 1, got {v}")
        if v.is_positive is False:
            raise InputError(f"{name} must be positive, got {v}")
        out.append(v)
    return tuple(out)


def softmax_cost(n=N, d=D, m=M) -> Cost:
    """Q5(c): eq. (7), V′_i = Σ_j exp(Q_iᵀK_j/√D) V_j / Σ_j exp(Q_iᵀK_j/√D), all i.

    Q (N, D), K (N, D), V (N, M), one head; multiply by batch × heads for more.

    >>> softmax_cost().matmul_flops
    2*D*N**2 + 2*M*N**2
    """
    n, d, m = _sizes(n=n, d=d, m=m)
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


def linear_cost(n=N, d=D, m=M, degree: int = 2, *, full: bool = False) -> Cost:
    """Q5(d): eq. (8) with the compact degree-p map φ (dimension P = C(D + p, p)), or the
    full map (``full=True``, P = Σ_{j≤p} D^j).

    Each feature of degree j ≥ 2 is one multiply from a feature of degree j − 1
    (P − 1 − D products per row; D(D+1)/2 for p = 2); the weights (√2 for p = 2) are folded
    into S and z (P·(M+1) multiplies) instead of into every row. Q (N, D), K (N, D),
    V (N, M), one head. InputError for a degree that is not an integer in 1..8.

    >>> linear_cost(degree=3).matmul_flops.subs({N: 1, D: 1, M: 1})
    32
    """
    n, d, m = _sizes(n=n, d=d, m=m)
    P = full_dim(d, degree) if full else compact_dim(d, degree)
    ops = {
        "φ(Q), φ(K): products": 2 * n * (P - 1 - d),
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

    >>> bigo(linear_cost(degree=3).flops)
    D**3*M*N
    """
    if not isinstance(expr, sp.Expr):   # a string was an AttributeError
        raise InputError(f"bigo takes a SymPy expression in {', '.join(map(str, variables))}, "
                         f"got {type(expr).__name__}")
    e = sp.expand(expr.subs(assume or {}))
    vs = list(variables)
    stray = sorted(map(str, e.free_symbols - set(vs)))
    if stray:   # bigo(-N) with another N symbol returned 1: it was read as a coefficient
        raise InputError(f"bigo: {', '.join(stray)} are not among the size variables "
                         f"{', '.join(map(str, vs))} (same names and assumptions)")
    poly = sp.Poly(e, *vs)
    monos = [mono for mono, coeff in poly.terms() if coeff != 0]
    keep = [a for a in monos
            if not any(b != a and all(x <= y for x, y in zip(a, b)) for b in monos)]
    coeffs = dict(poly.terms())
    if any(coeffs[a] < 0 for a in keep):   # a count that goes negative has no O(·)
        raise InputError(f"bigo: {sp.sstr(expr)} has a negative leading term; it is not a cost")
    return sp.Add(*[sp.Mul(*[v**e_ for v, e_ in zip(vs, mono)]) for mono in keep])


def crossover(slow: Cost, fast: Cost, *, matmul_only: bool = False) -> sp.Expr:
    """N* > 0 where the two FLOP counts are equal (NaN when there is no positive root).

    ``matmul_only``: compare the matmul FLOPs (what FlopCounterMode counts) instead of
    all operations.

    >>> sp.factor(crossover(softmax_cost(), linear_cost()))
    (D + 1)*(4*D*M + 5*D + 8*M + 6)/(4*(D + M + 1))
    >>> sp.factor(crossover(softmax_cost(), linear_cost(), matmul_only=True))
    (D + 1)*(D + 2)*(M + 1)/(D + M)
    """
    a, b = ((slow.matmul_flops, fast.matmul_flops) if matmul_only else (slow.flops, fast.flops))
    roots = sp.solve(sp.Eq(a, b), N)
    # the positive root (the other is ≤ 0 for all D, M ≥ 1)
    pos = [r for r in roots if (r.subs({D: 16, M: 16}) > 0) is sp.true]
    return sp.simplify(pos[0]) if pos else sp.nan


def derive(degree: int = 2, offset=1) -> AttentionCost:
    """Q5(c), Q5(d) for the kernel (qᵀk + c)^p (default p = 2, c = 1: the homework).

    Cached per (p, c) and frozen. InputError for p not an integer in 1..8 or c not ≥ 0.
    Source: Katharopoulos et al. (2020), eq. (8); the homework, Q5(c), Q5(d).

    >>> der = derive(3)
    >>> der.linear_time_bigo, der.linear_space_bigo_md
    (D**3*M*N, D**4 + D**3*N)
    """
    return _derive(kernel_degree(degree), kernel_offset(offset))


@functools.cache
def _derive(degree: int, offset: sp.Expr) -> AttentionCost:
    sm, ln = softmax_cost(), linear_cost(degree=degree)
    assumptions = ["every size N, D, M ≥ 1 (so N·D dominates N and D)",
                   "memory = elements kept for backpropagation, including Q, K, V",
                   "one exp, multiply, add or divide = one FLOP"]
    if (degree, offset) != (2, 1):
        assumptions.append(f"kernel (qᵀk + c)^p with p = {degree}, c = {sp.sstr(offset)}: "
                           f"compact map of C(D + {degree}, {degree}) entries")
    return AttentionCost(
        softmax=sm, linear=ln, P=sp.expand(compact_dim(D, degree)),
        softmax_time_bigo=bigo(sm.flops), softmax_space_bigo=bigo(sm.memory),
        linear_time_bigo=bigo(ln.flops), linear_space_bigo=bigo(ln.memory),
        linear_time_bigo_md=bigo(ln.flops, assume={M: D}),
        linear_space_bigo_md=bigo(ln.memory, assume={M: D}),
        crossover=crossover(sm, ln), degree=degree, offset=offset,
        linear_full=linear_cost(degree=degree, full=True),
        P_full=sp.expand(full_dim(D, degree)), assumptions=assumptions,
    )
