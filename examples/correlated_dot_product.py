"""E[qᵀk] and Var(qᵀk) when q and k are correlated coordinate-wise (a Q3 variant).

Model: q, k ∈ R^d; for each coordinate i the pair (q_i, k_i) is jointly Gaussian with
means μ_q, μ_k, standard deviations σ_q, σ_k and correlation ρ; the pairs are
independent across i. (Q3 of the homework is ρ = 0, μ_q = μ_k, σ_q = σ_k.)

1. derive E[qᵀk] and Var(qᵀk) with SymPy (``derivations.scaled_dot_product``);
2. confirm them by Monte Carlo (numpy and torch): every estimate within Z_MAX
   standard errors, seeds recorded;
3. property-test them with Hypothesis over (d, μ's, σ's, ρ), and refute a mutation:
   the variance formula that forgets the ρ terms (the independent-case formula).

Written only against the public API. Run: ``python examples/correlated_dot_product.py``.
"""

from __future__ import annotations

import sys

import sympy as sp
from hypothesis import strategies as st

from derivations.scaled_dot_product import d, dot_product_moments, rho
from hw7core.props import mutation_check, property_check
from numerics.montecarlo import Z_MAX, zscore
from numerics.scaled_dot_product import dot_moments_numpy, dot_moments_torch

SEED = 20240607
mq, mk = sp.symbols("mu_q mu_k", real=True)
sq, sk = sp.symbols("sigma_q sigma_k", positive=True)


def derive():
    """(E, Var) of qᵀk as SymPy expressions in d, μ_q, μ_k, σ_q, σ_k, ρ (shared means)."""
    mean, var = dot_product_moments(d, mq, mk, sq, sk, corr=rho)
    return sp.factor(mean.doit()), sp.expand(var.doit())


def formulas(mean, var):
    args = (d, mq, mk, sq, sk, rho)
    return sp.lambdify(args, mean, "math"), sp.lambdify(args, var, "math")


def moments_agree(mean_fn, var_fn, n=20_000):
    """The property: Monte Carlo (numpy, seeded by the case) within Z_MAX SEs of both."""
    def prop(case):
        dim, m_q, m_k, s_q, s_k, r, seed = case
        est = dot_moments_numpy(dim, m_q, s_q, n, seed=seed, mu_k=m_k, sigma_k=s_k, rho=r)
        zm = zscore(est.mean, est.mean_se, mean_fn(dim, m_q, m_k, s_q, s_k, r))
        zv = zscore(est.var, est.var_se, var_fn(dim, m_q, m_k, s_q, s_k, r))
        assert abs(zm) <= Z_MAX and abs(zv) <= Z_MAX, f"z = {zm:.2f}, {zv:.2f} at {case}"
    return prop


def cases():
    num = st.floats(-1.5, 1.5, allow_nan=False).map(lambda x: round(x, 3))
    sd = st.floats(0.3, 2.0, allow_nan=False).map(lambda x: round(x, 3))
    corr = st.floats(-0.95, 0.95, allow_nan=False).map(lambda x: round(x, 3))
    return st.tuples(st.integers(1, 32), num, num, sd, sd, corr, st.integers(0, 2**31 - 1))


def main() -> int:
    mean, var = derive()
    print("E[qᵀk]   =", mean)
    print("Var(qᵀk) =", var)
    # sanity of the derivation itself: ρ = 0 gives the independent case, ρ = 1 with equal
    # laws gives q = k, where qᵀk = ‖q‖² and Var = d(2σ⁴ + 4μ²σ²)
    indep_mean, indep_var = dot_product_moments(d, mq, mk, sq, sk)
    ok = sp.simplify(var.subs(rho, 0) - indep_var.doit()) == 0
    ok &= sp.simplify(mean.subs(rho, 0) - indep_mean.doit()) == 0
    same = var.subs({rho: 1, mk: mq, sk: sq})
    ok &= sp.simplify(same - d * (2 * sq**4 + 4 * mq**2 * sq**2)) == 0
    print(f"symbolic checks (ρ = 0, ρ = 1): {'pass' if ok else 'FAIL'}")

    mean_fn, var_fn = formulas(mean, var)
    print(f"\nMonte Carlo (seed {SEED}, |z| ≤ {Z_MAX:g} standard errors):")
    for j, (dim, m_q, m_k, s_q, s_k, r) in enumerate([(16, 0.5, -0.3, 1.2, 0.7, 0.6),
                                                      (64, 0.0, 0.0, 1.0, 1.0, -0.8)]):
        for est in (dot_moments_numpy(dim, m_q, s_q, 100_000, seed=SEED + j, mu_k=m_k,
                                      sigma_k=s_k, rho=r),
                    dot_moments_torch(dim, m_q, s_q, 100_000, seed=SEED + j, mu_k=m_k,
                                      sigma_k=s_k, rho=r, device="cpu")):
            zm = zscore(est.mean, est.mean_se, mean_fn(dim, m_q, m_k, s_q, s_k, r))
            zv = zscore(est.var, est.var_se, var_fn(dim, m_q, m_k, s_q, s_k, r))
            good = abs(zm) <= Z_MAX and abs(zv) <= Z_MAX
            ok &= good
            print(f"  {est.backend:10s} d={dim} ρ={r}: E {est.mean:.4f} (z {zm:+.2f}), "
                  f"Var {est.var:.4f} (z {zv:+.2f}) {'pass' if good else 'FAIL'}")

    prop = property_check(moments_agree(mean_fn, var_fn), cases(), max_examples=25, seed=SEED)
    print(f"\nproperty: {prop.examples} generated cases, passed={prop.passed}")
    # the mutation: the independent-case variance (ρ terms forgotten) must be refuted
    wrong_var = sp.lambdify((d, mq, mk, sq, sk, rho), indep_var.doit(), "math")
    mut = mutation_check(moments_agree(mean_fn, wrong_var), cases(), max_examples=25,
                         seed=SEED)
    print(f"mutation (Var without the ρ terms): refuted={mut.refuted}, "
          f"counterexample={mut.counterexample}")
    ok &= prop.passed and mut.ok
    print("\nall checks pass" if ok else "\nSOME CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
