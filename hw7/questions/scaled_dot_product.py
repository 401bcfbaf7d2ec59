"""Answer-key sections for Q3 (scaled dot-product attention statistics)."""

from __future__ import annotations

import sympy as sp

from derivations import scaled_dot_product as der_mod
from hw7 import variants
from hw7.properties import scaled_dot_product as props
from hw7.props import property_check
from hw7.registry import Answer, Check, Context, section
from numerics import scaled_dot_product as num

RESULT = "scaled_dot_product"
SYMBOLS = {
    "d": "dimension of q and k",
    "sigma": "standard deviation of every coordinate of q and k",
    "mu": "shared per-coordinate mean (μ = μ·1)",
}
Z = num.Z_MAX
# (d, mu, sigma) cases confirmed by Monte Carlo in every run; the samples per case
# follow the profile.
MC_CASES = [(1, 0.0, 1.0), (8, 0.5, 1.3), (64, -1.0, 0.7), (256, 0.0, 1.0)]


# ‖μ‖² = μᵀμ of the mean vector μ ∈ R^d: the symbol hw7 check reads ‖μ‖², μᵀμ, Σ_i μ_i² as
NORM2_MU = sp.Symbol("norm2_mu", nonnegative=True)
VECTORS = {"mu": "d"}


def _vector_form(expr):
    """A vector-mean formula with Σ_i μ_i² (the derivation's Sum) as the symbol ‖μ‖²."""
    out = expr.xreplace({sp.Sum(der_mod.mu_vec[der_mod.i] ** 2, (der_mod.i, 1, der_mod.d)): NORM2_MU})
    if out.has(sp.Sum, sp.Indexed):
        raise ValueError(f"the vector-mean formula {sp.sstr(expr)} is not a function of ‖μ‖²")
    return out


def _vector_answer(ans: Answer, der, general, shared, lhs: str) -> None:
    """Headline = the vector form in ‖μ‖² = μᵀμ, the shared-mean form beside it; both checkable."""
    vec = _vector_form(general)
    ans.expr = sp.sstr(vec)
    ans.obj = vec
    vec_l = sp.latex(vec, symbol_names={NORM2_MU: r"\|\mu\|^2"})
    ans.latex = (lhs + " = " + vec_l + r",\quad \|\mu\|^2 = \mu^\top\mu;\quad "
                 r"\text{shared mean } \mu\mathbf{1}\text{: } " + sp.latex(shared))
    ans.data["vectors"] = dict(VECTORS)
    ans.data["shared_mean_form"] = {"latex": sp.latex(shared), "expr": sp.sstr(shared)}
    back = sp.expand(vec.xreplace({NORM2_MU: der_mod.d * der_mod.mu**2}) - shared)
    ans.checks.append(Check("symbolic", "vector form at ‖μ‖² = dμ² (shared mean) minus the "
                            "shared-mean form", sp.sstr(back), "exactly 0", back == 0))


def _derived(ctx: Context) -> der_mod.ScaledDotProduct:
    return ctx.cached("q3.derive", der_mod.derive)


def _formulas(der):
    """Numeric functions of (d, mu, sigma) made from the derived SymPy objects."""
    return props.formulas(der)


def _mc(ctx: Context):
    """Monte Carlo estimates for MC_CASES in numpy and torch, seeded from ctx.seed."""
    return ctx.cached("q3.mc", lambda: num.moment_runs(
        MC_CASES, seed=ctx.seed, scale=ctx.budget.q3_mc_scale, device=ctx.device,
        progress=ctx.progress))


def _mc_checks(ctx: Context, ans: Answer, which: str, predicted, cases=None) -> None:
    """Append one numeric check per (case, backend) comparing `which` ('mean'/'var')."""
    for (d, mu, sigma), *ests in _mc(ctx):
        if cases is not None and (d, mu, sigma) not in cases:
            continue
        pred = float(predicted(d, mu, sigma))
        for est in ests:
            value, se = (est.mean, est.mean_se) if which == "mean" else (est.var, est.var_se)
            z = num.zscore(value, se, pred)
            ans.checks.append(Check(
                "numeric",
                f"Monte Carlo {est.backend} {'E' if which == 'mean' else 'Var'}[qᵀk] at "
                f"d={d}, μ={mu}, σ={sigma} (n={est.n}, seed={est.seed}) vs derived {pred:.6g}",
                {"estimate": value, "se": se, "z": z}, f"|z| ≤ {Z:g}", abs(z) <= Z,
            ))


