"""Cubic-kernel attention: sim(q, k) = (qᵀk + 1)³ — derived, costed, confirmed.

A derivation script written only against the toolkit's public API (issue 13, example (a)):

1. **derive** the feature map φ with φ(q)ᵀφ(k) = (qᵀk + 1)³ — proven by SymPy for a
   symbolic width D — and its dimension C(D + 3, 3);
2. **cost** eq. (8) with it: the exact FLOP and memory polynomials, their Big-O forms and
   the sequence length N* beyond which it needs fewer FLOPs than softmax attention;
3. **confirm**: the identity on random vectors (Hypothesis, with a wrong φ refuted),
   linear attention (8) against explicit attention (6) computed with the kernel itself,
   and the FLOP polynomial against ``FlopCounterMode`` on both sides of the crossover.

Run: ``python examples/cubic_kernel_attention.py`` (exit 0 when every check passes).
Source: Katharopoulos et al., "Transformers are RNNs" (ICML 2020), eq. (8); the homework,
Q5(b)–(d), with degree 3 in place of 2.
"""

from __future__ import annotations

import sys

import sympy as sp
import torch
from hypothesis import strategies as st

from derivations import attention_cost, kernel_attention
from hw7core.props import mutation_check, property_check
from numerics.attention_cost import flops_vs_polynomial, random_qkv
from numerics.kernel_attention import (
    explicit_kernel_attention,
    feature_identity_error,
    linear_attention,
    polynomial_feature_map,
    polynomial_features,
    softmax_attention,
)

P_DEG, OFFSET = 3, 1          # the kernel (qᵀk + 1)³
D_, M_ = 16, 16               # the head widths the numbers are quoted at
SEED = 0
failures: list[str] = []


def check(what: str, ok: bool, detail: str = "") -> None:
    print(f"  [{'pass' if ok else 'FAIL'}] {what}" + (f": {detail}" if detail else ""))
    if not ok:
        failures.append(what)


# ----------------------------------------------------------------------- 1. derive φ
print(f"1. Feature map of sim(q, k) = (qᵀk + {OFFSET})^{P_DEG}")
der = kernel_attention.derive(P_DEG, OFFSET)
D = kernel_attention.D
print("   sim =", der.sim)
print("   φ(x) for D = 2:", der.phi(2))
print("   dimension: compact", sp.factor(der.dim_compact), "| full", der.dim_full)
check("φ(q)ᵀφ(k) = (qᵀk + 1)³ proven for symbolic D (compact map: induction on D; "
      "full map: Sum manipulation) and expanded for D = 1..4", der.proven)
check("compact dimension is C(D + 3, 3)",
      sp.expand(der.dim_compact - sp.binomial(D + P_DEG, P_DEG).expand(func=True)) == 0,
      f"{der.feature_dim(D_)} at D = {D_}")

# ----------------------------------------------------------------------- 2. cost
print("\n2. Cost of eq. (8) with the cubic map (N queries/keys, widths D, M)")
cost = attention_cost.derive(P_DEG, OFFSET)
N, Dc, M = attention_cost.N, attention_cost.D, attention_cost.M
print("   FLOPs  :", cost.linear.flops)
print("   memory :", cost.linear.memory, "(elements kept for backprop, incl. Q, K, V)")
print(f"   time O({cost.linear_time_bigo}), space O({cost.linear_space_bigo}); "
      f"softmax: time O({cost.softmax_time_bigo}), space O({cost.softmax_space_bigo})")
nstar = cost.crossover
nstar_16 = float(nstar.subs({Dc: D_, M: M_}))
print("   crossover N* =", sp.factor(nstar), f"≈ {nstar_16:.0f} at D = M = {D_}")
check("time is O(N D^3 M)", cost.linear_time_bigo == N * Dc**3 * M)
at = {Dc: D_, M: M_}
check("softmax and linear FLOPs are equal at N* and ordered on either side",
      sp.simplify((cost.softmax.flops - cost.linear.flops).subs(N, nstar)) == 0
      and (cost.softmax.flops - cost.linear.flops).subs(at).subs(N, int(nstar_16) + 1) > 0
      and (cost.softmax.flops - cost.linear.flops).subs(at).subs(N, int(nstar_16)) < 0)

# ----------------------------------------------------------------------- 3. confirm
print("\n3. Confirmation")
phi = polynomial_feature_map(P_DEG, float(OFFSET))


