"""Answer-key sections for Q1(b): linear autoencoder = PCA (result ``linear_autoencoder``)."""

from __future__ import annotations

import numpy as np
import sympy

import derivations.linear_autoencoder as der
import numerics.linear_autoencoder as num
from hw7 import variants
from hw7.properties import linear_autoencoder as props
from hw7.props import property_check
from hw7.registry import Answer, Check, Context, section

SHAPES = {"X": ["m", "n"], "W1": ["k", "m"], "W2": ["m", "k"]}
MATRIX_SYMBOLS = {"X": "data, m×n, zero-centred", "W1": "encoder, k×m", "W2": "decoder, m×k"}


def _derivation(ctx: Context) -> der.LinearAutoencoderDerivation:
    return ctx.cached("q1b", der.derive)


def _instance(seed: int, m: int = 6, k: int = 2, n: int = 40):
    """Random data with distinct eigenvalues (seeded)."""
    return props.instance(seed, m=m, k=k, n=n)


def _grad_rel_err(X, W1, W2, lam=None, device="cpu", derived=None):
    d1, d2 = num.derived_gradients(X, W1, W2, lam=lam) if derived is None else derived(X, W1, W2)
    if derived is not None:   # Q2's 1/n variant: the same objective as eq. (3) on X/√n
        X = X / np.sqrt(X.shape[1])
    a1, a2 = num.autograd_gradients(X, W1, W2, lam=lam or 0.0, device=device)
    scale = max(np.abs(a1).max(), np.abs(a2).max())
    return max(np.abs(d1 - a1).max(), np.abs(d2 - a2).max()) / scale


def gradient_section(ctx: Context, ans: Answer, which: str, regularized: bool) -> None:
    """Shared body of q1b.grad_W* and q2.grad_W* sections."""
    mean = False
    if regularized:
        from derivations.regularized_linear_autoencoder import derive as rderive

        conv = variants.active(ctx).q2.convention     # eq. (3), or 1/n on its first term
        d = ctx.cached("q2", lambda: rderive(conv))
        mean = d.convention == "mean"
    else:
        d = _derivation(ctx)
    g = d.grad_W1 if which == "W1" else d.grad_W2
    ans.latex = sympy.latex(g)
    ans.expr = sympy.sstr(g)
    ans.check_kind = "matrix"
    ans.symbols = dict(MATRIX_SYMBOLS)
    if regularized:
        ans.symbols["lam"] = "λ ≥ 0, weight of the ℓ2 penalties"
    if mean:
        ans.symbols["n"] = "number of samples (columns of X)"
    ans.data["shapes"] = SHAPES
    obj = ("(1/n)" if mean else "") + "‖X − W2W1X‖²_F" + (
        " + λ‖W1‖²_F + λ‖W2‖²_F" if regularized else "")
    ans.derivation.append((f"differentiate {obj} with SymPy MatrixSymbol calculus "
                           "(term by term)", sympy.latex(g)))
    ans.checks.append(Check("symbolic", "matrix gradient equals SymPy's entry-by-entry derivative "
                            "on explicit shapes (m=3, k=2, n=2)", d.elementwise_ok, None,
                            d.elementwise_ok))
    for what, ok in (d.equivalences.items() if mean else ()):
        ans.checks.append(Check("symbolic", what, ok, None, ok))
    ans.explanation = (f"∂L/∂{which} = {ans.expr}; setting it to zero is one of the two "
                       "first-order optimality conditions.")
    if not ctx.numeric:
        return
    lam = 0.7 if regularized else None
    derived = _mean_gradients(d, lam) if mean else None
    errs = []
    for s in range(3):
        X, k = _instance(ctx.seed + s)
        rng = np.random.default_rng(ctx.seed + 100 + s)
        W1, W2 = rng.standard_normal((k, X.shape[0])), rng.standard_normal((X.shape[0], k))
        errs.append(_grad_rel_err(X, W1, W2, lam=lam, device=ctx.device, derived=derived))
    ans.data["seeds"] = [ctx.seed + s for s in range(3)]
    ans.checks.append(Check("numeric", "derived gradient vs torch autograd (float64), max "
                            "relative entry error over 3 random instances"
                            + (" (autograd of eq. (3) on X/√n)" if mean else ""), max(errs),
                            1e-12, max(errs) <= 1e-12, volatile=True))
    X, k = _instance(ctx.seed + 7, m=4, n=10)
    rng = np.random.default_rng(ctx.seed + 8)
    W1, W2 = rng.standard_normal((k, 4)), rng.standard_normal((4, k))
    if mean:
        f1, f2 = num.finite_difference_gradients(X / np.sqrt(X.shape[1]), W1, W2, lam=lam)
        d1, d2 = derived(X, W1, W2)
    else:
        f1, f2 = num.finite_difference_gradients(X, W1, W2, lam=lam or 0.0)
        d1, d2 = num.derived_gradients(X, W1, W2, lam=lam)
    fd = (d1 if which == "W1" else d2) - (f1 if which == "W1" else f2)
    rel = float(np.abs(fd).max() / np.abs(d1 if which == "W1" else d2).max())
    ans.checks.append(Check("numeric", "derived gradient vs central finite differences "
                            "(eps=1e-6)", rel, 1e-6, rel <= 1e-6, volatile=True))


