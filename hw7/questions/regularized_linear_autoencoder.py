"""Answer-key sections for Q2: the ℓ2-regularised linear autoencoder
(result ``regularized_linear_autoencoder``)."""

from __future__ import annotations

import numpy as np
import sympy

import numerics.linear_autoencoder as lnum
import numerics.regularized_linear_autoencoder as num
from derivations.regularized_linear_autoencoder import derive
from hw7 import variants
from hw7.properties import regularized_linear_autoencoder as props
from hw7.props import property_check
from hw7.questions.linear_autoencoder import gradient_section
from hw7.registry import Answer, Check, Context, section

Q2A_I = ["0", "1", "2", "3"]
Q2A_II = ["nn.L1Loss", "nn.MSELoss", "nn.CrossEntropyLoss"]
Q2A_III = ["Weight Decay", "Dropout", "Layer Norm", "Batch Norm", "SGD optimizer"]


def _d(ctx: Context):
    conv = variants.active(ctx).q2.convention     # eq. (3), or 1/n on its first term
    return ctx.cached("q2", lambda: derive(conv))


def _mean(ctx: Context) -> bool:
    return _d(ctx).convention == "mean"


def _objective_data(ctx: Context, X):
    """Data on which eq. (3) as printed is this variant's objective: X, or X/√n for the
    1/n convention ((1/n)‖X − W2W1X‖² = ‖X/√n − W2W1X/√n‖², proved in the derivation);
    its XXᵀ eigenvalues are then the variant's σ_i."""
    return X / np.sqrt(X.shape[1]) if _mean(ctx) else X


def _data(seed: int, m: int = 6, n: int = 60, top: float = 5.0):
    return props.data(seed, m=m, n=n, top=top)


@section("q2.grad_W1", title="∂L_λ/∂W1 for the regularised LAE", question="Q2",
         result="regularized_linear_autoencoder")
def q2_grad_w1(ctx: Context, ans: Answer) -> None:
    gradient_section(ctx, ans, "W1", regularized=True)


@section("q2.grad_W2", title="∂L_λ/∂W2 for the regularised LAE", question="Q2",
         result="regularized_linear_autoencoder")
def q2_grad_w2(ctx: Context, ans: Answer) -> None:
    gradient_section(ctx, ans, "W2", regularized=True)


# ------------------------------------------------------------------ Q2(a)

def _layers_reason(ctx: Context):
    """(weight matrices in (3), penalties of two factorizations of one product, same product?)."""
    d = _d(ctx)
    mats = sorted({s.name for s in d.loss.atoms(sympy.MatrixSymbol)} - {"X"})
    rng = np.random.default_rng(ctx.seed)
    W1, W2 = rng.standard_normal((3, 6)), rng.standard_normal((6, 3))
    pen, same_product = num.factorization_penalties(W1, W2, np.diag([2.0, 1.0, 0.5]))
    return mats, pen, same_product


def _needed_options(ctx: Context):
    """For each Q2(a)(iii) option: does optimizing (3) exactly need it? Measured."""
    X = _data(ctx.seed + 2, m=6, n=30)
    m = X.shape[0]
    k, lam = 3, 0.1 * float(np.linalg.eigvalsh(X @ X.T)[-1])
    rng = np.random.default_rng(ctx.seed + 3)
    W1, W2 = rng.standard_normal((k, m)), rng.standard_normal((m, k))
    return num.option_effects(X, W1, W2, lam, batch_size=5, seed=ctx.seed, device=ctx.device)


@section("q2a.i", title="How many linear layers?", question="Q2(a)(i)",
         result="regularized_linear_autoencoder")
def q2a_i(ctx: Context, ans: Answer) -> None:
    mats, pen, same = _layers_reason(ctx)
    ans.options = list(Q2A_I)
    ans.choices = [Q2A_I[len(mats)]]
    ans.check_kind = "choice"
    ans.latex = sympy.latex(_d(ctx).loss)
    ans.explanation = (
        f"Eq. (3) has {len(mats)} trainable matrices ({', '.join(mats)}): an encoder "
        "nn.Linear(m, k, bias=False) and a decoder nn.Linear(k, m, bias=False). One layer "
        "W = W2W1 cannot express the penalty: two factorizations of the same product "
        f"(same product: {same}) have penalties {pen[0]:.4g} and {pen[1]:.4g}.")
    ans.checks.append(Check("symbolic", "trainable MatrixSymbols in eq. (3)", mats, None,
                            len(mats) == 2))
    ans.checks.append(Check("numeric", "‖W1‖²+‖W2‖² differs for W2C, C⁻¹W1 (same product)",
                            pen, "differ", same and abs(pen[0] - pen[1]) > 1e-6))


