"""Confirm a SymPy matrix gradient numerically: torch autograd and finite differences.

The gradient comes from :func:`derivations.matrix_calculus.gradient` (or anywhere
else: any SymPy matrix expression); the loss is the same SymPy scalar expression.
Both are evaluated by :func:`evaluate`, one small walk over the expression tree
that runs on numpy (the formula, finite differences) and torch (autograd) alike, in
float64 at the values you give: arrays for the MatrixSymbols, numbers for scalar
symbols. Dimension symbols (``n`` in X ∈ R^{m×n}) are read off the arrays' shapes.
(SymPy 1.14's torch printer writes a square MatrixSymbol's transpose as
``torch.transpose(W).t()``, which fails; hence the walk instead of ``lambdify``.)

>>> import numpy as np, sympy as sp
>>> from derivations.matrix_calculus import frobenius_sq, gradient
>>> m, n = sp.symbols("m n", integer=True, positive=True)
>>> X, W = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("W", m, m)
>>> loss = frobenius_sq(X - W * X) / n
>>> rng = np.random.default_rng(0)
>>> vals = {X: rng.standard_normal((3, 5)), W: rng.standard_normal((3, 3))}
>>> res = confirm_gradient(loss, {W: gradient(loss, W)}, vals)
>>> res.passed, res.autograd_error[W] < 1e-12
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from hw7core.arrays import check_array
from hw7core.device import resolve_device
from hw7core.errors import InputError

__all__ = ["GradientConfirmation", "confirm_gradient", "bind", "evaluate", "autograd_gradients",
           "finite_difference_gradients", "AUTOGRAD_RTOL", "FD_RTOL"]

# float64 evaluations of two algebraically equal formulas differ by round-off that
# grows with the number and size of the products (~ (terms)·ε·scale); 1e-10 relative
# to the gradient's largest entry is ~5·10⁵ ε: far above that for the small matrices
# here, far below any real formula error.
AUTOGRAD_RTOL = 1e-10
# central differences with h = ε^{1/3}·max(1, |w|): truncation h²|L'''|/6 plus
# round-off ε|L|/h, both ~ ε^{2/3} ≈ 4e-11 times the loss's scale; 1e-6 leaves
# room for third derivatives of order 10⁴ times the loss.
FD_RTOL = 1e-6


@dataclass
class GradientConfirmation:
    """Largest relative entry errors of a derived gradient, per MatrixSymbol.

    autograd_error[W]: max|G − A| / max|A| with A torch autograd's gradient (float64).
    fd_error[W]: max|G − F| / max(max|G|, |L|/max(1, max|W|)) with F central differences.
    tolerances: the two bounds (AUTOGRAD_RTOL, FD_RTOL unless overridden).
    """

    autograd_error: dict = field(default_factory=dict)
    fd_error: dict = field(default_factory=dict)
    tolerances: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return (all(e <= self.tolerances["autograd"] for e in self.autograd_error.values())
                and all(e <= self.tolerances["finite differences"] for e in self.fd_error.values()))


def bind(expr, values: dict) -> dict:
    """{symbol: value} to evaluate ``expr`` with, shapes checked.

    values: {MatrixSymbol: 2-D array, Symbol: number}; every free symbol of ``expr``
    must be given, except dimension symbols, which are read from the arrays' shapes.
    Raises InputError for a missing symbol, a non-2-D or non-finite array, or shapes
    that disagree with each other or with a fixed dimension.
    """
    env: dict = {}
    for sym, val in values.items():
        if isinstance(sym, sp.MatrixSymbol):
            # complex data (was cut to its real part), empty, ragged, non-finite: one line
            arr = check_array(val, sym.name, ndim=2)
            if arr.ndim != 2 or not np.all(np.isfinite(arr)):
                raise InputError(f"{sym.name} must be a finite 2-D array, got shape {arr.shape}")
            for dim, size in zip(sym.shape, arr.shape):
                if isinstance(dim, sp.Symbol):
                    if env.setdefault(dim, size) != size:
                        raise InputError(f"dimension {dim} is {env[dim]} in one array and "
                                         f"{size} in {sym.name} (shape {arr.shape})")
                elif int(dim) != size:
                    raise InputError(f"{sym.name} must have {dim} along one axis, got {arr.shape}")
            env[sym] = arr
    for sym, val in values.items():
        if not isinstance(sym, sp.MatrixSymbol):
            try:
                env[sym] = float(val)
            except (TypeError, ValueError):
                raise InputError(f"the symbol {sym} needs a real number, got {val!r}"[:200]) from None
            if not np.isfinite(env[sym]):
                raise InputError(f"the symbol {sym} needs a finite number, got {val!r}")
    for sym in expr.free_symbols:
        if sym not in env:
            raise InputError(f"no value given for {'the matrix ' if isinstance(sym, sp.MatrixSymbol) else 'the symbol '}{sym}")
    return env


def evaluate(expr, env: dict, xp=np):
    """Evaluate a SymPy scalar or matrix expression built from MatrixSymbols, transposes,
    matrix products and sums, traces, identities and scalar arithmetic.

    env: {symbol: value} (:func:`bind`), arrays being numpy arrays or torch tensors;
    xp: ``numpy`` or ``torch`` (for trace, eye, zeros). Raises InputError for any
    other kind of node (an inverse, a matrix power, a function of a matrix).
    """
    def ev(e):
        if e in env:
            return env[e]
        if e.is_Number:
            return float(e)
        if isinstance(e, sp.Transpose):
            return ev(e.arg).T
        if isinstance(e, sp.Trace):
            return xp.trace(ev(e.arg))
        if isinstance(e, (sp.MatAdd, sp.Add)):
            out = ev(e.args[0])
            for a in e.args[1:]:
                out = out + ev(a)
            return out
        if isinstance(e, (sp.MatMul, sp.Mul)):
            scal, mats = 1.0, []
            for a in e.args:
                if a.is_Matrix:
                    mats.append(ev(a))
                else:
                    scal = scal * ev(a)
            if not mats:
                return scal
            out = mats[0]
            for M in mats[1:]:
                out = out @ M
            return scal * out
        if isinstance(e, sp.Pow) and not e.is_Matrix:
            return ev(e.base) ** ev(e.exp)
        if isinstance(e, sp.Identity):
            return _eye(int(ev(e.shape[0])), xp)
        if isinstance(e, sp.ZeroMatrix):
            return _zeros((int(ev(e.shape[0])), int(ev(e.shape[1]))), xp)
        raise InputError(f"cannot evaluate {type(e).__name__} node {e}: only products, sums, "
                         "transposes, traces and scalar arithmetic are supported")

    return ev(expr)


def _eye(size, xp):
    if xp is np:
        return np.eye(size)
    return xp.eye(size, dtype=xp.float64)


def _zeros(shape, xp):
    if xp is np:
        return np.zeros(shape)
    return xp.zeros(shape, dtype=xp.float64)


def _numpy_value(expr, values: dict) -> np.ndarray:
    return np.asarray(evaluate(expr, bind(expr, values)), dtype=np.float64)


def autograd_gradients(loss, wrt, values: dict, device=None) -> dict:
    """torch autograd of the SymPy scalar ``loss`` (float64 on ``device``) w.r.t. each
    MatrixSymbol in ``wrt``; returns {MatrixSymbol: numpy array of its shape}."""
    import torch

    dev = resolve_device(device)
    env = bind(loss, values)
    for sym, val in list(env.items()):
        if isinstance(sym, sp.MatrixSymbol):
            env[sym] = torch.tensor(val, dtype=torch.float64, device=dev,
                                    requires_grad=sym in wrt)
    evaluate(loss, env, torch).backward()
    return {w: env[w].grad.cpu().numpy() for w in wrt}


def finite_difference_gradients(loss, wrt, values: dict) -> dict:
    """Central differences of the SymPy scalar ``loss`` in every entry of each MatrixSymbol
    in ``wrt`` (float64, step ε^{1/3}·max(1, |entry|)); returns {MatrixSymbol: array}."""
    env = bind(loss, values)
    h0 = np.finfo(np.float64).eps ** (1 / 3)
    out = {}
    for w in wrt:
        W = env[w]
        G = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            h = h0 * max(1.0, abs(W[idx]))
            vals = []
            for step in (h, -h):
                Wd = W.copy()
                Wd[idx] += step
                vals.append(float(evaluate(loss, {**env, w: Wd})))
            G[idx] = (vals[0] - vals[1]) / (2 * h)
        out[w] = G
    return out


def _term_scale(loss, values: dict) -> float:
    """Σ |term| of the loss expanded into traces of products (Tr is linear): the size of
    what cancels in the loss and its gradient. At a minimum such as ‖X − WX‖² at W = I
    the loss is 0 while its terms are ~‖X‖²; |loss| alone made the error a division by
    zero (1e292). Falls back to |loss| when the expansion cannot be evaluated."""
    whole = abs(float(_numpy_value(loss, values)))
    try:
        terms = []
        for t in sp.Add.make_args(sp.expand(loss)):
            coef, rest = t.as_coeff_Mul()
            if isinstance(rest, sp.Trace):
                terms += [coef * sp.Trace(u) for u in sp.Add.make_args(sp.expand(rest.arg))]
            else:
                terms.append(t)
        total = sum(abs(float(_numpy_value(t, values))) for t in terms)
    except Exception:  # noqa: BLE001 - the scale is then the loss's own size
        return whole
    return max(whole, total) if np.isfinite(total) else whole


def confirm_gradient(loss, grads: dict, values: dict, *, device=None,
                     autograd_rtol: float = AUTOGRAD_RTOL,
                     fd_rtol: float = FD_RTOL) -> GradientConfirmation:
    """Compare derived gradients with torch autograd and central finite differences.

    loss: SymPy scalar (a trace/Frobenius loss); grads: {MatrixSymbol: SymPy gradient};
    values: {MatrixSymbol: 2-D array, Symbol: number} (see :func:`bind`); device: torch
    device for autograd. Errors are relative to the gradient's scale (see
    :class:`GradientConfirmation`); raises InputError for bad values.
    """
    wrt = list(grads)
    auto = autograd_gradients(loss, wrt, values, device=device)
    fd = finite_difference_gradients(loss, wrt, values)
    L = _term_scale(loss, values)
    res = GradientConfirmation(tolerances={"autograd": autograd_rtol,
                                           "finite differences": fd_rtol})
    for w, g in grads.items():
        G = _numpy_value(g, values)
        if G.shape != auto[w].shape and G.size != 1:   # a scalar 0 gradient broadcasts
            raise InputError(f"the gradient given for {w} has shape {G.shape}, but {w} has "
                             f"shape {auto[w].shape}")
        G = np.broadcast_to(G, auto[w].shape)
        wmax = max(1.0, float(np.abs(np.asarray(values[w], float)).max()))
        # the gradient's scale: its size, or (where it vanishes, e.g. at a minimum) the
        # size of the loss's terms per unit of w — never a division by ~0
        scale_a = max(np.abs(auto[w]).max(), np.abs(G).max(), L / wmax, np.finfo(float).tiny)
        res.autograd_error[w] = float(np.abs(G - auto[w]).max() / scale_a)
        scale_f = max(np.abs(G).max(), L / wmax, np.finfo(float).tiny)
        res.fd_error[w] = float(np.abs(G - fd[w]).max() / scale_f)
    return res