def _mean_gradients(d, lam: float):
    """The derived gradients of Q2's 1/n variant as a numpy function of (X, W1, W2)."""
    nn = d.X.shape[1]
    f1, f2 = (sympy.lambdify([d.X, d.W1, d.W2, d.lam, nn], g, "numpy")
              for g in (d.grad_W1, d.grad_W2))

    def grads(X, W1, W2):
        return (np.asarray(f1(X, W1, W2, lam, X.shape[1]), float),
                np.asarray(f2(X, W1, W2, lam, X.shape[1]), float))
    return grads


@section("q1b", title="Linear autoencoder: optimality conditions and PCA",
         question="Q1(b)", result="linear_autoencoder")
def q1b(ctx: Context, ans: Answer) -> None:
    d = _derivation(ctx)
    c1, c2 = d.conditions
    stationary = der.family_is_stationary(d)
    ans.latex = (sympy.latex(c1) + r",\quad " + sympy.latex(c2)
                 + r";\quad W_2 = U_k C,\ W_1 = C^{-1}U_k^T:\ L = " + sympy.latex(d.family_loss))
    ans.derivation += [
        ("(i) first-order conditions: both gradients vanish", sympy.latex(c1)),
        ("", sympy.latex(c2)),
        ("substitute XXᵀ = UΛUᵀ, W2 = UA, W1 = BUᵀ (U orthogonal): ∂L/∂W1 becomes",
         sympy.latex(d.grad_W1_rotated)),
        ("and ∂L/∂W2 becomes", sympy.latex(d.grad_W2_rotated)),
        ("(ii) the family in the eigenbasis: A = W̃2", sympy.latex(d.family_W2)),
        ("B = W̃1", sympy.latex(d.family_W1)),
        ("block_collapse of 2Aᵀ(AB − I)Λ", sympy.latex(d.family_grad_W1)),
        ("block_collapse of 2(AB − I)ΛBᵀ", sympy.latex(d.family_grad_W2)),
        ("loss Tr((I − AB)Λ(I − AB)ᵀ) = sum of discarded eigenvalues",
         sympy.latex(d.family_loss)),
        ("explicit m=4, k=2, symbolic σ and C: loss", sympy.latex(d.explicit_loss)),
    ]
    ans.checks.append(Check("symbolic", "U_kC family: both gradients reduce to zero blocks "
                            "(symbolic m, k) and to zero matrices (explicit m=4, k=2)",
                            stationary, None, stationary))
    tail = sympy.Add(*d.explicit_sigmas[2:])
    ok_loss = sympy.simplify(d.explicit_loss - tail) == 0
    ans.checks.append(Check("symbolic", "explicit loss at the family equals σ3 + σ4",
                            str(d.explicit_loss), None, ok_loss))
    ans.data["assumptions"] = d.assumptions
    ans.explanation = (
        f"(i) {sympy.sstr(d.grad_W1)} = 0 and {sympy.sstr(d.grad_W2)} = 0. "
        "(ii) In the eigenbasis the gradients factor through (AB − I)Λ; for W2 = U_kC, "
        "W1 = C⁻¹U_kᵀ (C = I is PCA) SymPy reduces both to zero and the loss to "
        f"{sympy.sstr(d.family_loss)}, the sum of the discarded eigenvalues. The optimum "
        "is identified only as a subspace when σk > σk+1 > ... and as U_k up to signs "
        "when σ1 > … > σk > 0 — the toolkit reports when this fails.")
    if not ctx.numeric:
        return
    X, k = _instance(ctx.seed, m=6, k=2, n=60)
    pca = num.pca_solution(X, k)
    rng = np.random.default_rng(ctx.seed + 1)
    worst = 0.0
    scale = pca.sigma[0]
    for C in [np.eye(k)] + [rng.standard_normal((k, k)) + 2 * np.eye(k) for _ in range(3)]:
        W1, W2 = pca.family(C)
        g1, g2 = num.autograd_gradients(X, W1, W2, device=ctx.device)
        worst = max(worst, np.abs(g1).max() / scale, np.abs(g2).max() / scale)
    ans.data["seed"] = ctx.seed
    ans.checks.append(Check("numeric", "max |gradient entry|/σ1 at PCA and 3 random U_kC "
                            "(torch autograd, float64)", float(worst), 1e-12, worst <= 1e-12, volatile=True))
    W1, W2 = pca.family(np.eye(k))
    lval = num.loss(X, W1, W2)
    rel = abs(lval - pca.tail_loss) / pca.tail_loss
    ans.checks.append(Check("numeric", "loss at PCA vs Σ_{i>k} σ_i (relative)", rel, 1e-10,
                            rel <= 1e-10))
    # gradient descent from random inits reaches the PCA subspace and the tail loss
    rows = []
    steps = ctx.budget.q1b_gd_steps
    for s in range(ctx.budget.q1b_gd_inits):
        W1g, W2g, hist = num.train_gradient_descent(X, k, steps=steps, lr=0.2, seed=ctx.seed + s,
                                                    device=ctx.device)
        ang = float(np.max(num.principal_angles(W2g, pca.U_k)))
        gap = (hist[-1] - pca.tail_loss) / pca.tail_loss
        rows.append([ctx.seed + s, steps, ang, float(gap)])
    ans.volatile_fields.append("tables")   # rounding-level angles and gaps
    ans.tables["gradient_descent"] = {
        "columns": ["init seed", "steps", "max principal angle to span(U_k) (rad)",
                    "relative loss gap to Σ_{i>k}σ_i"], "rows": rows}
    ok = all(r[2] < 1e-4 and r[3] < 1e-7 for r in rows)
    ans.checks.append(Check("numeric", "GD from random inits: max principal angle, loss gap",
                            {"angle": max(r[2] for r in rows), "gap": max(r[3] for r in rows)},
                            "angle < 1e-4 rad, gap < 1e-7", ok, volatile=True))

    # properties: the family is stationary on generated data; mutations fail
    prop_family, prop_no_inverse, strat = props.family_is_stationary, props.no_inverse, props.cases()
    n_ex = ctx.budget.q1b_prop_examples
    ans.checks.append(property_check("U_kC family stationary with loss Σ_{i>k}σ_i",
                                     prop_family, strat, max_examples=n_ex, seed=ctx.seed))
    ans.checks.append(property_check("mutation W1 = U_kᵀ (no C⁻¹) is refuted", prop_no_inverse,
                                     strat, max_examples=n_ex, seed=ctx.seed,
                                     expect_failure=True))


@section("q1b.grad_W1", title="∂L/∂W1 for the linear autoencoder", question="Q1(b)(i)",
         result="linear_autoencoder")
def q1b_grad_w1(ctx: Context, ans: Answer) -> None:
    gradient_section(ctx, ans, "W1", regularized=False)


@section("q1b.grad_W2", title="∂L/∂W2 for the linear autoencoder", question="Q1(b)(i)",
         result="linear_autoencoder")
def q1b_grad_w2(ctx: Context, ans: Answer) -> None:
    gradient_section(ctx, ans, "W2", regularized=False)