@section("q2a.ii", title="Which loss function?", question="Q2(a)(ii)",
         result="regularized_linear_autoencoder")
def q2a_ii(ctx: Context, ans: Answer) -> None:
    ratios = num.loss_ratios(ctx.seed + 1)
    # the right loss is a fixed multiple of ‖X − X̂‖²_F: ratio·(mB) equal to 1 on both draws
    pick = [o for o in Q2A_II if all(abs(r - 1.0) < 1e-12 for r in ratios[o])]
    ans.options, ans.choices, ans.check_kind = list(Q2A_II), pick, "choice"
    ans.latex = r"\mathrm{MSELoss}(\hat X, X) = \frac{1}{mB}\|X-\hat X\|_F^2"
    ans.explanation = (
        "The reconstruction term of (3) is a sum of squared errors. nn.MSELoss (mean) times "
        "m·B equals ‖X − X̂‖²_F exactly; the others are not multiples of it "
        f"(loss·mB/‖X−X̂‖²_F on two draws: { {k: [round(v, 4) for v in r] for k, r in ratios.items()} }).")
    ans.data["ratios"] = ratios
    ans.checks.append(Check("numeric", "exactly one candidate is a constant multiple of "
                            "‖X−X̂‖²_F", pick, None, pick == ["nn.MSELoss"]))


@section("q2a.iii", title="What is needed to optimise (3) exactly?", question="Q2(a)(iii)",
         result="regularized_linear_autoencoder")
def q2a_iii(ctx: Context, ans: Answer) -> None:
    r = ctx.cached("q2a.needed", lambda: _needed_options(ctx))
    needed = {
        "Weight Decay": r["res_nowd"] > 1e-6 and r["res_wd"] < 1e-12,
        "Dropout": False, "Layer Norm": False, "Batch Norm": False,
        "SGD optimizer": r["steps"]["SGD"] < 1e-12,
    }
    # Dropout/LN/BN change the network function, so they would change the objective
    for o in ("Dropout", "Layer Norm", "Batch Norm"):
        needed[o] = r["changed"][o] < 1e-12
    ans.options, ans.check_kind = list(Q2A_III), "choices"
    ans.choices = [o for o in Q2A_III if needed[o]]
    ans.data["measurements"] = r
    ans.data["reasons"] = {
        "Weight Decay": f"without it the SGD direction is not parallel to ∇L_λ (residual "
                        f"{r['res_nowd']:.3g}); with the derived weight_decay it is "
                        f"(residual {r['res_wd']:.2g})",
        "Dropout": f"changes the network's output (max rel. change {r['changed']['Dropout']:.3g}):"
                   " a different objective",
        "Layer Norm": f"changes the map W2W1x (max rel. change {r['changed']['Layer Norm']:.3g})",
        "Batch Norm": f"changes the map W2W1x (max rel. change {r['changed']['Batch Norm']:.3g})",
        "SGD optimizer": "its step is exactly −lr·(∇loss + weight_decay·W), a gradient step on "
                         f"(3) (1 − cos = {r['steps']['SGD']:.2g}; Adam: {r['steps']['Adam']:.3g})",
    }
    ans.latex = r"\text{" + ", ".join(ans.choices) + "}"
    ans.volatile_fields += ["explanation", "data"]   # quotes rounding-level residuals
    ans.explanation = "; ".join(f"{k}: {v}" for k, v in ans.data["reasons"].items())
    ans.checks.append(Check("numeric", "selected options", ans.choices, None,
                            ans.choices == ["Weight Decay", "SGD optimizer"]))


@section("q2a", title="Training (3) in PyTorch: layers, loss, regularisers, weight_decay",
         question="Q2(a)", result="regularized_linear_autoencoder")