def identity_holds(make_phi):
    """The property: φ(q)ᵀφ(k) = (qᵀk + 1)³ within the round-off bound of the data's scale."""
    def prop(case):
        seed, d, rows = case
        g = torch.Generator().manual_seed(seed)
        q, k = 2 * torch.randn(2, rows, d, generator=g, dtype=torch.float64)
        err, bound = feature_identity_error(make_phi, q, k, P_DEG, float(OFFSET))
        assert bool((err <= bound).all()), f"error {float((err / bound).max()):.3g}× the bound"
    return prop


cases = st.tuples(st.integers(0, 2**31 - 1), st.integers(1, 24), st.integers(1, 8))
res = property_check(identity_holds(phi), cases, max_examples=50, seed=SEED)
check("identity on random q, k (Hypothesis, D ≤ 24)", res.passed,
      f"{res.examples} cases, seed {res.seed}")


def phi_without_sqrt(x):
    """A wrong map: the multinomial weights without their square root."""
    ones = torch.ones_like(x)
    return polynomial_features(x, P_DEG, OFFSET) * polynomial_features(ones, P_DEG, OFFSET)


mut = mutation_check(identity_holds(phi_without_sqrt), cases, max_examples=50, seed=SEED)
check("mutation: φ without the √ of the multinomial coefficients is refuted", mut.ok,
      f"counterexample {mut.counterexample}")

# Non-negative Q, K make every feature non-negative, so the sums of eq. (8) have no
# cancellation and float64 round-off has a simple rigorous bound (Higham, *Accuracy and
# Stability of Numerical Algorithms*, §3.1): numerator and denominator within γ = (P + N +
# p + 2)·u of their exact values, relative; the quotient within 2γ·(max|V| + |V′|), and the
# explicit reference obeys the same, hence the factor 2 below.
n_att, d_att, m_att = 512, 8, 8
Q, K, V = random_qkv(n_att, d_att, m_att, heads=2, dtype=torch.float64, seed=SEED)
Q, K = Q.abs(), K.abs()
lin = linear_attention(Q, K, V, feature_map=phi)
ref = explicit_kernel_attention(Q, K, V, feature_map=phi)       # (QKᵀ + 1)³ directly, N × N
gamma = (phi.dim(d_att) + n_att + P_DEG + 2) * torch.finfo(torch.float64).eps / 2
bound = 2 * 2 * gamma * (V.abs().amax(dim=-2, keepdim=True) + ref.abs())
excess = float(((lin - ref).abs() / bound).max())
check(f"linear attention (8) == explicit attention (6) with the kernel, float64, "
      f"N = {n_att}, D = M = {d_att}, 2 heads, within the round-off bound", excess <= 1.0,
      f"max error {float((lin - ref).abs().max()):.2e} = {excess:.3f}× the bound")

for n, d, m in [(7, 3, 2), (64, 5, 4), (300, 16, 16)]:
    counted, expected = flops_vs_polynomial(linear_attention, cost.linear.matmul_flops, n, d, m,
                                            heads=2, backend="torch", feature_map=phi)
    check(f"FlopCounterMode count == 2·4NP(M+1) at N={n}, D={d}, M={m} (2 heads)",
          counted == expected, f"{counted} vs {expected}")

n_mm = float(attention_cost.crossover(cost.softmax, cost.linear, matmul_only=True).subs(at))
lo, hi = int(n_mm) - 1, int(n_mm) + 2
s_lo = flops_vs_polynomial(softmax_attention, cost.softmax.matmul_flops, lo, D_, M_)
s_hi = flops_vs_polynomial(softmax_attention, cost.softmax.matmul_flops, hi, D_, M_)
l_lo = flops_vs_polynomial(linear_attention, cost.linear.matmul_flops, lo, D_, M_,
                           backend="torch", feature_map=phi)
l_hi = flops_vs_polynomial(linear_attention, cost.linear.matmul_flops, hi, D_, M_,
                           backend="torch", feature_map=phi)
check(f"counted matmul FLOPs cross at N ≈ {n_mm:.0f} (D = M = {D_}): softmax fewer at N = {lo}, "
      f"linear fewer at N = {hi}",
      s_lo[0] < l_lo[0] and s_hi[0] > l_hi[0] and all(a == b for a, b in (s_lo, s_hi, l_lo, l_hi)),
      f"{s_lo[0]} < {l_lo[0]}, {s_hi[0]} > {l_hi[0]}")

print("\n" + ("all checks passed" if not failures else f"{len(failures)} check(s) FAILED"))
sys.exit(1 if failures else 0)
