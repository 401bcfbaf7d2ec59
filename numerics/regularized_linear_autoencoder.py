"""Q2: numerical confirmation for the ℓ2-regularised linear autoencoder.

L_λ(W1, W2) = ‖X − W2W1X‖²_F + λ‖W1‖²_F + λ‖W2‖²_F (primary convention).

* the closed-form global minimiser, evaluated from the SymPy-derived per-direction
  solution (singular values √max(0, 1 − λ/σ_i), optimal value per direction);
* the λ → SGD ``weight_decay`` map (derived) checked exactly in float64: the SGD
  direction averaged over a partition into minibatches is parallel to ∇L_λ;
* training "the way Q2(a) says": two bias-free ``nn.Linear`` layers, ``nn.MSELoss``,
  ``torch.optim.SGD`` with the derived ``weight_decay``, one sample at a time or in
  minibatches (i.i.d. batches or epoch reshuffling), with an optional 1/t step-size
  tail to get below the constant-step noise floor, on any device.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from hw7core.arrays import check_size
from hw7core.device import resolve_device
from hw7core.errors import InputError
from numerics.linear_autoencoder import (
    PCAResult,
    as_data,
    autograd_gradients,
    check_k,
    check_weights,
    data_scale,
    objective,
    pca_solution,
)

__all__ = ["check_lam", "loss", "weight_decay", "ClosedForm", "closed_form",
           "sgd_direction_parallel_residual", "hessian_spectrum", "TrainResult", "train_sgd",
           "factorization_penalties", "loss_ratios", "option_effects", "TrainingPlan",
           "training_sweep", "plot_spectrum", "direction_residuals", "trained_gaps",
           "closed_form_error"]


def check_lam(lam) -> float:
    """λ must be a finite real number ≥ 0."""
    try:
        val = float(lam)
    except (TypeError, ValueError):
        raise InputError(f"lam must be a number, got {lam!r}") from None
    if not math.isfinite(val):
        raise InputError(f"lam must be finite, got {val}")
    if val < 0:
        raise InputError(f"lam must be ≥ 0 (it weighs a penalty), got {val}")
    return val


def loss(X, W1, W2, lam) -> float:
    """L_λ(W1, W2) in float64."""
    X = as_data(X)
    W1, W2 = check_weights(X, W1, W2)
    lam = check_lam(lam)
    return float(objective(X, W1, W2, lam))


@lru_cache(maxsize=1)
def _derived_fns():
    import sympy as sp

    from derivations.regularized_linear_autoencoder import derive

    d = derive()
    sv_sq = sp.lambdify([d.lam, d.sigma_i], d.col_norm_sq_general, "numpy")
    fmin = sp.lambdify([d.lam, d.sigma_i], d.min_value_direction, "numpy")
    return sv_sq, fmin


def weight_decay(lam, m: int, n: int, batch_size: int | None = None, *,
                 objective: str = "sum", reduction: str = "mean") -> float:
    """SGD ``weight_decay`` that makes SGD on nn.MSELoss minimise L_λ (the derived map).

    objective: "sum" (eq. (3) as written) or "1/n" (also "mean", as in variant files: 1/n
    on the reconstruction term). m, n, batch_size: integers ≥ 1 (InputError otherwise).
    reduction: nn.MSELoss's reduction, "mean" (default) or "sum" (then B matters).
    """
    import sympy as sp

    from derivations.regularized_linear_autoencoder import derive

    lam = check_lam(lam)
    m, n = check_size("m", m), check_size("n", n)   # m = 0 gave a complex-number TypeError
    batch_size = check_size("batch_size", batch_size, allow_none=True)
    objective = {"mean": "1/n"}.get(objective, objective)   # the variant files' name for it
    key = (objective, reduction)
    table = derive().weight_decay
    if key not in table:
        raise InputError(f"unknown objective/reduction {key}; known: {sorted(table)}")
    expr = table[key]
    B = sp.Symbol("B", positive=True, integer=True)
    if expr.has(B) and batch_size is None:
        raise InputError(f"reduction={reduction!r} needs batch_size")
    vals = {sp.Symbol("m", positive=True, integer=True): m,
            sp.Symbol("n", positive=True, integer=True): n, derive().lam: lam}
    if batch_size is not None:
        vals[B] = batch_size
    return float(expr.subs(vals))


@dataclass
class ClosedForm:
    """The global minimiser of L_λ (representative with O = I).

    W2 = U_k D, W1 = D U_kᵀ, D = diag(d_i), d_i² = max(0, 1 − λ/σ_i); every W2 O,
    Oᵀ W1 with O orthogonal is equally optimal. ``collapsed``: indices i (0-based)
    with λ ≥ σ_i, whose direction is switched off (d_i = 0). ``loss`` is in the units
    of X (it may over- or underflow float64 for extreme data); ``loss_scaled`` is the
    same optimum for X̃ = X/s, λ̃ = λ/s² (s = ``pca.scale``): loss = s²·loss_scaled.
    """

    lam: float
    pca: PCAResult
    d: np.ndarray
    W1: np.ndarray
    W2: np.ndarray
    loss: float
    collapsed: list[int]
    issues: list[str] = field(default_factory=list)
    loss_scaled: float = float("nan")
    lam_scaled: float = float("nan")

    @property
    def k(self) -> int:
        return self.pca.k


def closed_form(X, k, lam, rtol: float = 1e-9) -> ClosedForm:
    """The closed-form minimiser of L_λ and what about it is (not) unique.

    Computed on X̃ = X/s with λ̃ = λ/s² (s an exact power of two, max|X̃| ≤ 1): the
    minimiser is the same, and neither σ_i nor λ²/σ_i can overflow (λ = 1e155 gave an
    OverflowError; λ/σ_i is only evaluated for the directions with σ_i > λ). λ̃ beyond
    float64 (tiny data, large λ) is clamped to the largest float: every direction
    collapses either way.

    >>> cf = closed_form(np.diag([3.0, 2.0, 1.0, 0.5]), 2, 1e155)
    >>> float(abs(cf.W2).max()), cf.loss
    (0.0, 14.25)
    """
    X = as_data(X)
    k = check_k(k, X.shape[0])
    lam = check_lam(lam)
    pca = pca_solution(X, k, rtol=rtol)
    s = pca.scale
    with np.errstate(over="ignore", under="ignore"):
        lam_s = min((lam / s) / s, float(np.finfo(float).max))
    sv_sq, fmin = _derived_fns()
    sig_k = pca.sigma_scaled[:k]
    active = sig_k > lam_s            # σ_i = 0 never is: a direction without data collapses
    d2 = np.zeros(k)
    per_dir = sig_k.copy()            # a collapsed direction leaves its σ_i in the loss
    if active.any():
        d2[active] = np.asarray(sv_sq(lam_s, sig_k[active]), float)
        per_dir[active] = np.asarray(fmin(lam_s, sig_k[active]), float)
    d = np.sqrt(np.clip(d2, 0.0, None))
    U_k = pca.U_k
    W2 = U_k * d
    W1 = (U_k * d).T
    total_s = float(np.sum(per_dir) + np.sum(pca.sigma_scaled[k:]))
    with np.errstate(over="ignore", under="ignore"):
        total = float((np.float64(total_s) * s) * s)
    collapsed = [i for i in range(k) if not active[i]]
    issues = []
    if lam > 0:
        issues.append("W2 is unique only up to a k×k orthogonal factor O (W2 O, Oᵀ W1): "
                      "the spectrum of W2ᵀW2 is identified, its columns are not")
    if collapsed:
        issues.append(f"λ ≥ σ_i for i ∈ {[i + 1 for i in collapsed]}: those directions "
                      "collapse to 0 and W2 has rank < k")
    # the product W2W1 = U_k D² U_kᵀ is unique iff the cut is clean where it matters
    sig = pca.sigma_scaled
    tol = rtol * max(sig[0], np.finfo(float).tiny)
    if sig[k - 1] > lam_s + tol and sig[k - 1] - sig[k] <= tol:
        issues.append(f"σ_{k} = σ_{k + 1} > λ: the optimal subspace (and W2W1) is not unique")
    if lam == 0:
        issues.extend(pca.issues)
    return ClosedForm(lam, pca, d, W1, W2, total, collapsed, issues, total_s, lam_s)


def sgd_direction_parallel_residual(X, W1, W2, lam, wd: float, batch_size: int,
                                    device=None) -> tuple[float, float]:
    """Exact check of the λ → weight_decay map, in float64.

    Averages PyTorch's SGD direction (∇ nn.MSELoss(mean) on a minibatch + wd·W) over a
    partition of the n columns into minibatches of ``batch_size`` (the expectation
    over uniformly drawn batches), fits the best c with avg ≈ c·∇L_λ and returns
    (relative residual, c). The map is right iff the residual is at rounding level.
    """
    import torch

    X = as_data(X)
    W1, W2 = check_weights(X, W1, W2)
    lam = check_lam(lam)
    m, n = X.shape
    if batch_size < 1 or n % batch_size:
        raise InputError(f"batch_size must divide n={n}, got {batch_size}")
    dev = resolve_device(device)
    model = _model(m, W1.shape[0], dev)
    with torch.no_grad():
        model[0].weight.copy_(torch.as_tensor(W1))
        model[1].weight.copy_(torch.as_tensor(W2))
    data = torch.as_tensor(X.T.copy(), dtype=torch.float64, device=dev)   # rows = samples
    mse = torch.nn.MSELoss()
    acc = [torch.zeros_like(p) for p in model.parameters()]
    nb = n // batch_size
    for b in range(nb):
        model.zero_grad()
        xb = data[b * batch_size:(b + 1) * batch_size]
        mse(model(xb), xb).backward()
        for a, p in zip(acc, model.parameters()):
            a += (p.grad + wd * p.detach()) / nb     # what SGD(weight_decay=wd) steps along
    from numerics.linear_autoencoder import autograd_gradients

    g1, g2 = autograd_gradients(X, W1, W2, lam=lam, device=dev)
    avg = np.concatenate([acc[0].cpu().numpy().ravel(), acc[1].cpu().numpy().ravel()])
    full = np.concatenate([g1.ravel(), g2.ravel()])
    c = float(avg @ full / (full @ full))
    res = float(np.linalg.norm(avg - c * full) / np.linalg.norm(avg))
    return res, c


def hessian_spectrum(X, W1, W2, lam, device=None) -> np.ndarray:
    """Eigenvalues (ascending) of the Hessian of L_λ at (W1, W2), float64 autograd.

    At the closed-form minimiser with λ < σ_k the k(k−1)/2 directions of the orbit
    (W2 O, Oᵀ W1) are flat (eigenvalue 0); the smallest non-zero eigenvalue h_min sets
    the slowest contraction of SGD, lr_t·h_min per step on L_λ, and the largest h_max
    the stability bound of a full-batch step.
    """
    import torch

    X = as_data(X)
    W1, W2 = check_weights(X, W1, W2)
    lam = check_lam(lam)
    dev = resolve_device(device)
    Xt = torch.as_tensor(X, dtype=torch.float64, device=dev)
    k, m = W1.shape

    def f(w):
        return objective(Xt, w[:k * m].reshape(k, m), w[k * m:].reshape(m, k), lam)

    w = torch.as_tensor(np.concatenate([W1.ravel(), W2.ravel()]), dtype=torch.float64,
                        device=dev)
    H = torch.autograd.functional.hessian(f, w)
    return torch.linalg.eigvalsh((H + H.T) / 2).cpu().numpy()


def _model(m: int, k: int, dev):
    import torch

    # Q2(a)(i): two bias-free linear layers, encoder W1 then decoder W2
    return torch.nn.Sequential(torch.nn.Linear(m, k, bias=False),
                               torch.nn.Linear(k, m, bias=False)).to(dev, torch.float64)


@dataclass
class TrainResult:
    W1: np.ndarray
    W2: np.ndarray
    steps: int
    history: list            # (step, L_λ) at every evaluation
    reached_at: int | None   # first evaluated step with relative gap ≤ target
    seconds: float
    weight_decay: float
    lr: float
    batch_size: int
    seed: int
    sampling: str = "iid"    # "iid": a fresh uniform batch every step; "epoch": reshuffle
    schedule: str = ""       # the learning-rate schedule, in words


def train_sgd(X, k, lam, *, batch_size: int = 1, lr_scale: float = 0.1,
              steps: int = 10_000, seed: int = 0, device=None, eval_every: int | None = None,
              target_gap: float | None = None, L_star: float | None = None,
              decay_after: int | None = None, init_scale: float = 0.1,
              weight_decay_override: float | None = None, progress=None,
              sampling: str = "iid") -> TrainResult:
    """Train eq. (3) as Q2(a) prescribes and return the weights and the loss history.

    lr = lr_scale · m·n / σ1: SGD on nn.MSELoss takes steps of lr/(m n) on L_λ (the
    derived map), whose curvature scales with σ1 (top eigenvalue of XXᵀ), so
    ``lr_scale`` is dimensionless (full batch is stable for lr_scale < 2σ1/h_max,
    h_max the top Hessian eigenvalue of L_λ at the optimum).

    Schedule (``torch.optim.lr_scheduler.LambdaLR``): lr_t = lr · min(1, t0/t) with
    t0 = ``decay_after`` (constant lr when None). With a constant lr, minibatch SGD
    stalls at a noise floor: for ``sampling="iid"`` the relative loss gap it hovers
    at is proportional to lr_scale/B. The 1/t tail lowers that floor as
    ≈ lr_scale·t0/t, so t0 must be *small*: lr_scale·t0 only needs to be of order
    σ1/h_min (h_min the smallest non-zero curvature of L_λ); a large t0 multiplies
    the number of steps needed for a given gap.

    sampling: "iid" draws a fresh uniformly random batch (B distinct columns) every
    step; "epoch" reshuffles the n columns once per epoch and walks through them
    (``DataLoader(shuffle=True, drop_last=True)``). Either way every step's batch is
    marginally uniform, so the derived weight_decay applies unchanged.

    Stops early once the relative gap (L_λ − L_star)/L_star ≤ ``target_gap``, evaluated
    every ``eval_every`` steps (default: once per epoch). ``weight_decay_override``
    replaces the derived weight_decay (only to show that a wrong one misses the optimum).
    """
    import torch

    X = as_data(X)
    m, n = X.shape
    k = check_k(k, m)
    lam = check_lam(lam)
    if not (1 <= batch_size <= n):
        raise InputError(f"batch_size must be in [1, n={n}], got {batch_size}")
    if sampling not in ("iid", "epoch"):
        raise InputError(f"sampling must be 'iid' or 'epoch', got {sampling!r}")
    if decay_after is not None and decay_after < 1:
        raise InputError(f"decay_after must be ≥ 1 (or None), got {decay_after}")
    dev = resolve_device(device)
    wd = weight_decay(lam, m, n) if weight_decay_override is None else weight_decay_override
    with np.errstate(over="ignore", under="ignore"):
        s1 = float(np.linalg.norm(X / data_scale(X), 2) ** 2) * data_scale(X) ** 2
    if s1 <= 0:
        raise InputError("X is zero: nothing to learn")
    if not (math.isfinite(s1) and s1 >= np.finfo(float).tiny):
        raise InputError(f"X's scale (max |X| = {np.abs(X).max():.3g}) is beyond what SGD on "
                         "nn.MSELoss can train in float64 (σ1 over- or underflows); rescale X")
    lr = lr_scale * m * n / s1
    torch.manual_seed(seed)
    g = torch.Generator(device="cpu").manual_seed(seed)
    model = _model(m, k, dev)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(init_scale * torch.randn(p.shape, generator=g, dtype=torch.float64))
    opt = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=wd)
    sched = None
    schedule = f"constant lr = {lr:.6g} (lr_scale {lr_scale:g})"
    if decay_after is not None:
        # LambdaLR's t counts completed steps: step t + 1 uses lr · min(1, t0/(t + 1))
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda t: 1.0 if t < decay_after else decay_after / (t + 1))
        schedule = (f"lr_t = {lr:.6g}·min(1, {decay_after}/t) (lr_scale {lr_scale:g}, "
                    f"1/t decay after step {decay_after})")
    mse = torch.nn.MSELoss()
    data = torch.as_tensor(X.T.copy(), dtype=torch.float64, device=dev)
    Xt = torch.as_tensor(X, dtype=torch.float64, device=dev)
    eval_every = eval_every or max(1, n // batch_size)

    def full_loss() -> float:
        with torch.no_grad():
            return float(objective(Xt, model[0].weight, model[1].weight, lam))

    hist, reached = [(0, full_loss())], None
    t0 = time.perf_counter()
    it = range(1, steps + 1) if progress is None else progress(range(1, steps + 1))
    step = 0
    perm, pos = None, n
    for step in it:
        if batch_size == n:
            xb = data
        elif sampling == "epoch":
            if pos + batch_size > n:
                perm, pos = torch.randperm(n, generator=g).to(dev), 0
            xb = data[perm[pos:pos + batch_size]]
            pos += batch_size
        else:
            idx = torch.randperm(n, generator=g)[:batch_size].to(dev)
            xb = data[idx]
        opt.zero_grad()
        mse(model(xb), xb).backward()
        opt.step()
        if sched is not None:
            sched.step()
        if step % eval_every == 0:
            val = full_loss()
            hist.append((step, val))
            if not math.isfinite(val):
                break
            if target_gap is not None and L_star is not None and \
                    (val - L_star) / L_star <= target_gap:
                reached = step
                break
    secs = time.perf_counter() - t0
    return TrainResult(model[0].weight.detach().cpu().numpy().copy(),
                       model[1].weight.detach().cpu().numpy().copy(), step, hist, reached,
                       secs, wd, lr, batch_size, seed, sampling, schedule)


# ------------------------------------------------------------------ Q2(a), Q2(b) experiments
def factorization_penalties(W1, W2, C) -> tuple[list[float], bool]:
    """Q2(a)(i): ([‖W1‖² + ‖W2‖², ‖C⁻¹W1‖² + ‖W2C‖²], whether W2W1 = (W2C)(C⁻¹W1)).

    W1 (k, m), W2 (m, k), C (k, k) invertible: two factorizations of one product whose
    ℓ2 penalties differ, so one layer W = W2W1 cannot express eq. (3)'s penalty.
    InputError for mismatched shapes or a singular C.

    >>> pen, same = factorization_penalties(np.ones((2, 3)), np.ones((3, 2)), np.diag([2.0, 1.0]))
    >>> [round(p, 6) for p in pen], same
    ([12.0, 18.75], True)
    """
    W1, W2, C = (np.asarray(a, dtype=float) for a in (W1, W2, C))
    k = C.shape[0] if C.ndim == 2 else -1
    if C.shape != (k, k) or W1.ndim != 2 or W2.shape != (W1.shape[1], W1.shape[0]) \
            or W1.shape[0] != k:
        raise InputError(f"need W1 (k, m), W2 (m, k), C (k, k); got {W1.shape}, {W2.shape}, "
                         f"{C.shape}")
    try:
        Ci = np.linalg.inv(C)
    except np.linalg.LinAlgError:
        raise InputError("C must be invertible") from None
    pen = [float(np.sum(W1**2) + np.sum(W2**2)), float(np.sum((Ci @ W1) ** 2) + np.sum((W2 @ C) ** 2))]
    return pen, bool(np.allclose(W2 @ W1, (W2 @ C) @ (Ci @ W1)))


LOSSES = ("nn.L1Loss", "nn.MSELoss", "nn.CrossEntropyLoss")


def loss_ratios(seed: int = 0, *, trials: int = 2, batch: int = 8, width: int = 5
                ) -> dict[str, list[float]]:
    """Q2(a)(ii): each candidate torch loss (``LOSSES``, default reductions) on random
    (batch, width) float64 pairs (X̂, X), divided by ‖X − X̂‖²_F/(batch·width), on
    ``trials`` draws of ``numpy.random.default_rng(seed)`` (each draw X, then X̂). A
    loss that is a fixed multiple of eq. (3)'s squared error gives 1 on every draw.

    >>> {k: [round(x, 12) for x in v] for k, v in loss_ratios(0).items()}["nn.MSELoss"]
    [1.0, 1.0]
    """
    import torch

    if min(trials, batch, width) < 1:
        raise InputError(f"trials, batch, width must be ≥ 1; got {trials}, {batch}, {width}")
    rng = np.random.default_rng(seed)
    fns = {"nn.L1Loss": torch.nn.L1Loss(), "nn.MSELoss": torch.nn.MSELoss(),
           "nn.CrossEntropyLoss": torch.nn.CrossEntropyLoss()}
    out = {}
    for name in LOSSES:
        r = []
        for _ in range(trials):
            x = torch.as_tensor(rng.standard_normal((batch, width)))
            xh = torch.as_tensor(rng.standard_normal((batch, width)))
            r.append(float(fns[name](xh, x)) / float(((x - xh) ** 2).sum()) * batch * width)
        out[name] = r
    return out


def option_effects(X, W1, W2, lam, *, batch_size: int = 5, seed: int = 0, device=None) -> dict:
    """Q2(a)(iii): what each training option does to optimising eq. (3) exactly, measured.

    X (m, n), W1 (k, m), W2 (m, k), λ ≥ 0. Returns a dict:
    ``res_wd`` / ``res_nowd``: :func:`sgd_direction_parallel_residual` with the derived
    weight_decay and without it (minibatches of ``batch_size``, on ``device``);
    ``changed``: for Dropout(0.5) (train mode, ``torch.manual_seed(seed)``), LayerNorm and
    BatchNorm1d (no affine) between the two layers, the max relative change of the
    network's output W2W1x (0 means the objective is unchanged);
    ``steps``: 1 − cos between one optimiser step and −(∇MSELoss + wd·W1), for SGD and Adam
    (0 for a gradient step on eq. (3)). The layer and optimiser probes run on the CPU in
    float64. InputError for bad shapes or λ.
    """
    import torch

    X = as_data(X)
    m, n = X.shape
    W1, W2 = check_weights(X, W1, W2)
    k = W1.shape[0]
    wd = weight_decay(lam, m, n)
    res_wd, _ = sgd_direction_parallel_residual(X, W1, W2, lam, wd, batch_size, device=device)
    res_nowd, _ = sgd_direction_parallel_residual(X, W1, W2, lam, 0.0, batch_size, device=device)
    x = torch.as_tensor(X.T.copy())
    lin = x @ torch.as_tensor(W1).T @ torch.as_tensor(W2).T

    def out_with(layer):
        torch.manual_seed(seed)
        net = torch.nn.Sequential(torch.nn.Linear(m, k, bias=False), layer,
                                  torch.nn.Linear(k, m, bias=False)).double().train()
        with torch.no_grad():
            net[0].weight.copy_(torch.as_tensor(W1))
            net[2].weight.copy_(torch.as_tensor(W2))
            return float((net(x) - lin).abs().max() / lin.abs().max())

    changed = {"Dropout": out_with(torch.nn.Dropout(0.5)),
               "Layer Norm": out_with(torch.nn.LayerNorm(k, elementwise_affine=False,
                                                         dtype=torch.float64)),
               "Batch Norm": out_with(torch.nn.BatchNorm1d(k, affine=False,
                                                           dtype=torch.float64))}
    # SGD: one optimizer step moves the weights by exactly −lr·(∇ℓ + wd·W) — a gradient
    # step on (3); Adam's step is not parallel to the gradient
    steps = {}
    for name in ("SGD", "Adam"):
        a = torch.tensor(W1, requires_grad=True)
        opt = (torch.optim.SGD([a], lr=1e-3, weight_decay=wd) if name == "SGD"
               else torch.optim.Adam([a], lr=1e-3, weight_decay=wd))
        Xt = torch.as_tensor(X)
        lossv = torch.nn.functional.mse_loss(torch.as_tensor(W2) @ a @ Xt, Xt)
        lossv.backward()
        g = (a.grad + wd * a.detach()).clone()
        before = a.detach().clone()
        opt.step()
        delta = (a.detach() - before).ravel()
        cos = float(-(delta @ g.ravel()) / (delta.norm() * g.norm()))
        steps[name] = 1.0 - cos
    return {"res_wd": res_wd, "res_nowd": res_nowd, "changed": changed, "steps": steps}


def direction_residuals(X, W1, W2, lam, wd: float, batch_sizes, *, device=None) -> list[list]:
    """Q2(a): [[B, residual, c·m·n], ...] of :func:`sgd_direction_parallel_residual` for each
    batch size B, with weight_decay ``wd``: the map is right iff every residual is at
    rounding level and c·m·n = 1 (c = 1/(mn), the step MSELoss's mean takes on L_λ).

    >>> rng = np.random.default_rng(0)
    >>> X, W1, W2 = rng.standard_normal((4, 12)), rng.standard_normal((2, 4)), rng.standard_normal((4, 2))
    >>> rows = direction_residuals(X, W1, W2, 0.5, weight_decay(0.5, 4, 12), [1, 12])
    >>> [(b, r < 1e-12, abs(cmn - 1) < 1e-12) for b, r, cmn in rows]
    [(1, True, True), (12, True, True)]
    """
    X = as_data(X)
    m, n = X.shape
    rows = []
    for B in batch_sizes:
        res, c = sgd_direction_parallel_residual(X, W1, W2, lam, wd, B, device=device)
        rows.append([B, res, c * m * n])
    return rows


def trained_gaps(X, k, lam, weight_decays: dict, *, steps: int = 2000, lr_scale: float = 0.2,
                 seed: int = 0, device=None) -> dict:
    """Q2(a): {label: relative loss gap (L_λ − L*)/L*} after full-batch :func:`train_sgd`
    (``steps`` steps at most, stopping at a gap of 1e-10) with each ``weight_decay``
    (None: the derived one), L* the :func:`closed_form` optimum. The derived weight_decay
    reaches the closed form; a mis-scaled one converges elsewhere.
    """
    X = as_data(X)
    cf = closed_form(X, k, lam)
    gaps = {}
    for label, wdv in weight_decays.items():
        tr = train_sgd(X, k, lam, batch_size=X.shape[1], lr_scale=lr_scale, steps=steps,
                       seed=seed, device=device, target_gap=1e-10, L_star=cf.loss,
                       weight_decay_override=wdv)
        gaps[label] = (loss(X, tr.W1, tr.W2, lam) - cf.loss) / cf.loss
    return gaps


def closed_form_error(X, k, ratios=(0.1, 0.5, 1.5), *, device=None) -> float:
    """Q2(b): how far :func:`closed_form` is from optimal, at λ = r·σ_k for each ratio r
    (σ_i the eigenvalues of XXᵀ, decreasing; r ≥ 1 collapses directions): the largest of
    max |∇L_λ|/σ1 (torch autograd, float64, on ``device``) and the relative error of the
    predicted optimal value. Rounding level for the true closed form.

    >>> X = np.random.default_rng(1).standard_normal((5, 40))
    >>> closed_form_error(X, 3) < 1e-12
    True
    """
    X = as_data(X)
    sig = np.linalg.eigvalsh(X @ X.T)[::-1]
    worst = 0.0
    for r in ratios:
        lam = r * sig[k - 1]
        cf = closed_form(X, k, lam)
        g1, g2 = autograd_gradients(X, cf.W1, cf.W2, lam=lam, device=device)
        worst = max(worst, np.abs(g1).max() / sig[0], np.abs(g2).max() / sig[0])
        lv = loss(X, cf.W1, cf.W2, lam)
        worst = max(worst, abs(lv - cf.loss) / cf.loss)
    return float(worst)


@dataclass(frozen=True)
class TrainingPlan:
    """One run of :func:`training_sweep`: λ, batch size B, sampling ("iid"/"epoch"),
    lr_scale, whether to add the 1/t step-size tail, the step cap and the target
    relative loss gap."""

    lam: float
    batch_size: int
    sampling: str = "iid"
    lr_scale: float = 0.2
    decay: bool = False
    max_steps: int = 10_000
    target_gap: float = 1e-9


def training_sweep(X, k, plan, *, seed: int = 0, device=None,
                   progress=lambda it, desc="": it) -> tuple[list[list], list[tuple]]:
    """Q2(b): train eq. (3) as Q2(a) says (:func:`train_sgd`) for each
    :class:`TrainingPlan`, and compare with :func:`closed_form`.

    X (m, n); run i uses seed ``seed + i``. With ``decay`` the run takes the 1/t tail
    lr·min(1, t0/t) with t0 = ⌈σ1/(h_min·lr_scale)⌉ (h_min: the smallest non-zero
    eigenvalue of :func:`hessian_spectrum` at the closed form, σ1 the top eigenvalue of
    XXᵀ): a constant step plateaus at a noise floor ∝ lr_scale/B, the tail lowers it as
    ≈ lr_scale·t0/t. ``progress(iterable, desc=...)`` wraps the runs.

    Returns (rows, points): one row per run, [λ, B, sampling, schedule, target gap, steps,
    relative loss gap, max |eig(W2ᵀW2) − closed form|, ‖W1 − W2ᵀ‖_F]; and for the
    full-batch runs (B = n), (λ, eigenvalues of W2ᵀW2 in decreasing order).
    """
    X = as_data(X)
    n = X.shape[1]
    s1 = float(np.linalg.eigvalsh(X @ X.T)[-1])
    rows, pts = [], []
    for i, p in enumerate(progress(list(plan), desc="q2b training")):
        cf = closed_form(X, k, p.lam)
        dec = None
        if p.decay:
            h = hessian_spectrum(X, cf.W1, cf.W2, p.lam, device=device) / s1
            h_min = float(h[h > 1e-9].min())
            dec = int(np.ceil(1 / (h_min * p.lr_scale)))
        res = train_sgd(X, k, p.lam, batch_size=p.batch_size, lr_scale=p.lr_scale,
                        steps=p.max_steps, seed=seed + i, device=device,
                        target_gap=p.target_gap, L_star=cf.loss, decay_after=dec,
                        sampling=p.sampling)
        ev = np.sort(np.linalg.eigvalsh(res.W2.T @ res.W2))[::-1]
        pred = np.sort(cf.d**2)[::-1]
        gap = (loss(X, res.W1, res.W2, p.lam) - cf.loss) / cf.loss
        rows.append([float(p.lam), p.batch_size, p.sampling, res.schedule, p.target_gap,
                     res.steps, float(gap), float(np.abs(ev - pred).max()),
                     float(np.linalg.norm(res.W1 - res.W2.T))])
        if p.batch_size == n:
            pts.append((p.lam, ev))
    return rows, pts


def plot_spectrum(col_norm_sq, sig, k: int, points, path) -> None:
    """Q2(b)'s figure, saved to ``path`` (PNG): the closed-form eigenvalues of W2ᵀW2
    against λ, ``col_norm_sq(λ_grid, σ_i)`` for i ≤ k (vectorised over λ, e.g. the
    derivation's max(0, 1 − λ/σ_i) lambdified), with the trained ``points`` (λ,
    eigenvalues) of :func:`training_sweep` as crosses. InputError without points.
    """
    from hw7core.plotting import save_figure, subplots

    if not points:
        raise InputError("plot_spectrum needs at least one trained point")
    lam_max = max(p[0] for p in points) * 1.1
    grid = np.linspace(0, lam_max, 300)
    fig, ax = subplots(figsize=(6.4, 4.0))
    for i in range(k):
        ax.plot(grid, col_norm_sq(grid, sig[i]), label=f"1 − λ/σ_{i + 1} (clipped at 0)")
    for j, (lam, ev) in enumerate(points):
        ax.scatter([lam] * len(ev), ev, color="k", marker="x", zorder=3,
                   label="trained (SGD + weight_decay)" if j == 0 else None)
    ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("λ")
    ax.set_ylabel("eigenvalues of W2ᵀW2")
    ax.set_title("Q2(b): spectrum of W2ᵀW2 vs λ (closed form and training)")
    ax.legend(fontsize=8)
    save_figure(fig, path)