def q2a(ctx: Context, ans: Answer) -> None:
    d = _d(ctx)
    wd = d.weight_decay
    mean = d.convention == "mean"
    obj = "1/n" if mean else "sum"        # this key's objective in the derived map
    if mean:
        ans.latex = (r"\texttt{weight\_decay} = " + sympy.latex(wd[("1/n", "mean")])
                     + r"\ \text{(1/n on the reconstruction term)},\quad "
                     + sympy.latex(wd[("sum", "mean")]) + r"\ \text{(eq. (3) as printed)}")
    else:
        ans.latex = (r"\texttt{weight\_decay} = " + sympy.latex(wd[("sum", "mean")])
                     + r"\ \text{(eq. (3))},\quad " + sympy.latex(wd[("1/n", "mean")])
                     + r"\ \text{(1/n variant)}")
    ans.expr = sympy.sstr(wd[(obj, "mean")])
    ans.symbols = {"lam": "λ", "m": "input dimension", "n": "number of samples"}
    ans.derivation += [
        ("P(sample j in a uniform minibatch of B of n)", sympy.latex(d.inclusion_prob)),
        ("E[∇ MSELoss(mean)] = ∇R/(mn); match ∇ℓ + wd·W = c(∇R + 2λW)",
         sympy.latex(wd[("sum", "mean")])),
        ("1/n variant", sympy.latex(wd[("1/n", "mean")])),
        ("MSELoss(reduction='sum'), eq. (3)", sympy.latex(wd[("sum", "sum")])),
    ]
    ans.data["weight_decay"] = {f"{o}|{r}": sympy.sstr(v) for (o, r), v in wd.items()}
    from hw7.registry import get

    subs = {q: get(q).run(ctx) for q in ("q2a.i", "q2a.ii", "q2a.iii")}
    ans.data["sub_answers"] = {q: a.choices for q, a in subs.items()}
    ans.checks.append(Check("numeric", "sub-answers q2a.i–iii all pass their checks",
                            {q: a.passed for q, a in subs.items()}, None,
                            all(a.passed for a in subs.values())))
    ans.explanation = (
        f"(i) {subs['q2a.i'].choices[0]} linear layers, (ii) {subs['q2a.ii'].choices[0]}, "
        f"(iii) {' + '.join(subs['q2a.iii'].choices)}. "
        "Two bias-free nn.Linear layers (encoder, decoder), nn.MSELoss on (x̂, x), SGD with "
        + (f"weight_decay = {sympy.sstr(wd[('1/n', 'mean')])} for eq. (3) with 1/n on the "
           f"reconstruction term ({sympy.sstr(wd[('sum', 'mean')])} for eq. (3) as printed); "
           "with mean reduction the batch size B cancels; the effective step on L_λ is lr/m."
           if mean else
           f"weight_decay = {sympy.sstr(wd[('sum', 'mean')])} for eq. (3) "
           f"({sympy.sstr(wd[('1/n', 'mean')])} for the 1/n variant); with mean reduction "
           "the batch size B cancels; the effective step on L_λ is lr/(mn)."))
    ok = not wd[(obj, "mean")].has(sympy.Symbol("B", positive=True, integer=True))
    ans.checks.append(Check("symbolic", "weight_decay (mean reduction) is free of B",
                            ok, None, ok))
    if not ctx.numeric:
        return
    X = _data(ctx.seed + 4, m=6, n=60)
    m, n = X.shape
    lam = 0.2 * float(np.linalg.eigvalsh(_objective_data(ctx, X) @ _objective_data(ctx, X).T)[-1])
    # the 1/n objective at λ is 1/n times eq. (3) at nλ (proved): same gradient direction
    # and minimisers, so eq. (3)'s numerics at lam_ref confirm it
    lam_ref = n * lam if mean else lam
    rng = np.random.default_rng(ctx.seed + 5)
    W1, W2 = rng.standard_normal((3, m)), rng.standard_normal((m, 3))
    rows = num.direction_residuals(X, W1, W2, lam_ref, num.weight_decay(lam, m, n, objective=obj),
                                   (1, 5, n), device=ctx.device)
    ans.tables["mapping"] = {"columns": ["batch size B", "residual ‖avg − c∇L_λ‖/‖avg‖",
                                         "c·m·n (expect 1)"], "rows": rows}
    ans.volatile_fields.append("tables")
    worst = max(r[1] for r in rows)
    cerr = max(abs(r[2] - 1) for r in rows)
    ans.checks.append(Check("numeric", "averaged SGD direction ∥ ∇L_λ, c = 1/(mn) (float64)",
                            {"residual": worst, "|c·mn − 1|": cerr}, 1e-12,
                            worst < 1e-12 and cerr < 1e-12, volatile=True))

    # confirmed by training: SGD with the derived weight_decay reaches the closed form of
    # (3); with a mis-scaled one (2λ/n, forgetting MSELoss's 1/m) it converges elsewhere
    wrong = "2λ (wrong)" if mean else "2λ/n (wrong)"    # the derived value × m
    gaps = num.trained_gaps(
        X, 3, lam_ref, {"derived": num.weight_decay(lam, m, n, objective=obj) if mean else None,
                        wrong: 2 * lam if mean else 2 * lam / n},
        steps=2000, lr_scale=0.2, seed=ctx.seed, device=ctx.device)
    ans.checks.append(Check("numeric", "relative loss gap to the closed form after full-batch "
                            "SGD training, derived vs wrong weight_decay", gaps,
                            "derived < 1e-9, wrong > 1e-3",
                            gaps["derived"] < 1e-9 and gaps[wrong] > 1e-3,
                            volatile=True))

    strat = props.wd_cases()
    n_ex = ctx.budget.q2a_prop_examples
    ans.checks.append(property_check("derived weight_decay makes the expected SGD step a step "
                                     "on L_λ",
                                     props.weight_decay_map_holds(props.derived_weight_decay(obj),
                                                                  mean),
                                     strat, max_examples=n_ex, seed=ctx.seed))
    ans.checks.append(property_check("mutation weight_decay = 2λ/(mB) is refuted",
                                     props.weight_decay_map_holds(props.per_batch_weight_decay,
                                                                  mean),
                                     strat, max_examples=n_ex, seed=ctx.seed,
                                     expect_failure=True))


