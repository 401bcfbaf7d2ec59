"""Matrix-calculus gradients of trace/Frobenius losses, as SymPy matrix expressions.

The supported losses are sums of terms ``c · Tr(E)`` where ``E`` is a product of
MatrixSymbols (and their transposes, sums and scalar multiples) and ``c`` is a
scalar free of matrices — every ‖A‖²_F = Tr(AᵀA) written with :func:`frobenius_sq`,
e.g. Q1(b) eq. (1) ‖X − W2W1X‖²_F, Q2 eq. (3) with its λ‖W‖²_F terms, or the same
with 1/n in front of the reconstruction term.

Why term by term: SymPy 1.14 returns 0 for ``(Trace(..) + lam*Trace(..)).diff(W)``
(a scalar ``Add`` of traces; sympy/sympy#26585), while each trace term
differentiates correctly; differentiation is linear, so the sum of the term
derivatives is the gradient. :func:`elementwise_gradient_matches` cross-checks a
matrix gradient against SymPy's entry-by-entry derivative on explicit shapes.
Numeric confirmation (torch autograd, finite differences): :mod:`numerics.matrix_calculus`.

>>> m, n, k = sp.symbols("m n k", integer=True, positive=True)
>>> X, W = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("W", m, m)
>>> lam = sp.Symbol("lam", positive=True)
>>> loss = frobenius_sq(X - W * X) / n + lam * frobenius_sq(W)
>>> g = gradient(loss, W)
>>> g
(2*lam)*W + (-2/n)*(-W*X + X)*X.T
>>> elementwise_gradient_matches(loss_terms(loss), {W: g}, {X: (2, 3), W: (2, 2)})
True
"""

from __future__ import annotations

import itertools

import sympy as sp

from hw7core.errors import InputError

__all__ = ["frobenius_sq", "loss_terms", "gradient", "matrix_gradient",
           "elementwise_gradient_matches"]


def frobenius_sq(A: sp.MatrixExpr) -> sp.Expr:
    """‖A‖²_F = Tr(AᵀA) as a SymPy scalar expression (A any matrix expression)."""
    return sp.Trace(A.T * A)


def _has_matrix(e) -> bool:
    return any(isinstance(a, (sp.MatrixSymbol, sp.MatrixExpr)) for a in sp.preorder_traversal(e))


def loss_terms(loss) -> list[sp.Expr]:
    """The terms c·Tr(E) of a supported loss (a scalar SymPy expression, or a list of terms).

    Raises :class:`~hw7core.errors.InputError` naming the first term that is not a
    matrix-free scalar times one trace (e.g. a product of two traces, a trace inside
    a nonlinear function, or a bare matrix).
    """
    # strict: a SymPy expression, never a string to parse
    terms = (list(loss) if isinstance(loss, (list, tuple))
             else list(sp.Add.make_args(sp.sympify(loss, strict=True))))
    for t in terms:
        if isinstance(t, sp.MatrixExpr) and not isinstance(t, sp.Trace):
            raise InputError(f"loss term {t} is a matrix, not a scalar: wrap it in a trace")
        traces = [f for f in sp.Mul.make_args(t) if isinstance(f, sp.Trace)]
        rest = [f for f in sp.Mul.make_args(t) if not isinstance(f, sp.Trace)]
        if len(traces) != 1 or any(_has_matrix(f) for f in rest):
            raise InputError(f"unsupported loss term {t}: expected a matrix-free scalar times "
                             "one trace (e.g. lam*Trace(W.T*W) from frobenius_sq)")
    return terms


def matrix_gradient(terms, wrt: sp.MatrixSymbol) -> sp.MatrixExpr:
    """∂(Σ terms)/∂wrt, differentiating term by term (see the module docstring).

    terms: a list of c·Tr(E) terms (:func:`loss_terms`); wrt: a MatrixSymbol of shape
    (r, c). Returns an (r, c) matrix expression (``ZeroMatrix`` when no term depends on it).
    """
    parts = [t.diff(wrt) for t in terms]
    parts = [p for p in parts if not (p == 0 or isinstance(p, sp.ZeroMatrix))]
    if not parts:
        return sp.ZeroMatrix(*wrt.shape)
    return parts[0] if len(parts) == 1 else sp.MatAdd(*parts)


def gradient(loss, wrt: sp.MatrixSymbol) -> sp.MatrixExpr:
    """∂loss/∂wrt for a supported trace/Frobenius loss, as a SymPy matrix expression.

    loss: a scalar expression Σ c·Tr(E) (or the list of its terms); wrt: a MatrixSymbol.
    The result has wrt's shape. Raises InputError for an unsupported loss (:func:`loss_terms`).
    """
    if not isinstance(wrt, sp.MatrixSymbol):
        raise InputError(f"differentiate with respect to a MatrixSymbol, not {wrt!r}")
    return matrix_gradient(loss_terms(loss), wrt)


def elementwise_gradient_matches(terms, grads: dict, shapes: dict,
                                 extra: dict | None = None) -> bool:
    """Cross-check matrix gradients against SymPy's entry-by-entry derivative.

    Replaces every MatrixSymbol in ``shapes`` ({symbol: (rows, cols)}, integers) by an
    explicit matrix of scalar symbols, forms the scalar objective, differentiates it by
    each entry and compares (exactly, after expansion) with each gradient in ``grads``
    ({MatrixSymbol: gradient expression}) evaluated on the same explicit matrices.
    ``extra`` substitutes further symbols (e.g. a dimension n that only scales a term).
    """
    terms = loss_terms(terms)
    for sym, shape in shapes.items():   # a bad shape was a raw ShapeError/ValueError
        if not (isinstance(sym, sp.MatrixSymbol) and isinstance(shape, (tuple, list))
                and len(shape) == 2 and all(isinstance(x, int) and not isinstance(x, bool)
                                            and x >= 1 for x in shape)):
            raise InputError(f"shapes maps a MatrixSymbol to (rows, cols), integers ≥ 1; got "
                             f"{sym!r}: {shape!r}"[:200])
        for dim, size in zip(sym.shape, shape):
            if not isinstance(dim, sp.Symbol) and int(dim) != size:
                raise InputError(f"{sym.name} has {dim} along one axis, not {size}")
    explicit = {}
    for sym, (r, c) in shapes.items():
        explicit[sym] = sp.Matrix(r, c, lambda i, j, s=sym: sp.Symbol(f"{s.name}_{i}{j}"))
    subs_dims = {}
    for sym, (r, c) in shapes.items():
        for dim, val in zip(sym.shape, (r, c)):
            if isinstance(dim, sp.Symbol):
                subs_dims[dim] = val
    extra = extra or {}

    def to_explicit(expr):
        e = expr.subs(subs_dims)
        e = e.xreplace({sp.MatrixSymbol(s.name, *[d.subs(subs_dims) for d in s.shape]): explicit[s]
                        for s in shapes})
        return e.doit()

    scalar = sp.expand(sum(to_explicit(t) for t in terms).subs(extra))
    if isinstance(scalar, sp.MatrixBase):  # a 1×1 result
        scalar = scalar[0, 0]
    for wrt, g in grads.items():
        G = sp.Matrix(to_explicit(g).subs(extra))
        E = explicit[wrt]
        for i, j in itertools.product(range(E.rows), range(E.cols)):
            if sp.expand(sp.diff(scalar, E[i, j]) - G[i, j]) != 0:
                return False
    return True
