"""Answer-key sections for Q5(a) (when eq. (6) stays finite) and Q5(b) (quadratic kernel,
its feature maps, attention rewritten with φ), confirmed by the torch implementation."""

from __future__ import annotations

import sympy as sp
import torch

from derivations import kernel_attention as der_mod
from hw7 import variants
from hw7.errors import InputError
from hw7.properties.kernel_attention import (
    attention_cases,
    causal_ignored,
    kernel_cases,
    kernel_errors,
    kernel_identity,
    linear_matches_explicit,
    map_error,
    phi_identity_errors,
    products_unweighted,
    products_without_sqrt2,
    refusal,
    squared_dot,
    variant_maps,
)
from hw7.props import property_check
from hw7.registry import Answer, Check, Context, section
from numerics import kernel_attention as num

RESULT = "kernel_attention"
F64_RTOL = 1e-10     # float64 round-off on sums of O(N) positive terms, N ≤ 64


def _derived(ctx: Context) -> der_mod.KernelAttention:
    v = variants.active(ctx).q5           # the kernel (qᵀk + c)^p: the homework's p = 2, c = 1
    return ctx.cached("q5ab.derive", lambda: der_mod.derive(v.degree, v.offset))




def _kernel_text(p: int, c, plus: str = " + ") -> str:
    """(qᵀk + c)^p in plain text with a superscript degree, e.g. '(qᵀk + 1)³'."""
    base = "qᵀk" if c == 0 else f"qᵀk{plus}{sp.sstr(c)}"
    return base if p == 1 else f"({base}){str(p).translate(str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹'))}"


# ---------------------------------------------------------------- q5a
@section("q5a", title="When the generalised attention (6) stays finite", question="Q5(a)",
         result=RESULT)
def q5a(ctx: Context, ans: Answer) -> None:
    der = _derived(ctx)
    cx = der.counterexample
    ans.latex = der.condition_latex
    p, c, word = der.degree, der.offset, der_mod.degree_word(der.degree)
    kern, zero = _kernel_text(p, c), "0" if c == 0 else f"−{sp.sstr(c)}"
    ans.explanation = (
        "V′_i is finite exactly when its denominator Σ_j sim(Q_i, K_j) is non-zero for every "
        "query. A similarity that is non-negative for all arguments and positive for at least "
        "one key (e.g. exp(qᵀk/√D) > 0, or a kernel φ(q)ᵀφ(k) with φ ≥ 0"
        + (f", or {kern} away from qᵀk = {zero}" if p % 2 == 0 else "")
        + ") guarantees it; then V′_i is a convex combination of the values. "
        f"A sign-changing sim fails: with sim = {cx['sim']}, q = {cx['q']} and keys "
        f"{cx['keys']} the similarities are {sp.sstr(cx['sims'])} and the denominator is "
        f"{sp.sstr(cx['denominator'])}."
        + ("" if p % 2 == 0 else
           f" The {word} kernel {kern} is such a sim: its degree p = {p} is odd, so it is "
           f"negative where qᵀk < {zero} and Σ_j sim(Q_i, K_j) can be 0 or negative "
           "(the implementation refuses such a query)."))
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
    raw = num.naive_kernel_attention(q @ keys.T, vals)     # eq. (6) computed naively
    ans.checks.append(Check("numeric", "naive eq. (6) with sim = qᵀk on the counterexample is "
                            "non-finite", str(raw.flatten().tolist()), "not finite",
                            not bool(torch.isfinite(raw).all())))
    msgs = {name: refusal(q, keys, vals, feature_map_name=fm, device=ctx.device)
            for name, fm in (("identity map φ(x) = x (negative features)", lambda x: x),
                             ("negated elu+1 map", lambda x: -num.elu_features(x)))}
    ans.checks.append(Check("numeric", "the implementation refuses feature maps with negative "
                            "values (InputError, one line) instead of returning NaN", msgs,
                            "InputError", all(m and "\n" not in m for m in msgs.values())))
    Q, K, V = num.random_qkv(64, 5, 3, heads=2, batch=2, dtype=torch.float64, seed=ctx.seed)
    scores = Q @ K.transpose(-1, -2)
    sims_q = num.quadratic_kernel(scores) if (p, c) == (2, 1) \
        else num.polynomial_kernel(scores, p, float(c))
    fe = num.elu_features(torch.cat([Q, K], -2))
    measured = {f"min {_kernel_text(p, c, plus='+')}": float(sims_q.min()),
                "min elu+1": float(fe.min())}
    if p % 2 == 0:
        ans.checks.append(Check("numeric", f"random inputs (seed {ctx.seed}): min {word} sim ≥ 0 "
                                "and min elu+1 feature > 0", measured,
                                "≥ 0, > 0", float(sims_q.min()) >= 0 and float(fe.min()) > 0))
        return
    ans.checks.append(Check("numeric", f"random inputs (seed {ctx.seed}): min elu+1 feature > 0 "
                            f"(the {word} sim's minimum recorded: odd degree, it may be < 0)",
                            measured, "> 0", float(fe.min()) > 0))
    # odd degree: at qᵀk = −c − 1 the derived kernel is (−1)^p = −1, so one key there makes
    # the normaliser negative, and the implementation must refuse the query
    at = der.sim.subs(der_mod.dot(der_mod.q, der_mod.k), -c - 1)
    q1 = torch.tensor([[1.0]], dtype=torch.float64)
    k1 = torch.tensor([[float(-c - 1)]], dtype=torch.float64)
    msg = refusal(q1, k1, torch.ones(1, 1, dtype=torch.float64), device=ctx.device,
                  feature_map=num.polynomial_feature_map(p, float(c)))
    ans.checks.append(Check("numeric", f"odd degree: sim = {sp.sstr(at)} < 0 at qᵀk = "
                            f"{sp.sstr(-c - 1)}; linear_attention refuses that query (its "
                            "normaliser Σ_j sim ≤ 0: InputError, one line)", msg,
                            "InputError", bool(at < 0) and msg is not None and "\n" not in msg
                            and "≤ 0" in msg))