@section("q3a", title="E[qᵀk] for q, k ~ N(μ, σ²I)", question="Q3(a)", result=RESULT)
def q3a(ctx: Context, ans: Answer) -> None:
    der = _derived(ctx)
    _vector_answer(ans, der, der.mean_general, der.mean_shared, r"\mathbb{E}[q^\top k]")
    ans.symbols = dict(SYMBOLS)
    ans.check_kind = "expr"
    ans.derivation += [
        ("One coordinate (sympy.stats): E[q_i k_i] = E[q_i]E[k_i]",
         r"\mathbb{E}[q_i k_i] = " + sp.latex(der.coord_mean)),
        ("Sum over the d independent coordinates (vector mean μ)",
         r"\mathbb{E}[q^\top k] = " + sp.latex(der.mean_general)),
        ("Shared mean μ = μ·1", r"\mathbb{E}[q^\top k] = " + sp.latex(der.mean_shared)),
    ]
    ans.explanation = (
        f"Each coordinate contributes E[q_i]E[k_i] = {der.coord_mean} by independence; summing "
        f"over d coordinates gives {sp.sstr(der.mean_general)} = μᵀμ for a vector mean and "
        f"{sp.sstr(der.mean_shared)} when every coordinate has mean μ. σ does not enter.")
    ans.data["vector_mean_form"] = {"latex": sp.latex(der.mean_general),
                                    "expr": sp.sstr(der.mean_general)}
    _explicit_check(der, ans, "mean")
    if not ctx.numeric:
        return
    mean_fn, var_fn = _formulas(der)
    _mc_checks(ctx, ans, "mean", mean_fn)
    n_prop = ctx.budget.q3_prop_examples
    ans.checks.append(property_check(
        "Hypothesis over (d, μ, σ): Monte Carlo (n=20000) within 5 SE of derived E and Var",
        props.moments_agree(mean_fn, var_fn), props.cases(), max_examples=n_prop,
        seed=ctx.seed))
    ans.checks.append(property_check(
        "mutation: the wrong formula E[qᵀk] = dμ is refuted by the same checker",
        props.moments_agree(props.wrong_mean, var_fn), props.cases(),
        max_examples=n_prop, seed=ctx.seed, expect_failure=True))


def _explicit_check(der, ans: Answer, which: str) -> None:
    """Symbolic cross-check: the summed formula equals sympy.stats on the whole dot
    product for an explicit d (no independence argument used there)."""
    means = sp.symbols(f"mu1:{der.explicit_d + 1}", real=True)
    mg, vg = der_mod.general_formulas_at(der, list(means))
    got, direct = (mg, der.explicit_mean) if which == "mean" else (vg, der.explicit_var)
    diff = sp.simplify(got - direct)
    ans.checks.append(Check(
        "symbolic",
        f"general formula at d={der.explicit_d} minus sympy.stats moment of the full dot product",
        sp.sstr(diff), "exactly 0", diff == 0))


@section("q3.var_general", title="Var(qᵀk) for any σ and mean μ (vector, or shared μ·1)", question="Q3(a)-(b)",
         result=RESULT)
def q3_var_general(ctx: Context, ans: Answer) -> None:
    der = _derived(ctx)
    _vector_answer(ans, der, der.var_general, der.var_shared, r"\operatorname{Var}(q^\top k)")
    ans.symbols = dict(SYMBOLS)
    ans.check_kind = "expr"
    ans.derivation += [
        ("One coordinate (sympy.stats): Var(q_i k_i) = E[q_i²]E[k_i²] − (E[q_i]E[k_i])²",
         r"\operatorname{Var}(q_i k_i) = " + sp.latex(der.coord_var)),
        ("Vector mean: variances of independent terms add",
         r"\operatorname{Var}(q^\top k) = " + sp.latex(der.var_general)),
        ("Shared mean μ = μ·1", r"\operatorname{Var}(q^\top k) = " + sp.latex(der.var_shared)),
    ]
    ans.explanation = ("The general (vector μ) form is "
                       f"{sp.sstr(der.var_general)}; with a shared mean it is "
                       f"{sp.sstr(der.var_shared)}.")
    ans.data["vector_mean_form"] = {"latex": sp.latex(der.var_general),
                                    "expr": sp.sstr(der.var_general)}
    _explicit_check(der, ans, "var")
    if not ctx.numeric:
        return
    _, var_fn = _formulas(der)
    _mc_checks(ctx, ans, "var", var_fn)


