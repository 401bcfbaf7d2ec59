"""Answer-key sections for Q5(a) (when eq. (6) stays finite) and Q5(b) (quadratic kernel,
its feature maps, attention rewritten with φ), confirmed by the torch implementation."""

from __future__ import annotations

import math

import sympy as sp
import torch
from hypothesis import strategies as st

from derivations import kernel_attention as der_mod
from hw7.errors import InputError
from hw7.props import property_check
from hw7.registry import Answer, Check, Context, section
from numerics import kernel_attention as num

RESULT = "kernel_attention"
F64_RTOL = 1e-10     # float64 round-off on sums of O(N) positive terms, N ≤ 64


def _derived(ctx: Context) -> der_mod.KernelAttention:
    return ctx.cached("q5ab.derive", der_mod.derive)


# ---------------------------------------------------------------- properties (shared with tests)
def attention_cases():
    """(seed, batch, heads, N, D, M, map, causal)."""
    return st.tuples(st.integers(0, 2**31 - 1), st.integers(1, 2), st.integers(1, 3),
                     st.integers(1, 40), st.integers(1, 8), st.integers(1, 6),
                     st.sampled_from(num.FEATURE_MAPS), st.booleans())


def make_qkv(seed, b, h, n, d, m, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    Q = torch.randn(b, h, n, d, generator=g, dtype=dtype) / math.sqrt(d)
    K = torch.randn(b, h, n, d, generator=g, dtype=dtype) / math.sqrt(d)
    V = torch.randn(b, h, n, m, generator=g, dtype=dtype)
    return Q, K, V


def roundoff_bound(Q, K, V, fmap: str, causal: bool, dtype) -> torch.Tensor:
    """First-order bound on |eq. (8) evaluated in ``dtype`` − exact|, per output entry.

    Eq. (8) computes φ(q_i)ᵀ(Σ_j φ(k_j) v_jᵀ) and φ(q_i)ᵀ(Σ_j φ(k_j)): nested sums of
    P + N terms, so each computed value is within γ = (P + N + 4)·u (u = unit round-off;
    +4 for forming the features and the division) of the sums of the absolute terms
    (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1/§3.5):
        |δnum_im| ≤ γ Σ_j A_ij |v_jm|,   |δden_i| ≤ γ Σ_j A_ij,   A_ij = |φ(q_i)|ᵀ|φ(k_j)|,
    and out = num/den gives |δout_im| ≤ γ (Σ_j A_ij |v_jm| + |out_im| Σ_j A_ij) / den_i.
    A_ij ≥ sim_ij, with equality for non-negative maps (elu + 1). For the quadratic kernel
    near qᵀk = −1 the features cancel: sim → 0 while A does not, and float32 loses digits
    there by necessity — the bound says how many. The factor 2 covers the float64
    reference's own round-off, which obeys the same bound in float64.
    """
    _, f = num.feature_map(fmap)
    fq, fk = f(Q.double()), f(K.double())
    A = fq.abs() @ fk.abs().transpose(-1, -2)
    S = fq @ fk.transpose(-1, -2)
    if causal:
        keep = torch.ones(S.shape[-2:], dtype=torch.bool).tril()
        A, S = A * keep, S * keep
    den = S.sum(-1, keepdim=True)
    out = (S @ V.double()) / den
    u = torch.finfo(dtype).eps / 2
    gamma = (fq.shape[-1] + K.shape[-2] + 4) * u
    return 2 * gamma * (A @ V.double().abs() + out.abs() * A.sum(-1, keepdim=True)) / den


def linear_matches_explicit(linear=num.linear_attention, dtype=torch.float64):
    """eq. (8) (linear, chunked/causal prefix sums) == eq. (6) computed as an N×N matrix,
    entry by entry within :func:`roundoff_bound` for ``dtype``."""
    def prop(case):
        seed, b, h, n, d, m, fmap, causal = case
        Q, K, V = make_qkv(seed, b, h, n, d, m, dtype)
        got = linear(Q, K, V, feature_map_name=fmap, causal=causal, chunk=7)
        ref = num.explicit_kernel_attention(Q.double(), K.double(), V.double(),
                                            feature_map_name=fmap, causal=causal)
        bound = roundoff_bound(Q, K, V, fmap, causal, dtype)
        excess = float(((got.double() - ref).abs() / bound.clamp_min(1e-300)).max())
        assert excess <= 1.0, (f"error {excess:.3g}× the round-off bound ({fmap}, "
                               f"causal={causal}, {dtype})")
    return prop


def kernel_identity(features=num.quadratic_features):
    """φ(q)ᵀφ(k) == (qᵀk + 1)² in float64, for the given map."""
    def prop(case):
        seed, d = case
        g = torch.Generator().manual_seed(seed)
        q, k = torch.randn(2, 7, d, generator=g, dtype=torch.float64)
        lhs = (features(q) * features(k)).sum(-1)
        rhs = ((q * k).sum(-1) + 1) ** 2
        assert torch.allclose(lhs, rhs, rtol=1e-12, atol=1e-12), f"max diff {(lhs - rhs).abs().max()}"
    return prop


def products_without_sqrt2(x):
    """Mutation: the compact map without the √2 weights."""
    xt = torch.cat([torch.ones_like(x[..., :1]), x], dim=-1)
    a, b = torch.triu_indices(xt.shape[-1], xt.shape[-1])
    return xt[..., a] * xt[..., b]


def causal_ignored(Q, K, V, *, feature_map_name, causal, chunk):
    """Mutation: the causal flag dropped (prefix sums replaced by full sums)."""
    return num.linear_attention(Q, K, V, feature_map_name=feature_map_name, causal=False,
                                chunk=chunk)


def kernel_cases():
    return st.tuples(st.integers(0, 2**31 - 1), st.integers(1, 24))


# ---------------------------------------------------------------- q5a
@section("q5a", title="When the generalised attention (6) stays finite", question="Q5(a)",
         result=RESULT)
def q5a(ctx: Context, ans: Answer) -> None:
    der = _derived(ctx)
    cx = der.counterexample
    ans.latex = der.condition_latex
    ans.explanation = (
        "V′_i is finite exactly when its denominator Σ_j sim(Q_i, K_j) is non-zero for every "
        "query. A similarity that is non-negative for all arguments and positive for at least "
        "one key (e.g. exp(qᵀk/√D) > 0, or a kernel φ(q)ᵀφ(k) with φ ≥ 0, or (qᵀk + 1)²"
        " away from qᵀk = −1) guarantees it; then V′_i is a convex combination of the values. "
        f"A sign-changing sim fails: with sim = {cx['sim']}, q = {cx['q']} and keys "
        f"{cx['keys']} the similarities are {sp.sstr(cx['sims'])} and the denominator is "
        f"{sp.sstr(cx['denominator'])}.")
    ans.derivation.append(("counterexample: sim = qᵀk, denominator",
                           sp.latex(sp.Add(*cx["sims"], evaluate=False)) + " = "
                           + sp.latex(cx["denominator"])))
    ans.checks.append(Check("symbolic", "denominator of (6) for the counterexample is 0",
                            sp.sstr(cx["denominator"]), None, cx["denominator"] == 0))
    ans.data["counterexample"] = {k: (sp.sstr(v) if not isinstance(v, str) else v)
                                  for k, v in cx.items()}
    if not ctx.numeric:
        return
    q = torch.tensor([[float(x) for x in cx["q"]]], dtype=torch.float64)
    keys = torch.tensor([[float(x) for x in kk] for kk in cx["keys"]], dtype=torch.float64)
    vals = torch.tensor([[1.0], [2.0]], dtype=torch.float64)
    sims = q @ keys.T
    with torch.no_grad():
        raw = (sims @ vals) / sims.sum(-1, keepdim=True)      # eq. (6) computed naively
    ans.checks.append(Check("numeric", "naive eq. (6) with sim = qᵀk on the counterexample is "
                            "non-finite", str(raw.flatten().tolist()), "not finite",
                            not bool(torch.isfinite(raw).all())))
    msgs = {}
    for name, fm in (("identity map φ(x) = x (negative features)", lambda x: x),
                     ("negated elu+1 map", lambda x: -num.elu_features(x))):
        try:
            num.linear_attention(q, keys, vals, feature_map_name=fm, device=ctx.device)
            msgs[name] = None
        except InputError as exc:
            msgs[name] = str(exc)
    ans.checks.append(Check("numeric", "the implementation refuses feature maps with negative "
                            "values (InputError, one line) instead of returning NaN", msgs,
                            "InputError", all(m and "\n" not in m for m in msgs.values())))
    Q, K, V = make_qkv(ctx.seed, 2, 2, 64, 5, 3)
    sims_q = num.quadratic_kernel(Q @ K.transpose(-1, -2))
    fe = num.elu_features(torch.cat([Q, K], -2))
    ans.checks.append(Check("numeric", f"random inputs (seed {ctx.seed}): min quadratic sim ≥ 0 "
                            "and min elu+1 feature > 0",
                            {"min (qᵀk+1)²": float(sims_q.min()), "min elu+1": float(fe.min())},
                            "≥ 0, > 0", float(sims_q.min()) >= 0 and float(fe.min()) > 0))


# ---------------------------------------------------------------- q5b
@section("q5b", title="Quadratic kernel attention: sim, feature map φ, attention with φ",
         question="Q5(b)", result=RESULT)
def q5b(ctx: Context, ans: Answer) -> None:
    der = _derived(ctx)
    ans.latex = (r"\mathrm{sim}(q,k) = " + sp.latex(der.quadratic_kernel) + r";\quad "
                 + der.feature_compact_latex + r";\quad " + der.rewritten_latex)
    ans.expr = sp.sstr(der.quadratic_kernel)
    ans.symbols = {"q[i], k[i]": "coordinates of q and k", "D": "width of q and k"}
    ans.derivation += [
        ("(i) polynomial kernel, degree p, offset c", sp.latex(der.polynomial_kernel)),
        ("(i) quadratic: p = 2, c = 1", sp.latex(der.quadratic_kernel)),
        ("(ii) full map", der.feature_full_latex),
        ("(ii) φ_full(q)ᵀφ_full(k) as sums (symbolic D)", sp.latex(der.full_map_inner)),
        ("kernel − φ_fullᵀφ_full after pulling constants out of the sums", sp.latex(der.full_identity)),
        ("(ii) compact symmetric map", der.feature_compact_latex),
        ("compact: induction base D = 0 and step D → D+1 (kernel gain − feature gain)",
         sp.latex(der.compact_base) + ",\\ " + sp.latex(der.compact_step)),
        ("dimensions: full, compact", sp.latex(der.dim_full) + ",\\ " + sp.latex(der.dim_compact)),
        ("(iii) eq. (6) with sim = φ(q)ᵀφ(k), products regrouped", der.rewritten_latex),
    ]
    ok_explicit = all(a == 0 and b == 0 for a, b in der.explicit.values())
    ans.checks += [
        Check("symbolic", "(qᵀk+1)² − φ_full(q)ᵀφ_full(k) = 0 for symbolic D (Sum manipulation)",
              sp.sstr(der.full_identity), None, der.full_identity == 0),
        Check("symbolic", "compact map: induction base and step both 0 (symbolic D)",
              [sp.sstr(der.compact_base), sp.sstr(der.compact_step)], None,
              der.compact_base == 0 and der.compact_step == 0),
        Check("symbolic", "explicit expansion for D = 1..4, both maps",
              {d: [sp.sstr(a), sp.sstr(b)] for d, (a, b) in der.explicit.items()}, None, ok_explicit),
        Check("symbolic", "dimensions 1+D+D² and 1+D+D(D+1)/2 = (D+1)(D+2)/2",
              [sp.sstr(der.dim_full), sp.sstr(sp.factor(der.dim_compact))], None,
              sp.expand(der.dim_full - (1 + der_mod.D + der_mod.D**2)) == 0
              and sp.expand(der.dim_compact - sp.binomial(der_mod.D + 2, 2).expand(func=True)) == 0),
        Check("symbolic", "eq. (8) − eq. (6) on a symbolic instance (N=3, P=2, M=2)",
              sp.sstr(der.rewritten), None, der.rewritten == 0),
    ]
    ans.data["dims"] = {"full": sp.sstr(der.dim_full), "compact": sp.sstr(der.dim_compact),
                        "compact_at_16": int(der.dim_compact.subs(der_mod.D, 16))}
    ans.data["assumptions"] = der.assumptions
    ans.explanation = (
        f"(i) sim(q,k) = (qᵀk + 1)². (ii) Expanding, (qᵀk+1)² = 1 + 2qᵀk + Σ_iΣ_j q_iq_jk_ik_j, "
        f"so φ(x) = (1, √2x, x⊗x) works ({sp.sstr(der.dim_full)} entries); the symmetric "
        f"pairs x_ix_j = x_jx_i can be merged into √2x_ix_j (i<j), leaving "
        f"{sp.sstr(sp.factor(der.dim_compact))} entries (153 at D = 16). (iii) V′_i = "
        "φ(Q_i)ᵀ Σ_j φ(K_j)V_jᵀ / φ(Q_i)ᵀ Σ_j φ(K_j): the sums over j no longer depend on i.")
    if not ctx.numeric:
        return
    # the numerics' feature order and weights are the derivation's, entry by entry
    dims = [1, 3, 6]
    worst = 0.0
    g = torch.Generator().manual_seed(ctx.seed)
    for d in dims:
        x = torch.randn(d, generator=g, dtype=torch.float64)
        sym = sp.Matrix(der_mod.compact_features([sp.Float(float(v), 30) for v in x]))
        got = num.quadratic_features(x)
        worst = max(worst, float((got - torch.tensor([float(v) for v in sym], dtype=torch.float64))
                                 .abs().max()))
    ans.checks.append(Check("numeric", f"numerics.quadratic_features == derivation's compact map "
                            f"entry by entry (D ∈ {dims}, float64)", worst, 1e-14, worst <= 1e-14))
    rows, ok = [], True
    for (b, h, n, d, m, fmap, causal) in [(2, 2, 96, 8, 4, "quadratic", False),
                                           (2, 2, 96, 8, 4, "quadratic", True),
                                           (1, 3, 64, 5, 3, "quadratic_full", False),
                                           (1, 2, 80, 6, 6, "elu", True)]:
        Q, K, V = make_qkv(ctx.seed, b, h, n, d, m)
        lin = num.linear_attention(Q, K, V, feature_map_name=fmap, causal=causal, chunk=32,
                                   device=ctx.device)
        ref = num.explicit_kernel_attention(Q, K, V, feature_map_name=fmap, causal=causal,
                                            device=ctx.device)
        err = float(((lin - ref).abs().max() / ref.abs().max()).cpu())
        ok &= err <= F64_RTOL
        rows.append([f"{b}×{h}×{n}", d, m, fmap, causal, f"{err:.2e}"])
    ans.tables["linear (8) vs explicit (6), float64"] = {
        "columns": ["B×H×N", "D", "M", "feature map", "causal", "max rel. error"], "rows": rows}
    # round-off values differ in their last digits across BLAS builds and devices
    ans.checks.append(Check("numeric", f"linear attention (8) == explicit O(N²) attention (6), "
                            f"float64, {ctx.device}, seed {ctx.seed}", rows, F64_RTOL, ok,
                            volatile=True))
    ans.volatile_fields.append("tables")
    n_ex = ctx.budget.q5_prop_examples
    ans.checks += [
        property_check("φ(q)ᵀφ(k) == (qᵀk+1)², compact map, D ∈ [1, 24]", kernel_identity(),
                       kernel_cases(), max_examples=n_ex, seed=ctx.seed),
        property_check("φ(q)ᵀφ(k) == (qᵀk+1)², full map", kernel_identity(num.quadratic_full_features),
                       kernel_cases(), max_examples=n_ex, seed=ctx.seed),
        property_check("mutation: compact map without the √2 weights is refuted",
                       kernel_identity(products_without_sqrt2), kernel_cases(),
                       max_examples=n_ex, seed=ctx.seed, expect_failure=True),
        property_check("linear (8) == explicit (6) within the float64 round-off bound, over N, "
                       "D, M, heads, maps, causal",
                       linear_matches_explicit(), attention_cases(), max_examples=n_ex,
                       seed=ctx.seed),
        property_check("mutation: causal prefix sums replaced by full sums is refuted",
                       linear_matches_explicit(causal_ignored), attention_cases(),
                       max_examples=n_ex, seed=ctx.seed, expect_failure=True),
    ]