# ---------------------------------------------------------------- q5b
@section("q5b", title="Quadratic kernel attention: sim, feature map φ, attention with φ",
         question="Q5(b)", result=RESULT)
def q5b(ctx: Context, ans: Answer) -> None:
    der = _derived(ctx)
    p, c = der.degree, der.offset
    # the homework's title names its quadratic kernel; a variant's degree is named instead
    ans.title = f"{der_mod.degree_word(p).capitalize()} kernel attention: sim, feature map φ, attention with φ"
    quad = (p, c) == (2, 1)                  # the homework's kernel
    kern = "(qᵀk+1)²" if quad else f"(qᵀk+{sp.sstr(c)})^{p}"
    ans.latex = (r"\mathrm{sim}(q,k) = " + sp.latex(der.sim) + r";\quad "
                 + der.feature_compact_latex + r";\quad " + der.rewritten_latex)
    ans.expr = sp.sstr(der.sim)
    ans.symbols = {"q[i], k[i]": "coordinates of q and k", "D": "width of q and k"}
    ans.derivation += [
        ("(i) polynomial kernel, degree p, offset c", sp.latex(der.polynomial_kernel)),
        ("(i) quadratic: p = 2, c = 1" if quad else f"(i) this kernel: p = {p}, c = {sp.sstr(c)}",
         sp.latex(der.sim)),
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
    dim_what = ("dimensions 1+D+D² and 1+D+D(D+1)/2 = (D+1)(D+2)/2" if quad else
                f"dimensions Σ_(j≤{p}) D^j (full) and C(D+{p}, {p}) (compact)")
    ans.checks += [
        Check("symbolic", f"{kern} − φ_full(q)ᵀφ_full(k) = 0 for symbolic D (Sum manipulation)",
              sp.sstr(der.full_identity), None, der.full_identity == 0),
        Check("symbolic", "compact map: induction base and step both 0 (symbolic D)",
              [sp.sstr(der.compact_base), sp.sstr(der.compact_step)], None,
              der.compact_base == 0 and der.compact_step == 0),
        Check("symbolic", f"explicit expansion for D = {min(der.explicit)}..{max(der.explicit)}, "
              "both maps",
              {d: [sp.sstr(a), sp.sstr(b)] for d, (a, b) in der.explicit.items()}, None, ok_explicit),
        Check("symbolic", dim_what,
              [sp.sstr(der.dim_full), sp.sstr(sp.factor(der.dim_compact))], None,
              sp.expand(der.dim_full - sum(der_mod.D**jj for jj in range(p + 1))) == 0
              and sp.expand(der.dim_compact - sp.binomial(der_mod.D + p, p).expand(func=True)) == 0),
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
        "φ(Q_i)ᵀ Σ_j φ(K_j)V_jᵀ / φ(Q_i)ᵀ Σ_j φ(K_j): the sums over j no longer depend on i."
        if quad else
        f"(i) sim(q,k) = {sp.sstr(der.sim)} (degree p = {p}, offset c = {sp.sstr(c)}). "
        f"(ii) By the multinomial theorem, with x̃ = (√c-weighted 1, x), (qᵀk + c)^p is a sum "
        f"over the monomials of degree p in (1, x): the full tensor-power map has "
        f"{sp.sstr(der.dim_full)} entries; merging equal monomials with weights "
        f"√(p!/(α_0!⋯α_D!)·c^α_0) leaves {sp.sstr(sp.factor(der.dim_compact))} entries "
        f"({der.feature_dim(16)} at D = 16). (iii) V′_i = φ(Q_i)ᵀ Σ_j φ(K_j)V_jᵀ / "
        "φ(Q_i)ᵀ Σ_j φ(K_j): the sums over j no longer depend on i.")
    if not ctx.numeric:
        return
    # the numerics' feature order and weights are the derivation's, entry by entry
    dims = [1, 3, 6]
    maps = variant_maps(der)               # compact, full, elu (the variant's kernel)
    worst = map_error(der.phi, num.quadratic_features if quad else maps[0], dims, seed=ctx.seed)
    impl = "numerics.quadratic_features" if quad else f"numerics.polynomial_features (p={p}, c={sp.sstr(c)})"
    ans.checks.append(Check("numeric", f"{impl} == derivation's compact map "
                            f"entry by entry (D ∈ {dims}, float64, relative to the largest "
                            f"entry)", worst, 1e-14, worst <= 1e-14))
    cases = [(2, 2, 96, 8, 4, maps[0], False), (2, 2, 96, 8, 4, maps[0], True),
             (1, 3, 64, 5, 3, maps[1], False), (1, 2, 80, 6, 6, maps[2], True)]
    errs = num.compare_linear_explicit(cases, seed=ctx.seed, chunk=32, device=ctx.device)
    ok = all(err <= F64_RTOL for err in errs)
    rows = [[f"{b}×{h}×{n}", d, m, num.feature_map(fmap)[0], causal, f"{err:.2e}"]
            for (b, h, n, d, m, fmap, causal), err in zip(cases, errs)]
    ans.tables["linear (8) vs explicit (6), float64"] = {
        "columns": ["B×H×N", "D", "M", "feature map", "causal", "max rel. error"], "rows": rows}
    # round-off values differ in their last digits across BLAS builds and devices
    ans.checks.append(Check("numeric", f"linear attention (8) == explicit O(N²) attention (6), "
                            f"float64, {ctx.device}, seed {ctx.seed}", rows, F64_RTOL, ok,
                            volatile=True))
    ans.volatile_fields.append("tables")
    n_ex = ctx.budget.q5_prop_examples
    kw = {} if quad else {"degree": p, "offset": float(c)}
    compact, full = (num.quadratic_features, num.quadratic_full_features) if quad else maps[:2]
    kern_d = "(qᵀk+1)²" if quad else kern
    ans.checks += [
        property_check(f"φ(q)ᵀφ(k) == {kern_d}, compact map, D ∈ [1, 24]",
                       kernel_identity(compact, **kw),
                       kernel_cases(), max_examples=n_ex, seed=ctx.seed),
        property_check(f"φ(q)ᵀφ(k) == {kern_d}, full map", kernel_identity(full, **kw),
                       kernel_cases(), max_examples=n_ex, seed=ctx.seed),
        property_check("mutation: compact map without the √2 weights is refuted" if quad else
                       "mutation: compact map without its multinomial weights is refuted",
                       kernel_identity(products_without_sqrt2 if quad else
                                       products_unweighted(p, float(c)), **kw), kernel_cases(),
                       max_examples=n_ex, seed=ctx.seed, expect_failure=True),
        property_check("linear (8) == explicit (6) within the float64 round-off bound, over N, "
                       "D, M, heads, maps, causal",
                       linear_matches_explicit(), attention_cases(maps), max_examples=n_ex,
                       seed=ctx.seed),
        property_check("mutation: causal prefix sums replaced by full sums is refuted",
                       linear_matches_explicit(causal_ignored), attention_cases(maps),
                       max_examples=n_ex, seed=ctx.seed, expect_failure=True),
    ]


# ---------------------------------------------------------------- q5b.sim, q5b.phi (hw7 check)
PHI_DIM = 2          # the concrete D of the checkable feature map (x1, x2)


def _sim_in_qk(der):
    """The derived kernel with the dot product qᵀk as one real symbol ``qk`` (what
    ``hw7 check`` reads qᵀk, q·k, ⟨q, k⟩ as)."""
    qk = sp.Symbol("qk", real=True)
    sim = der.sim if der.sim != 0 else der.quadratic_kernel
    kern = sim.xreplace({der_mod.dot(der_mod.q, der_mod.k): qk})
    if kern.has(sp.Sum, sp.Indexed):
        raise InputError("the kernel is not a function of qᵀk alone")
    return kern, qk


@section("q5b.sim", title="Q5(b)(i): the polynomial kernel sim(q, k) as a function of qᵀk",
         question="Q5(b)", result=RESULT)
def q5b_sim(ctx: Context, ans: Answer) -> None:
    der = _derived(ctx)
    kern, qk = _sim_in_qk(der)
    ans.expr = sp.sstr(kern)
    ans.obj = kern
    ans.latex = r"\mathrm{sim}(q,k) = " + sp.latex(der.sim if der.sim != 0 else der.quadratic_kernel)
    ans.symbols = {"qk": "qᵀk (also q·k, ⟨q, k⟩): the dot product of q and k"}
    ans.data["vectors"] = {"q": "D", "k": "D"}
    ans.check_kind = "expr"
    ans.derivation.append(("polynomial kernel at the homework's degree and offset, qk = qᵀk",
                           sp.latex(kern)))
    # symbolic: the kernel in qk at qk = Σ q_i k_i equals the derivation's at an explicit D
    dim = 3
    qs, ks = sp.symbols(f"q1:{dim + 1}", real=True), sp.symbols(f"k1:{dim + 1}", real=True)
    sim_d = (der.sim if der.sim != 0 else der.quadratic_kernel).subs(der_mod.D, dim).doit()
    sim_d = sim_d.xreplace({der_mod.q[j]: qs[j - 1] for j in range(1, dim + 1)})
    sim_d = sim_d.xreplace({der_mod.k[j]: ks[j - 1] for j in range(1, dim + 1)})
    diff = sp.expand(kern.xreplace({qk: sum(a * b for a, b in zip(qs, ks))}) - sim_d)
    ans.checks.append(Check("symbolic", f"sim(qk) at qk = Σ q_i k_i minus the derived kernel "
                            f"(D = {dim}, expanded)", sp.sstr(diff), "exactly 0", diff == 0))
    ans.explanation = (f"sim(q, k) = {sp.sstr(kern)} with qk = qᵀk: a function of the dot product "
                       "alone, so hw7 check reads qᵀk, q·k and ⟨q, k⟩ as the one symbol qk.")
    if not ctx.numeric:
        return
    # numeric: the torch implementation's kernel on random dot products (float64)
    if (der.degree, der.offset) == (2, 1):
        err, werr = kernel_errors(kern, qk, num.quadratic_kernel, squared_dot, seed=ctx.seed,
                                  device=ctx.device)
        ans.checks.append(Check("numeric", f"numerics.quadratic_kernel == derived sim at 64 random "
                                f"qᵀk (seed {ctx.seed}, float64, {ctx.device})", err, 1e-14,
                                err <= 1e-14))
        ans.checks.append(Check("numeric", "mutation: sim = (qᵀk)² is refuted by the same "
                                "comparison", werr, "> 1e-14", werr > 1e-14))


@section("q5b.phi", title="Q5(b)(ii): a feature map φ with φ(q)ᵀφ(k) = sim(q, k), concrete D",
         question="Q5(b)", result=RESULT)
def q5b_phi(ctx: Context, ans: Answer) -> None:
    der = _derived(ctx)
    kern, qk = _sim_in_qk(der)
    xs = list(sp.symbols(f"x1:{PHI_DIM + 1}", real=True))
    phi = der.phi(xs)
    ans.expr = "[" + ", ".join(sp.sstr(e) for e in phi) + "]"
    ans.obj = sp.Matrix(phi)
    ans.latex = r"\phi(x) = " + sp.latex(sp.Matrix(phi).T) + r"^\top\ (D = " + str(PHI_DIM) + ")"
    ans.symbols = {f"x{j}": f"coordinate {j} of x" for j in range(1, PHI_DIM + 1)}
    ans.check_kind = "feature_map"
    ans.data["kernel"] = {"expr": sp.sstr(kern), "dot": "qk"}
    ans.data["feature_dim"] = PHI_DIM
    ans.derivation.append((f"compact map at D = {PHI_DIM}", ans.latex))
    checks = {}
    for dim in (PHI_DIM, PHI_DIM + 1):
        ys = list(sp.symbols(f"x1:{dim + 1}", real=True))
        qs, ks = sp.symbols(f"q1:{dim + 1}", real=True), sp.symbols(f"k1:{dim + 1}", real=True)
        f = der.phi(ys)
        lhs = sum(e.xreplace(dict(zip(ys, qs))) * e.xreplace(dict(zip(ys, ks))) for e in f)
        checks[dim] = sp.expand(lhs - kern.xreplace({qk: sum(a * b for a, b in zip(qs, ks))}))
    ans.checks.append(Check("symbolic", "φ(q)ᵀφ(k) − sim(qᵀk) expanded in q_i, k_i "
                            f"(D = {PHI_DIM} and {PHI_DIM + 1}; what hw7 check proves)",
                            {d: sp.sstr(v) for d, v in checks.items()}, "exactly 0",
                            all(v == 0 for v in checks.values())))
    ans.explanation = (f"For D = {PHI_DIM}: φ(x) = {ans.expr} ({len(phi)} entries); any order, or the "
                       f"full map, is equally correct: hw7 check proves φ(q)ᵀφ(k) ≡ "
                       f"{sp.sstr(kern)} with qk = qᵀk by expanding the difference.")
    if not ctx.numeric:
        return
    # numeric: float64 on seeded random q, k; the map without its √ weights is refuted
    worst, worst_wrong = phi_identity_errors(phi, xs, kern, qk, seed=ctx.seed, pairs=32)
    tol = 64 * 2.0**-52
    ans.checks.append(Check("numeric", f"φ(q)ᵀφ(k) == sim(qᵀk) on 32 seeded random pairs "
                            f"(seed {ctx.seed}, float64), relative to Σ|φ_i(q)φ_i(k)|", worst,
                            f"≤ {tol:.1e}", worst <= tol))
    ans.checks.append(Check("numeric", "mutation: the map without its √ weights is refuted by "
                            "the same comparison", worst_wrong, f"> {tol:.1e}", worst_wrong > tol))