@section("q3b", title="Var(qᵀk) when μ = 0, σ = 1", question="Q3(b)", result=RESULT)
def q3b(ctx: Context, ans: Answer) -> None:
    der = _derived(ctx)
    ans.latex = sp.latex(der.var_standard)
    ans.expr = sp.sstr(der.var_standard)
    ans.obj = der.var_standard
    ans.symbols = {"d": SYMBOLS["d"]}
    ans.check_kind = "expr"
    ans.derivation.append(("Substitute μ = 0, σ = 1 into the general variance",
                           r"\operatorname{Var}(q^\top k) = " + sp.latex(der.var_standard)))
    ans.explanation = (f"With μ = 0 and σ = 1 each product q_i k_i has variance "
                       f"{der.coord_var.subs({der_mod.mu_vec[der_mod.i]: 0, der_mod.sigma: 1})}, "
                       f"so the d independent terms give {der.var_standard}.")
    if not ctx.numeric:
        return
    mean_fn, var_fn = _formulas(der)
    std = [c for c in MC_CASES if c[1] == 0.0 and c[2] == 1.0]
    _mc_checks(ctx, ans, "var", var_fn, cases=std)
    n_prop = ctx.budget.q3_prop_examples
    std_strategy = props.standard_cases()
    ans.checks.append(property_check(
        "Hypothesis over d (μ=0, σ=1): Monte Carlo (n=20000) within 5 SE of Var = derived",
        props.moments_agree(mean_fn, var_fn), std_strategy, max_examples=n_prop,
        seed=ctx.seed))
    ans.checks.append(property_check(
        "mutation: the wrong formula Var(qᵀk) = d² is refuted by the same checker",
        props.moments_agree(mean_fn, props.wrong_variance), std_strategy, max_examples=n_prop,
        seed=ctx.seed, expect_failure=True))


@section("q3c", title="The scale s", question="Q3(c)", result=RESULT)
def q3c(ctx: Context, ans: Answer) -> None:
    der = _derived(ctx)
    conv = variants.active(ctx).q3.convention          # how s enters the score
    sc = ctx.cached(f"q3c.{conv}", lambda: der_mod.scale_under(der, conv))
    div = conv == "divide"
    ans.latex = "s = " + sp.latex(sc.scale)
    ans.expr = sp.sstr(sc.scale)
    ans.obj = sp.Eq(der_mod.s, sc.scale)
    ans.symbols = {"d": SYMBOLS["d"]}
    ans.check_kind = "expr"
    if div:
        ans.derivation += [
            ("E[qᵀk/s] = E[qᵀk]/s, which is 0 for any s when μ = 0",
             r"\mathbb{E}[q^\top k/s] = " + sp.latex(der.mean_standard / der_mod.s)),
            ("Var(qᵀk/s) = Var(qᵀk)/s²; solve for s > 0", sp.latex(sc.equation)),
            ("Solution", "s = " + sp.latex(sc.scale)),
            ("Equivalent multiplicative factor on qᵀk", sp.latex(1 / sc.divisor)),
        ]
        ans.data["multiplicative_factor"] = {"latex": sp.latex(1 / sc.divisor),
                                             "expr": sp.sstr(1 / sc.divisor)}
        how = (f"Dividing the score by s = {sp.sstr(sc.scale)} (equivalently multiplying by "
               f"{sp.sstr(1 / sc.divisor)})")
    else:
        ans.derivation += [
            ("E[s·qᵀk] = s·E[qᵀk], which is 0 for any s when μ = 0",
             r"\mathbb{E}[s\,q^\top k] = " + sp.latex(der_mod.s * der.mean_standard)),
            ("Var(s·qᵀk) = s²·Var(qᵀk); solve for s > 0", sp.latex(sc.equation)),
            ("Solution", "s = " + sp.latex(sc.scale)),
            ("Equivalent divisor of qᵀk", sp.latex(sc.divisor)),
        ]
        ans.data["divisor"] = {"latex": sp.latex(sc.divisor), "expr": sp.sstr(sc.divisor)}
        ans.data["convention"] = "score s·qᵀk (variant)"
        how = (f"Multiplying the score by s = {sp.sstr(sc.scale)} (equivalently dividing by "
               f"{sp.sstr(sc.divisor)})")
    ans.explanation = (f"{how} keeps the mean at {sc.scaled_mean} and makes the "
                       f"variance {sc.scaled_var} for every d, so the softmax input does not grow "
                       "with the dimension.")
    ans.checks.append(Check("symbolic", ("E[qᵀk/s] and Var(qᵀk/s)" if div else
                                         "E[s·qᵀk] and Var(s·qᵀk)") + " at the derived s",
                            {"mean": sp.sstr(sc.scaled_mean), "var": sp.sstr(sc.scaled_var)},
                            "exactly 0 and 1", sc.scaled_mean == 0 and sc.scaled_var == 1))
    if not ctx.numeric:
        return
    scale_fn = sp.lambdify(der_mod.d, sc.divisor, "math")   # the scaled score is qᵀk/divisor
    score = "qᵀk/s" if div else "s·qᵀk"
    for (d, mu, sigma), est_np, est_t in _mc(ctx):
        if (mu, sigma) != (0.0, 1.0):
            continue
        s_val = float(scale_fn(d))
        for est in (est_np, est_t):
            zm = num.zscore(est.mean / s_val, est.mean_se / s_val, 0.0)
            zv = num.zscore(est.var / s_val**2, est.var_se / s_val**2, 1.0)
            ans.checks.append(Check(
                "numeric",
                f"Monte Carlo {est.backend} mean and variance of {score} at d={d} "
                f"(n={est.n}, seed={est.seed}) vs 0 and 1",
                {"mean": est.mean / s_val, "var": est.var / s_val**2, "z_mean": zm, "z_var": zv},
                f"|z| ≤ {Z:g}", abs(zm) <= Z and abs(zv) <= Z))
    # The mutation: dividing by d (s = d, or s = 1/d when s multiplies) — a common slip —
    # must be refuted by the same z-test.
    wrong_s = der_mod.d if div else 1 / der_mod.d
    wrong = [(d, est) for (d, mu, sigma), est, _ in _mc(ctx) if (mu, sigma) == (0.0, 1.0) and d > 1]
    refuted = [abs(num.zscore(est.var / d**2, est.var_se / d**2, 1.0)) > Z for d, est in wrong]
    ans.checks.append(Check("numeric", f"mutation: s = {sp.sstr(wrong_s)} gives Var({score}) ≠ 1 "
                            "(refuted by the z-test)",
                            {"refuted_cases": sum(refuted), "cases": len(refuted)},
                            "refuted in every case with d > 1", all(refuted) and bool(refuted)))
    _saturation(ctx, ans)


