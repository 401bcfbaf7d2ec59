"""Answer-key section for Q6(c): the diverging loop (zero_grad called once)."""

from __future__ import annotations

import sympy as sp

from derivations import missing_zero_grad as der_mod
from hw7.properties import missing_zero_grad as props
from hw7.registry import Answer, Check, Context, section
from hw7core.props import holds
from numerics import missing_zero_grad as num

RESULT = "missing_zero_grad"
FIX = "call optimizer.zero_grad() inside the loop, before loss.backward(), every iteration"
CAUSE = "zero_grad once, outside the loop (gradients accumulate)"


@section("q6c", title="The diverging loop: zero_grad outside the loop", question="Q6(c)",
         result=RESULT)
def q6c(ctx: Context, ans: Answer) -> None:
    der = ctx.cached("q6c.derive", der_mod.derive)
    ans.check_kind = "choice"
    ans.options = [CAUSE, FIX]
    ans.choices = [FIX]
    ans.data["causes"] = [CAUSE]  # the diagnosis: hw7 check asks for the fix when only it is named
    ans.data["bug"] = "optimizer.zero_grad() is called once before the loop, so .grad accumulates"
    ans.data["fix"] = FIX
    ans.latex = r"G_t = G_{t-1} + g_t = \sum_{s\le t} g_s,\quad \theta_t = \theta_{t-1} - \mathrm{lr}\,G_t"
    ans.derivation += [
        (f"iterating the buggy loop {der.steps} steps: G_t − Σ g_s",
         sp.latex(sp.Matrix(der.buffer_minus_sum).T)),
        ("θ_T: gradient g_s enters with weight T − s + 1", sp.latex(der.theta_T)),
        ("(θ, G) map on f = hθ²/2; det", sp.latex(der.buggy_map) + r",\ \det = " + sp.latex(der.buggy_det)),
    ]
    ok_w = holds(props.weights_are_linear, der)
    ans.checks += [
        Check("symbolic", "G_t − Σ_{s≤t} g_s for every t", sp.sstr(der.buffer_minus_sum),
              "exactly 0", holds(props.buffer_is_sum, der)),
        Check("symbolic", "coefficient of g_s in (θ_0−θ_T)/lr is T−s+1", sp.sstr(der.weights),
              "exact", ok_w),
        Check("symbolic", "det of the buggy (θ,G) map on a quadratic (1 ⇒ never contracts)",
              sp.sstr(der.buggy_det), "exactly 1", der.buggy_det == 1),
    ]
    ans.explanation = (
        "backward() adds into .grad; with zero_grad() only before the loop the step uses "
        "lr·Σ_{s≤t} g_s (frictionless momentum, determinant 1 on a quadratic), so steps grow "
        f"and the loss diverges. Fix: {FIX}.")
    if not ctx.numeric:
        return
    ident, mom = props.numeric_identity(ctx.seed, device=ctx.device)
    tol = props.IDENTITY_TOL
    ans.checks += [
        Check("numeric", "float64: .grad after t buggy steps vs Σ of per-step autograd.grad",
              ident, tol, ident <= tol),
        Check("numeric", "float64: buggy loop vs fixed loop with SGD(momentum=1) parameters",
              mom, tol, mom <= tol),
    ]
    steps = ctx.budget.q6c_steps
    runs = [num.train_loop(steps, fixed=f, seed=ctx.seed, device=ctx.device,
                           progress=ctx.progress) for f in (False, True)]
    w = max(steps // 10, 1)
    rows = []
    for r in runs:
        rows.append(["fixed" if r.fixed else "buggy", round(sum(r.losses[:w]) / w, 4),
                     round(sum(r.losses[-w:]) / w, 4), round(r.grad_norms[0], 4),
                     round(r.grad_norms[-1], 4)])
    ans.tables["loop comparison (synthetic CIFAR-shaped data, linear classifier)"] = {
        "columns": ["loop", f"mean loss first {w}", f"mean loss last {w}",
                    "‖.grad‖ step 1", "‖.grad‖ last step"], "rows": rows}
    ans.volatile_fields += ["tables", "explanation"]
    ans.data["seed"] = ctx.seed
    bug, fix = rows
    ans.checks += [
        Check("numeric", "buggy loop: late mean loss above early mean loss (diverges)",
              [bug[1], bug[2]], "late > early", bug[2] > bug[1], volatile=True),
        Check("numeric", "fixed loop: late mean loss below early mean loss (converges)",
              [fix[1], fix[2]], "late < early", fix[2] < fix[1], volatile=True),
        Check("numeric", "buggy ‖.grad‖ grows ≥ 10× while the fixed one does not",
              [bug[4] / bug[3], fix[4] / fix[3]], "≥10 vs <10",
              bug[4] / bug[3] >= 10 and fix[4] / fix[3] < 10, volatile=True),
    ]
    ans.explanation += (f" Measured over {steps} steps (synthetic 3×32×32 data): buggy loss "
                        f"{bug[1]:.3g} → {bug[2]:.3g}, ‖.grad‖ {bug[3]:.3g} → {bug[4]:.3g}; "
                        f"fixed loss {fix[1]:.3g} → {fix[2]:.3g}.")
    path, rel = ctx.figure("q6c_zero_grad_loops.png")
    if path:
        from hw7core.plotting import save_figure, subplots
        fig, ax = subplots(1, 2, figsize=(10, 3.5))
        for r in runs:
            lab = "fixed" if r.fixed else "buggy (zero_grad once)"
            ax[0].plot(r.losses, lw=0.7, label=lab)
            ax[1].plot(r.grad_norms, lw=0.9, label=lab)
        ax[0].set(xlabel="step", ylabel="training loss", title="loss")
        ax[1].set(xlabel="step", ylabel="‖.grad‖", yscale="log", title="gradient buffer norm")
        ax[0].legend()
        save_figure(fig, path)
        ans.figures.append(rel)
