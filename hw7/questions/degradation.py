"""Answer-key section for Q6(a): the degradation problem (deeper plain net trains worse)."""

from __future__ import annotations

import sympy as sp

from derivations import degradation as der_mod
from hw7.properties import degradation as props
from hw7.registry import Answer, Check, Context, section
from numerics import degradation as num

RESULT = "degradation"
Z = props.Z_MAX


@section("q6a", title="Degradation: why the 56-layer plain net trains worse", question="Q6(a)",
         result=RESULT)
def q6a(ctx: Context, ans: Answer) -> None:
    der = ctx.cached("q6a.derive", der_mod.derive)
    ans.latex = (r"\mathbb{E}\|h_L\|^2/\|h_0\|^2:\ " + sp.latex(der.plain_gain)
                 + r"\ \text{(plain)}\ \text{vs}\ " + sp.latex(der.residual_gain)
                 + r"\ \text{(residual)}")
    ans.derivation += [
        ("plain chain, rsolve a(l+1)=s²a(l)", sp.latex(der.plain_gain)),
        ("residual chain, rsolve a(l+1)=(1+s²)a(l)", sp.latex(der.residual_gain)),
        ("residual with s² = c/L, L → ∞", sp.latex(der.residual_limit)),
        ("scalar chain: ∏(1+w_l) expanded (identity path = constant term)",
         sp.latex(der.residual_product)),
    ]
    ans.checks += [
        Check("symbolic", "residual product has constant term (identity path)",
              sp.sstr(der.residual_constant), "exactly 1", der.residual_constant == 1),
        Check("symbolic", "plain product has no identity path",
              sp.sstr(der.plain_product.subs({w: 0 for w in der.plain_product.free_symbols})),
              "exactly 0", der.plain_product.subs({w: 0 for w in der.plain_product.free_symbols}) == 0),
    ]
    ans.explanation = (
        "Not overfitting: the deeper plain network's *training* error is worse too. It is an "
        f"optimisation problem: signal and gradient scale like {sp.sstr(der.plain_gain)} through a "
        f"plain chain (vanishing/exploding with depth) but like {sp.sstr(der.residual_gain)} with "
        "skip connections, which keep an identity path. Remedies: residual connections (ResNet), "
        "normalisation (BatchNorm/LayerNorm), careful initialisation (He init, small residual "
        "branches).")
    if not ctx.numeric:
        return
    gain = props.formulas(der)
    trials = ctx.budget.q6a_trials
    for depth, s, res in ((8, 0.8, False), (8, 0.5, True), (16, 1.2, False)):
        m, se, z = props.gain_z(gain, depth, s, res, trials=trials, seed=ctx.seed,
                                device=ctx.device)
        pred = gain(depth, s, res)
        ans.checks.append(Check(
            "numeric", f"Monte Carlo gain, {'residual' if res else 'plain'} L={depth}, s={s}, "
            f"n=64, {trials} trials (seed {ctx.seed}) vs derived {pred:.4g}",
            {"mean": m, "se": se, "z": z}, f"|z| ≤ {Z}", abs(z) <= Z))
    steps = ctx.budget.q6a_steps
    deep = 30
    cfg = [("plain-shallow (4 hidden)", 4, False), (f"plain-deep ({deep} hidden)", deep, False),
           (f"residual-deep ({deep} hidden)", deep, True)]
    curves, rows = {}, []
    for name, depth, res in cfg:
        cur = num.train_error_curve(depth, res, steps, seed=ctx.seed, device=ctx.device,
                                    progress=ctx.progress)
        gn = num.grad_norms_at_init(depth, res, seed=ctx.seed, device=ctx.device)
        curves[name] = (cur, gn)
        rows.append([name, round(cur[-1], 4), float(f"{gn[0]:.3g}"), float(f"{gn[-1]:.3g}")])
    ans.tables["training error after training, gradient norms at init (two spirals)"] = {
        "columns": ["network", f"train error at step {steps}", "‖∂L/∂W‖ first hidden",
                    "‖∂L/∂W‖ last hidden"], "rows": rows}
    ans.volatile_fields += ["tables", "explanation"]
    sh, pd, rd = (r[1] for r in rows)
    ans.checks += [
        Check("numeric", "plain-deep trains worse than plain-shallow (training error)",
              [pd, sh], "deep > shallow", pd > sh, volatile=True),
        Check("numeric", "residual-deep trains no worse than plain-shallow", [rd, sh],
              "residual ≤ shallow", rd <= sh, volatile=True),
    ]
    ans.explanation += (f" Measured (synthetic two-spirals task, MLP width 32, SGD+momentum, "
                        f"{steps} steps): training error shallow {sh:.3g}, plain-deep {pd:.3g}, "
                        f"residual-deep {rd:.3g}; first-layer gradient at init plain-deep "
                        f"{rows[1][2]:.3g} vs residual-deep {rows[2][2]:.3g}.")
    path, rel = ctx.figure("q6a_degradation.png")
    if path:
        from hw7core.plotting import save_figure, subplots
        fig, ax = subplots(1, 2, figsize=(10, 3.5))
        for name, (cur, gn) in curves.items():
            ax[0].plot(cur, label=name)
            ax[1].plot(range(1, len(gn) + 1), gn, marker=".", label=name)
        ax[0].set(xlabel="step", ylabel="training error", title="training error")
        ax[1].set(xlabel="hidden layer", ylabel="‖∂L/∂W_l‖ at init", yscale="log",
                  title="per-layer gradient norm at init")
        ax[0].legend()
        save_figure(fig, path)
        ans.figures.append(rel)
