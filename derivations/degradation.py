"""Q6(a): signal through depth, plain chain vs residual chain.

With random W_l (i.i.d. entries, variance s²/n), E‖W h‖² = s²‖h‖² and the cross term of
‖(I+W)h‖² vanishes, so the squared norm after L layers obeys a(l+1) = s²·a(l) (plain) or
a(l+1) = (1+s²)·a(l) (residual). Solved with sympy.rsolve: s^{2L} (vanishes or explodes)
vs (1+s²)^L ≥ 1 (never vanishes; bounded by e^c when s² = c/L). The scalar chain shows why:
∏(1+w_l) expands to 1 + Σw_l + …, an identity path the plain product ∏w_l lacks.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

L = sp.Symbol("L", integer=True, nonnegative=True)
s = sp.Symbol("s", positive=True)
c = sp.Symbol("c", positive=True)


@dataclass
class Degradation:
    plain_gain: sp.Expr         # E‖h_L‖²/‖h_0‖², plain
    residual_gain: sp.Expr      # same, residual
    residual_limit: sp.Expr     # residual gain with s² = c/L as L → ∞
    plain_product: sp.Expr      # ∏ w_l, L = 4
    residual_product: sp.Expr   # expanded ∏(1 + w_l), L = 4
    residual_constant: sp.Expr  # its w-free term (the identity path): 1


def derive() -> Degradation:
    a = sp.Function("a")
    plain = sp.rsolve(a(L + 1) - s**2 * a(L), a(L), {a(0): 1})
    res = sp.rsolve(a(L + 1) - (1 + s**2) * a(L), a(L), {a(0): 1})
    lim = sp.limit(res.subs(s, sp.sqrt(c / L)), L, sp.oo)
    w = sp.symbols("w1:5")
    pp = sp.Mul(*w)
    rp = sp.expand(sp.Mul(*[1 + wi for wi in w]))
    return Degradation(sp.simplify(plain), sp.simplify(res), lim, pp, rp,
                       rp.subs({wi: 0 for wi in w}))
