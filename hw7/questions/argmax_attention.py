"""Answer-key sections for Q4: argmax attention (a) on the homework's instance and (b) why
it cannot be trained by gradient descent."""

from __future__ import annotations

import numpy as np
import sympy as sp
import torch

from derivations import argmax_attention as der_mod
from hw7 import variants
from hw7.properties.argmax_attention import attention_case, best_value_property, last_index_on_ties
from hw7.props import property_check
from hw7.registry import Answer, Check, Context, section
from numerics import argmax_attention as num

RESULT = "argmax_attention"
TEMPERATURES = [4.0, 2.0, 1.0, 0.5, 0.25, 0.1, 0.05]


def _derived(ctx: Context) -> der_mod.ArgmaxAttention:
    inst = variants.active(ctx).q4   # the homework's instance unless a variant names another
    return ctx.cached("q4.derive", lambda: der_mod.derive(
        [list(r) for r in inst.keys], [list(r) for r in inst.values], list(inst.query)))


# ---------------------------------------------------------------- q4a
@section("q4a", title="Argmax attention on the given keys, values and query", question="Q4(a)",
         result=RESULT)
def q4a(ctx: Context, ans: Answer) -> None:
    der = _derived(ctx)
    out = list(der.output)
    ans.expr = sp.sstr(out)
    ans.latex = sp.latex(der.output.T)
    ans.check_kind = "vector"
    ans.symbols = {}
    names = [f"k{t + 1}" for t in range(der.keys.shape[0])]
    ans.derivation += [
        (f"keys (rows k1..k{len(names)})", sp.latex(der.keys)),
        (f"values (rows v1..v{len(names)})", sp.latex(der.values)),
        ("query", sp.latex(der.query.T)),
        ("scores qᵀk_i", sp.latex(der.scores.T)),
        (f"argmax one-hot (ties → lowest index): {names[der.index]} wins", sp.latex(der.weights.T)),
        ("output = Σ_i onehot_i v_i", sp.latex(der.output.T)),
    ]
    ans.tables["scores"] = {"columns": ["key", "k_i", "qᵀk_i", "selected", "v_i"],
                            "rows": [[names[t], sp.sstr(list(der.keys.row(t))),
                                      sp.sstr(der.scores[t]), bool(der.weights[t]),
                                      sp.sstr(list(der.values.row(t)))]
                                     for t in range(der.keys.shape[0])]}
    ans.data.update({"scores": [int(s) for s in der.scores], "selected_key": names[der.index],
                     "tie_rule": "lowest index", "assumptions": der.assumptions})
    ans.explanation = (f"Scores qᵀk_i = {sp.sstr(list(der.scores))}; the largest, "
                       f"{sp.sstr(der.scores[der.index])}, belongs to {names[der.index]}, so the "
                       f"output is its value v{der.index + 1} = {sp.sstr(out)}.")
    ans.checks.append(Check("symbolic", "output equals the value row of the selected key",
                            sp.sstr(out), None, list(der.values.row(der.index)) == out))
    if not ctx.numeric:
        return
    K = torch.tensor(np.array(der.keys.tolist(), dtype=float), device=ctx.device)
    V = torch.tensor(np.array(der.values.tolist(), dtype=float), device=ctx.device)
    q = torch.tensor(np.array(der.query.T.tolist(), dtype=float), device=ctx.device)
    res = num.argmax_attention(q, K, V, device=ctx.device)
    got = res["output"][0].cpu().tolist()
    ans.checks.append(Check("numeric", f"torch argmax attention ({ctx.device}, float64) on the "
                            "instance: scores and output", {"scores": res["scores"][0].cpu().tolist(),
                                                            "output": got}, "exact",
                            got == [float(x) for x in out]
                            and res["scores"][0].cpu().tolist() == [float(s) for s in der.scores]))
    n_ex = ctx.budget.q4a_prop_examples
    ans.checks.append(property_check(
        "argmax attention output == value of the best key (ties → lowest index), random batches",
        best_value_property(), attention_case(), max_examples=n_ex, seed=ctx.seed))
    ans.checks.append(property_check(
        "mutation: ties resolved to the highest index is refuted",
        best_value_property(last_index_on_ties), attention_case(), max_examples=n_ex,
        seed=ctx.seed, expect_failure=True))