# ------------------------------------------------------------------ Q2(b)

def _train_points(ctx: Context):
    """Train (3) as Q2(a) says (numerics' training_sweep): full-batch SGD (B = n) at
    several λ gives the tight comparison (it converges linearly); minibatch and
    one-sample SGD take a 1/t step-size tail to a relative loss gap of 1e-3."""
    m, k, n = ctx.budget.q2b_shape
    sig = n * np.array([4.0, 2.5, 1.5, 1.0, 0.6, 0.4, 0.3, 0.2, 0.15, 0.1][:m])
    X = _objective_data(ctx, lnum.make_data(m, n, sig, seed=ctx.seed))
    sig = sig / n if _mean(ctx) else sig              # the variant's σ_i (of XXᵀ/n)
    sig_k = sig[k - 1]                                 # λ is set relative to σ_k
    plan = [num.TrainingPlan(r * sig_k, n, "iid", 0.2, False, ctx.budget.q2b_fullbatch_steps,
                             1e-9) for r in ctx.budget.q2b_ratios]
    plan.append(num.TrainingPlan(0.3 * sig_k, 10, "iid", 0.2, True, 20000, 1e-3))
    plan.append(num.TrainingPlan(0.3 * sig_k, 1, "iid", 0.03, True, 100000, 1e-3))
    if ctx.budget.q2b_epoch_sampling:
        plan.append(num.TrainingPlan(0.3 * sig_k, 1, "epoch", 0.03, True, 100000, 1e-3))
    rows, pts = num.training_sweep(X, k, plan, seed=ctx.seed, device=ctx.device,
                                   progress=ctx.progress)
    return X, sig, k, rows, pts, n


@section("q2b", title="Inductive bias towards orthonormal decoder columns", question="Q2(b)",
         result="regularized_linear_autoencoder")
