"""Q6(b): when gradient accumulation reproduces the batch-32 gradient.

(i) For a per-sample-separable loss, mean over 32 = Σ_chunks (chunk mean)/accumulation_steps,
for every (batch_size, accumulation_steps) with product 32 (checked on 32 generic functions
ℓ_i(θ), gradient included). (ii) A BatchNorm output depends on the other batch members
(∂ŷ_1/∂x_2 ≠ 0), a LayerNorm output does not, so only LayerNorm keeps the loss separable.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

PAIRS = [(1, 32), (2, 16), (4, 8), (8, 4), (16, 2), (32, 1)]
theta = sp.Symbol("theta")


@dataclass
class GradientAccumulation:
    split_loss_gap: dict        # (b, a) -> mean32 − Σ chunk-mean/a   (0)
    split_grad_gap: dict        # same for d/dθ                       (0)
    bn_cross: sp.Expr           # ∂ BN(x)_1 / ∂ x_2, batch of 3 scalars
    bn_cross_at: sp.Expr        # its value at x = (1, 2, 4), eps = 0
    ln_cross: sp.Expr           # ∂ LN(x_1)_1 / ∂ x_2,k (other sample's features): 0
    bn_batch_one: sp.Expr       # BN of a batch of one value: x − mean = 0


def derive() -> GradientAccumulation:
    ell = [sp.Function(f"l{i}")(theta) for i in range(32)]
    full = sum(ell) / 32
    lg, gg = {}, {}
    for b, a in PAIRS:
        acc = sum(sum(ell[c * b:(c + 1) * b]) / b / a for c in range(a))
        lg[(b, a)] = sp.simplify(full - acc)
        gg[(b, a)] = sp.simplify(sp.diff(full, theta) - sp.diff(acc, theta))
    x = sp.symbols("x1:4", real=True)
    eps = sp.Symbol("epsilon", nonnegative=True)
    m = sum(x) / 3
    v = sum((xi - m) ** 2 for xi in x) / 3
    y1 = (x[0] - m) / sp.sqrt(v + eps)
    bn_cross = sp.simplify(sp.diff(y1, x[1]))
    at = sp.nsimplify(bn_cross.subs({x[0]: 1, x[1]: 2, x[2]: 4, eps: 0}))
    # LayerNorm of sample 1 (features u1..u3) never sees sample 2's features w1..w3
    u = sp.symbols("u1:4", real=True)
    w = sp.symbols("w1:4", real=True)
    mu = sum(u) / 3
    ln1 = (u[0] - mu) / sp.sqrt(sum((ui - mu) ** 2 for ui in u) / 3 + eps)
    ln_cross = sp.simplify(sp.diff(ln1, w[0]))
    z = sp.Symbol("z", real=True)
    return GradientAccumulation(lg, gg, bn_cross, sp.simplify(at), ln_cross, z - z / 1)
