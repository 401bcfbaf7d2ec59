"""Q4: argmax attention on the homework's instance, and why it cannot be trained.

The instance (keys, values, query) is the problem statement of Q4(a); its table was
lost from the extracted homework and is restored in the project notes from the public
versions of the homework. It is input data, not an answer: the scores, the selected
key and the output are computed here.

Q4(b) symbolically: softmax attention with inverse temperature β is a smooth
function of q with a non-zero Jacobian; its weights tend to the argmax one-hot as
β → ∞ (a SymPy limit); the argmax output is constant on the open region where the
selected key keeps the strictly largest score — a ball of positive radius around q —
so its derivative with respect to q (and likewise the keys) is exactly 0 there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

# Q4(a) problem statement (rows: k1..k4 and v1..v4)
KEYS = [[1, 2, 0], [0, 3, 4], [5, 0, 0], [0, 0, 1]]
VALUES = [[2, 0, 1], [1, 4, 3], [0, -1, 4], [1, 0, -1]]
QUERY = [1, 1, 2]

beta = sp.Symbol("beta", positive=True)


@dataclass
class ArgmaxAttention:
    keys: sp.Matrix
    values: sp.Matrix
    query: sp.Matrix
    scores: sp.Matrix            # K q
    weights: sp.Matrix           # one-hot argmax (lowest index on ties)
    index: int                   # 0-based selected key
    output: sp.Matrix            # Vᵀ weights
    softmax_weights: sp.Matrix   # softmax(β K q)
    softmax_limit: sp.Matrix     # lim β→∞ softmax weights
    softmax_jacobian: sp.Matrix  # d(softmax output)/dq at the instance, β = 1
    margin: sp.Expr              # smallest score gap to the winner
    radius: sp.Expr              # ‖Δq‖ below which the winner cannot change
    argmax_jacobian: sp.Matrix   # d(argmax output)/dq on that ball: zeros
    assumptions: list[str] = field(default_factory=list)


def argmax_onehot(scores: sp.Matrix) -> tuple[sp.Matrix, int]:
    """One-hot of the largest score; ties go to the lowest index (the convention of
    ``numerics.argmax_attention``)."""
    best = max(range(len(scores)), key=lambda t: (scores[t], -t))
    return sp.Matrix([1 if t == best else 0 for t in range(len(scores))]), best


def derive(keys=None, values=None, query=None) -> ArgmaxAttention:
    """Q4(a), Q4(b) on the homework instance (or another instance)."""
    K = sp.Matrix(keys or KEYS)
    V = sp.Matrix(values or VALUES)
    q0 = sp.Matrix(query or QUERY)
    scores = K * q0
    w, best = argmax_onehot(scores)
    out = V.T * w

    qs = sp.Matrix(sp.symbols(f"q1:{K.shape[1] + 1}", real=True))
    ex = (beta * K * qs).applyfunc(sp.exp)
    sw = ex / sum(ex)
    sw0 = sw.subs(dict(zip(qs, q0)))
    limit = sw0.applyfunc(lambda e: sp.limit(e, beta, sp.oo))
    soft_out = V.T * sw.subs(beta, 1)
    jac = sp.simplify(soft_out.jacobian(qs).subs(dict(zip(qs, q0))))

    # the winner stays the winner while every gap (k_best − k_t)ᵀq stays > 0;
    # |Δgap| ≤ ‖Δq‖·‖k_best − k_t‖, hence the radius below
    gaps = [scores[best] - scores[t] for t in range(len(scores)) if t != best]
    norms = [(K.row(best) - K.row(t)).norm() for t in range(len(scores)) if t != best]
    margin = min(gaps)
    radius = sp.nsimplify(min(g / n for g, n in zip(gaps, norms)))
    # on that ball the argmax output is the constant V_best: its Jacobian
    arg_jac = sp.Matrix(V.row(best)).T.jacobian(qs)
    return ArgmaxAttention(K, V, q0, scores, w, best, out, sw0, limit, jac, margin, radius,
                           arg_jac,
                           assumptions=["scores are the plain dot products qᵀk_i (no scaling)",
                                        "ties: the lowest key index wins"])