def q2b(ctx: Context, ans: Answer) -> None:
    d = _d(ctx)
    sc = d.scalar
    ans.latex = (r"W_2 = U_k\,\mathrm{diag}\Big(" + sympy.latex(d.singular_value)
                 + r"\Big)\,O^T,\ W_1 = W_2^T;\quad \mathrm{eig}(W_2^TW_2 - I) = "
                 + sympy.latex(d.deviation))
    ans.derivation += [
        ("one direction: f(a, b)", sympy.latex(sc.f)),
        ("critical points (SymPy solve)", sympy.latex(sc.critical_points)),
        ("for a fixed product ab, a² + b² − 2ab", sympy.latex(sc.balanced_gap)),
        ("optimal a² = b² (λ < σ_i)", sympy.latex(sc.p_opt)),
        ("Hessian at the origin: eigenvalues (PSD iff λ ≥ σ_i)",
         sympy.latex(sc.hessian_origin_eigs)),
        ("f(0,0) − f(opt) ≥ 0", sympy.latex(sc.value_gap)),
        ("singular values of W2 (general λ)", sympy.latex(d.singular_value)),
        ("deviation: eigenvalues of W2ᵀW2 − I", sympy.latex(d.deviation)),
    ]
    ans.data["assumptions"] = d.assumptions
    ans.data["deviation_1_over_n"] = sympy.sstr(sympy.expand(d.col_norm_sq_1_over_n - 1))
    ok_bal = sympy.simplify(sc.balanced_gap - (sc.a - sc.b) ** 2) == 0
    ans.checks.append(Check("symbolic", "a² + b² − 2ab = (a − b)²: balanced factors are the "
                            "unique minimisers of the penalty for a fixed product",
                            sympy.sstr(sc.balanced_gap), None, ok_bal))
    ans.explanation = (
        "Yes. ℓ2 regularisation removes the GL(k) ambiguity of the unregularised optimum "
        "(W2 = U_kC for any invertible C, with W2ᵀW2 = CᵀC arbitrary): for a fixed product "
        "the penalty is minimised only by balanced factors, so W1 = W2ᵀ and "
        f"W2 = U_k diag({sympy.sstr(d.singular_value)}) Oᵀ with O orthogonal. Hence "
        f"W2ᵀW2 has eigenvalues {sympy.sstr(d.col_norm_sq)}: the deviation from I is "
        f"{sympy.sstr(d.deviation)} per direction, O(λ/σ_k) in operator norm, so small λ "
        "gives approximately orthonormal columns; a direction with λ ≥ σ_i collapses to 0.")
    if d.convention == "mean":
        ans.explanation += (" With 1/n on the reconstruction term, (3) is eq. (3) on X/√n, so "
                            "the σ_i here are the eigenvalues of XXᵀ/n.")
    if not ctx.numeric:
        return
    # closed form: stationary (autograd), including λ ≥ σ_i
    X = _objective_data(ctx, _data(ctx.seed + 6))
    k = 3
    worst = num.closed_form_error(X, k, (0.1, 0.5, 1.5), device=ctx.device)
    ans.checks.append(Check("numeric", "closed form (λ/σ_k ∈ {0.1, 0.5, 1.5}): max |∇L_λ|/σ1 "
                            "and relative error of the predicted optimal value",
                            float(worst), 1e-12, worst < 1e-12, volatile=True))
    # unregularised comparison: W2ᵀW2 = CᵀC for a random member of the optimal family
    pca = lnum.pca_solution(X, k)
    C = np.random.default_rng(ctx.seed).standard_normal((k, k)) + np.eye(k)
    _, W2u = pca.family(C)
    dev0 = float(np.linalg.norm(W2u.T @ W2u - np.eye(k), 2))
    ans.data["unregularised_deviation_example"] = dev0
    # training the way Q2(a) says, at a few λ
    X, sigv, k, rows, pts, n_tr = ctx.cached("q2b.train", lambda: _train_points(ctx))
    ans.tables["training"] = {
        "columns": ["λ", "batch size", "sampling", "step-size schedule", "target gap",
                    "steps", "relative loss gap", "max |eig(W2ᵀW2) − pred|", "‖W1 − W2ᵀ‖_F"],
        "rows": rows}
    ans.volatile_fields.append("tables")
    full = [r for r in rows if r[1] == n_tr]
    ok = all(r[6] < 1e-8 and r[7] < 1e-3 and r[8] < 1e-3 for r in full)
    ans.checks.append(Check("numeric", "full-batch SGD (nn.Linear×2, MSELoss, derived "
                            "weight_decay) reaches the closed form: loss gap, W2ᵀW2 spectrum, "
                            "balance W1 = W2ᵀ",
                            {"gap": max(r[6] for r in full), "eig": max(r[7] for r in full),
                             "balance": max(r[8] for r in full)},
                            "gap < 1e-8, eig and balance < 1e-3", ok, volatile=True))
    mini = [r for r in rows if r[1] != n_tr]
    ans.checks.append(Check("numeric", "minibatch / one-sample SGD with a 1/t step-size tail "
                            "(lr·min(1, t0/t)) reaches its target relative loss gap",
                            {f"B={r[1]} {r[2]}": {"gap": r[6], "steps": r[5], "schedule": r[3]}
                             for r in mini},
                            {f"B={r[1]} {r[2]}": r[4] for r in mini},
                            all(r[6] <= r[4] for r in mini), volatile=True))
    _figure(ctx, ans, sigv, k, pts)

    strat = props.cf_cases()
    n_ex = ctx.budget.q2b_prop_examples
    ans.checks.append(property_check("closed form is stationary (incl. λ ≥ σ_i, λ = 0)",
                                     props.closed_form_is_stationary(), strat,
                                     max_examples=n_ex, seed=ctx.seed))
    ans.checks.append(property_check("mutation d_i = 1 − λ/σ_i (no square root) is refuted",
                                     props.closed_form_is_stationary(
                                         props.closed_form_without_sqrt),
                                     strat, max_examples=n_ex, seed=ctx.seed,
                                     expect_failure=True))