def _saturation(ctx: Context, ans: Answer) -> None:
    """Illustration: why the scale matters (softmax saturation / gradient size)."""
    dims = list(ctx.budget.q3_saturation_dims)
    pts = num.softmax_saturation(dims, seed=ctx.seed, device=ctx.device)
    rows = []
    for dim in dims:
        raw = next(p for p in pts if p.d == dim and not p.scaled)
        sc = next(p for p in pts if p.d == dim and p.scaled)
        rows.append([dim, round(raw.score_std, 4), round(raw.max_weight, 4),
                     round(raw.jacobian_norm, 4), round(sc.score_std, 4), round(sc.max_weight, 4),
                     round(sc.jacobian_norm, 4)])
    ans.tables["softmax saturation (16 keys, 256 trials)"] = {
        "columns": ["d", "std(qᵀk)", "max weight", "‖J‖_F", "std(qᵀk/√d)", "max weight (scaled)",
                    "‖J‖_F (scaled)"],
        "rows": rows,
    }
    first, last = rows[0], rows[-1]
    ans.checks.append(Check(
        "numeric",
        f"softmax Jacobian norm from d={first[0]} to d={last[0]}: unscaled falls, scaled stays",
        {"unscaled": [first[3], last[3]], "scaled": [first[6], last[6]]},
        "unscaled shrinks by > 2×; scaled within 2× of its start",
        last[3] < first[3] / 2 and first[6] / 2 < last[6] < first[6] * 2))
    path, rel = ctx.figure("q3_softmax_saturation.png")
    if path is not None:
        num.plot_saturation(pts, path)
        ans.figures.append(rel)
    ans.data["saturation_seed"] = ctx.seed
    ans.explanation += (f" Without the scale the score spread grows like √d (std {first[1]} at d={first[0]}, "
                        f"{last[1]} at d={last[0]}); the softmax saturates (largest weight {last[2]}) and the "
                        f"gradient through it shrinks ({first[3]} → {last[3]}).")