# ---------------------------------------------------------------- q4b
@section("q4b", title="Why argmax attention cannot be trained", question="Q4(b)", result=RESULT)
def q4b(ctx: Context, ans: Answer) -> None:
    der = _derived(ctx)
    jac_norm = float(sp.sqrt(sum(e**2 for e in der.softmax_jacobian)).evalf())
    ans.latex = (r"\frac{\partial\, \mathrm{argmax\ attention}(q)}{\partial q} = "
                 + sp.latex(der.argmax_jacobian) + r"\ \text{for}\ \|\Delta q\| < "
                 + sp.latex(der.radius))
    ans.derivation += [
        ("softmax weights with inverse temperature β at the instance", sp.latex(der.softmax_weights.T)),
        ("their limit β → ∞ is the argmax one-hot", sp.latex(der.softmax_limit.T)),
        ("smallest score gap to the winner, and the radius in q within which the winner "
         "cannot change", sp.latex(der.margin) + ",\\ " + sp.latex(der.radius)),
        ("argmax output is constant there: Jacobian w.r.t. q", sp.latex(der.argmax_jacobian)),
        ("softmax (β = 1) output Jacobian w.r.t. q at the instance: non-zero, Frobenius norm "
         f"{jac_norm:.4g}", sp.latex(sp.N(der.softmax_jacobian, 4))),
    ]
    ans.checks.append(Check("symbolic", "lim β→∞ softmax(βs) equals the argmax one-hot",
                            sp.sstr(list(der.softmax_limit)), None,
                            der.softmax_limit == der.weights))
    ans.checks.append(Check("symbolic", "argmax output Jacobian is zero on the ball; softmax's is not",
                            {"argmax": sp.sstr(der.argmax_jacobian), "softmax_norm": jac_norm}, None,
                            der.argmax_jacobian.is_zero_matrix and jac_norm > 0))
    base = ("Argmax is piecewise constant in the scores: wherever the winner is unique, a small "
            "change of the query or keys leaves the output unchanged, so ∂output/∂q = ∂output/∂K "
            "= 0 almost everywhere (and undefined on the tie boundaries). No gradient reaches "
            "W_Q or W_K, so queries and keys cannot be learned; only the selected value gets "
            "gradient. Softmax is the smooth relaxation (argmax is its zero-temperature limit) "
            "and passes gradient to every score.")
    ans.explanation = base
    ans.data["assumptions"] = der.assumptions
    if not ctx.numeric:
        return
    K = torch.tensor(np.array(der.keys.tolist(), dtype=float))
    V = torch.tensor(np.array(der.values.tolist(), dtype=float))
    q = torch.tensor(np.array(der.query.T.tolist(), dtype=float))
    g = num.gradients(q, K, V, device=ctx.device)
    ans.data["gradients"] = g
    ans.checks.append(Check(
        "numeric", "autograd on the instance, L = ‖output‖²: ‖∂L/∂q‖, ‖∂L/∂K‖ (argmax, plus central "
        "differences h = 1e-4) vs softmax", g, "argmax exactly 0; softmax > 0",
        g["argmax"]["grad_q_norm"] == 0 and g["argmax"]["grad_K_norm"] == 0
        and g["argmax"]["fd_grad_q_norm"] == 0 and g["softmax"]["grad_q_norm"] > 0
        and g["softmax"]["grad_K_norm"] > 0, volatile=True))   # softmax norms: last digits vary
    # retrieval experiment over several seeds derived from the run's seed
    seeds = [ctx.seed * 1000 + t for t in range(ctx.budget.q4b_retrieval_seeds)]
    steps = ctx.budget.q4b_retrieval_steps
    runs = [num.retrieval_experiment(seed=s, steps=steps, lr=1.0, device=ctx.device)
            for s in ctx.progress(seeds, desc="q4b retrieval")]
    rows = [[r["seed"], r["target"], round(r["softmax"]["loss"][0], 4),
             round(r["softmax"]["loss"][-1], 4), r["softmax"]["retrieves_target"],
             round(r["argmax"]["loss"][-1], 4), r["argmax"]["q_moved"]] for r in runs]
    ans.tables["retrieval experiment"] = {
        "columns": ["seed", "target key", "initial loss", "softmax final loss",
                    "softmax retrieves target", "argmax final loss", "argmax ‖q − q0‖"],
        "rows": rows}
    ans.data["retrieval"] = {"seeds": seeds, "steps": steps, "lr": 1.0}
    n_ret = sum(r["softmax"]["retrieves_target"] for r in runs)
    ans.checks.append(Check(
        "numeric", f"query trained by SGD to retrieve a target value ({len(runs)} seeds, {steps} "
        "steps): argmax never moves, softmax lowers the loss on every seed",
        {"argmax_q_moved": [r["argmax"]["q_moved"] for r in runs],
         "softmax_loss_ratio": [r["softmax"]["loss"][-1] / r["softmax"]["loss"][0] for r in runs],
         "softmax_retrieves": n_ret},
        "argmax ‖q − q0‖ = 0 and loss constant; softmax final < initial",
        all(r["argmax"]["q_moved"] == 0 and len(set(r["argmax"]["loss"])) == 1 for r in runs)
        and all(r["softmax"]["loss"][-1] < r["softmax"]["loss"][0] for r in runs),
        volatile=True))   # SGD trajectories may differ in the last digits across BLAS/devices
    ans.volatile_fields += ["tables", "explanation", "data"]
    sweep = num.temperature_sweep(q, K, V, TEMPERATURES, device=ctx.device)
    ans.tables["softmax temperature sweep"] = {
        "columns": ["τ", "max |softmax_τ − argmax|"], "rows": [[t, f"{e:.3e}"] for t, e in sweep]}
    errs = [e for _, e in sweep]
    ans.checks.append(Check("numeric", "softmax(qKᵀ/τ)V → argmax attention as τ → 0 (instance)",
                            sweep, "non-increasing, < 1e-6 at the smallest τ",
                            all(a >= b for a, b in zip(errs, errs[1:])) and errs[-1] < 1e-6,
                            volatile=True))
    ans.explanation = base + (
        f" Measured: on the instance autograd gives ‖∂L/∂q‖ = {g['argmax']['grad_q_norm']} for "
        f"argmax vs {g['softmax']['grad_q_norm']:.3g} for softmax; training a query to retrieve a "
        f"target, the argmax query never moved while softmax retrieved it on {n_ret}/{len(runs)} "
        "seeds (and lowered the loss on all).")
    path, rel = ctx.figure("q4b_argmax_vs_softmax.png")
    if path:
        num.plot_retrieval(runs, sweep, path)
        ans.figures.append(rel)