def _figure(ctx: Context, ans: Answer, sig, k, pts) -> None:
    path, rel = ctx.figure("q2b_wtw_spectrum.png")
    if path is None:
        return
    d = _d(ctx)
    num.plot_spectrum(sympy.lambdify([d.lam, d.sigma_i], d.col_norm_sq_general, "numpy"),
                      sig, k, pts, path)
    ans.figures.append(rel)


@section("q2b.col_norm_sq", title="Squared column norms of the optimal W2",
         question="Q2(b)", result="regularized_linear_autoencoder")
def q2b_col_norm_sq(ctx: Context, ans: Answer) -> None:
    d = _d(ctx)
    ans.expr = sympy.sstr(d.col_norm_sq)
    ans.latex = sympy.latex(d.col_norm_sq)
    ans.check_kind = "expr"
    ans.symbols = {"lam": "λ", "sigma_i": f"{d.sigma_meaning} (i ≤ k)"}
    ans.data["valid_when"] = "lam < sigma_i (else the direction collapses: 0)"
    # `hw7 check` compares where the formula is the answer, so the general form
    # max(0, 1 - lam/sigma_i) is accepted and no "expected -1" counterexample is shown.
    ans.data["domain"] = [["lam", "<", "sigma_i"]]
    ans.data["general"] = sympy.sstr(d.col_norm_sq_general)
    ans.data["1_over_n_variant"] = sympy.sstr(d.col_norm_sq_1_over_n)
    ans.explanation = (
        f"Eigenvalues of W2ᵀW2 at the optimum (= squared column norms for the representative "
        f"O = I): {ans.expr} for λ < σ_i, {sympy.sstr(d.col_norm_sq_general)} in general; "
        + (f"σ_i are the eigenvalues of XXᵀ/n (1/n on the reconstruction term); in terms of "
           f"the eigenvalues σ_i of XXᵀ itself: {sympy.sstr(d.col_norm_sq_1_over_n)}."
           if d.convention == "mean" else
           f"with 1/n on the reconstruction term: {sympy.sstr(d.col_norm_sq_1_over_n)}."))
    ok = sympy.simplify(sympy.diff(d.scalar.f, d.scalar.a).subs(
        {d.scalar.a: sympy.sqrt(d.col_norm_sq), d.scalar.b: sympy.sqrt(d.col_norm_sq)})) == 0
    ans.checks.append(Check("symbolic", "∂f/∂a vanishes at a = b = √(" + ans.expr + ")",
                            ok, None, ok))
    if not ctx.numeric:
        return
    X = _objective_data(ctx, _data(ctx.seed + 9))
    sig = np.linalg.eigvalsh(X @ X.T)[::-1]
    lam = 0.2 * sig[2]
    cf = num.closed_form(X, 3, lam)
    fn = sympy.lambdify([d.lam, d.sigma_i], d.col_norm_sq, "numpy")
    err = float(np.abs(np.sum(cf.W2**2, axis=0) - fn(lam, sig[:3])).max())
    ans.checks.append(Check("numeric", "column norms² of the closed-form W2 (O = I)", err, 1e-12,
                            err < 1e-12, volatile=True))
