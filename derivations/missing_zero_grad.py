"""Q6(c): the training loop that calls ``optimizer.zero_grad()`` once, outside the loop.

``loss.backward()`` *adds* into ``.grad``, so the buffer obeys the recurrence
G_t = G_{t-1} + g_t, G_0 = 0, and SGD steps θ_t = θ_{t-1} − lr·G_t = θ_{t-1} − lr·Σ_{s≤t} g_s:
SGD with momentum 1 and no friction. On a quadratic f(θ) = hθ²/2 the (θ, G) update is a
linear map whose determinant is exactly 1, so it can never contract to the minimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

lr, h = sp.symbols("lr h", positive=True)


@dataclass
class MissingZeroGrad:
    steps: int
    grads: list                 # per-step gradients g_1..g_T (symbols)
    buffers: list               # G_t produced by iterating the buggy loop
    buffer_minus_sum: list      # G_t − Σ_{s≤t} g_s  (all zero)
    theta_T: sp.Expr            # θ_T after T buggy steps from θ_0
    weights: dict               # coefficient of g_s in (θ_0 − θ_T)/lr: T − s + 1
    buggy_map: sp.Matrix        # (θ, G) update on f = hθ²/2
    buggy_det: sp.Expr          # det = 1
    buggy_eigs: list
    fixed_factor: sp.Expr       # correct loop: θ_t = (1 − lr h) θ_{t-1}
    assumptions: list[str] = field(default_factory=list)


def derive(steps: int = 6) -> MissingZeroGrad:
    g = list(sp.symbols(f"g1:{steps + 1}"))
    theta0 = sp.Symbol("theta0")
    G, theta, buffers = sp.Integer(0), theta0, []
    for gt in g:                       # the buggy loop, step by step
        G = G + gt                     # backward() accumulates into .grad
        theta = theta - lr * G         # optimizer.step()
        buffers.append(G)
    diffs = [sp.simplify(buffers[t] - sum(g[: t + 1])) for t in range(steps)]
    moved = sp.expand((theta0 - theta) / lr)
    weights = {str(gs): moved.coeff(gs) for gs in g}
    th, Gs = sp.symbols("theta G")
    # one buggy step on f = hθ²/2 (g = hθ): G' = G + hθ, θ' = θ − lr G'
    G_new = Gs + h * th
    th_new = th - lr * G_new
    M = sp.Matrix([[sp.diff(th_new, th), sp.diff(th_new, Gs)],
                   [sp.diff(G_new, th), sp.diff(G_new, Gs)]])
    return MissingZeroGrad(
        steps, g, buffers, diffs, sp.expand(theta), weights, M, sp.simplify(M.det()),
        list(M.eigenvals()), 1 - lr * h,
        ["backward() adds into .grad (PyTorch semantics)", "plain SGD, no momentum/weight decay",
         "quadratic model f = hθ²/2 for the stability statement"])
