"""Answer-key section for Q6(b): gradient accumulation with BatchNorm vs LayerNorm."""

from __future__ import annotations

import sympy as sp

from derivations import gradient_accumulation as der_mod
from hw7.properties import gradient_accumulation as props
from hw7.registry import Answer, Check, Context, section
from numerics import gradient_accumulation as num

RESULT = "gradient_accumulation"
EXACT = props.EXACT
NAMES = {"batch": "BatchNorm", "layer": "LayerNorm"}


@section("q6b", title="Gradient accumulation: which normalisation fails", question="Q6(b)",
         result=RESULT)
def q6b(ctx: Context, ans: Answer) -> None:
    der = ctx.cached("q6b.derive", der_mod.derive)
    ans.check_kind = "choice"
    ans.options = ["BatchNorm", "LayerNorm"]
    ans.derivation += [
        ("separable loss: mean over 32 − Σ chunk-mean/a, and its θ-gradient, for all (b, a)",
         sp.latex(sp.Matrix([list(der.split_grad_gap.values())]))),
        ("BatchNorm couples the batch: ∂ŷ₁/∂x₂ (batch of 3)", sp.latex(der.bn_cross)),
        ("LayerNorm of sample 1 w.r.t. sample 2's features", sp.latex(der.ln_cross)),
    ]
    ans.checks += [
        Check("symbolic", "per-sample-separable loss: accumulated loss and gradient gaps",
              sp.sstr(list(der.split_grad_gap.values())), "exactly 0",
              all(v == 0 for v in list(der.split_loss_gap.values()) + list(der.split_grad_gap.values()))),
        Check("symbolic", "∂BN(x)₁/∂x₂ at x=(1,2,4), ε=0 (non-zero: batch coupling)",
              sp.sstr(der.bn_cross_at), "≠ 0", der.bn_cross_at != 0),
        Check("symbolic", "∂LN(sample 1)/∂(sample 2)", sp.sstr(der.ln_cross), "exactly 0",
              der.ln_cross == 0),
    ]
    ans.explanation = ("BatchNorm normalises with statistics of the mini-batch, so each chunk's "
                       "outputs (and loss) depend on which samples share the chunk; the loss is "
                       "not a sum of per-sample terms and accumulation cannot reproduce the "
                       "batch-32 gradient. LayerNorm normalises each sample on its own.")
    if not ctx.numeric:
        ans.choices = ["BatchNorm"] if der.bn_cross_at != 0 and der.ln_cross == 0 else []
        return
    seeds = [ctx.seed + k for k in range(ctx.budget.q6b_seeds)]
    rows, worst = [], {"batch": 0.0, "layer": 0.0, "batch-eval": 0.0}
    for s in ctx.progress(seeds, desc="Q6b seeds"):
        x, y = num.data(seed=s, device=ctx.device)
        for kind, mode in (("batch", "train"), ("layer", "train"), ("batch", "eval")):
            m = num.make_model(kind, seed=s, device=ctx.device)
            m.train(mode == "train")
            errs = num.accumulation_errors(m, x, y)
            key = kind if mode == "train" else "batch-eval"
            worst[key] = max(worst[key], props.worst(errs))
            rows.append([s, f"{NAMES[kind]} ({mode})"] + [
                e if isinstance(e, str) else float(f"{e:.3g}") for e in errs.values()])
    fails = [NAMES[k] for k in ("batch", "layer") if worst[k] > EXACT]
    ans.choices = fails
    ans.volatile_fields += ["tables", "explanation"]   # they quote the round-off-level errors
    ans.tables["max relative gradient error vs (32,1), float64"] = {
        "columns": ["seed", "model"] + [f"({b},{a})" for b, a in num.PAIRS], "rows": rows}
    msg = num.batch_one_batchnorm(ctx.device)
    ans.data.update({"fails": fails, "worst_relative_error": worst, "seeds": seeds,
                     "batch_one_batchnorm_error": msg,
                     "why": "batch statistics couple the samples of a chunk"})
    ans.checks += [
        # round-off-level errors: their size depends on the machine's kernels, not the result
        Check("numeric", "LayerNorm (GroupNorm(1,C)) train: all pairs match (32,1)",
              worst["layer"], EXACT, worst["layer"] <= EXACT, volatile=True),
        Check("numeric", "BatchNorm eval mode (running stats): all pairs match",
              worst["batch-eval"], EXACT, worst["batch-eval"] <= EXACT, volatile=True),
        Check("numeric", "BatchNorm train: some pair differs from (32,1)", worst["batch"],
              f"> {props.BROKEN:g}", worst["batch"] > props.BROKEN),
        Check("numeric", "BatchNorm train, one value per channel (batch 1): torch raises", msg,
              "ValueError caught", msg != "no error"),
    ]
    ans.explanation += (f" Measured (synthetic 3×32×32 data, float64): worst relative error "
                        f"BatchNorm {worst['batch']:.3g}, LayerNorm {worst['layer']:.3g}, "
                        f"BatchNorm eval {worst['batch-eval']:.3g}. BatchNorm with batch 1 and a "
                        f"single value per channel: '{msg}'.")
