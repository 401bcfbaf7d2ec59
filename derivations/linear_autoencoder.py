"""Q1(b): the linear autoencoder L(W1, W2) = ‖X − W2 W1 X‖²_F and PCA, in SymPy.

Q1(b)(i): matrix gradients ∂L/∂W1, ∂L/∂W2 by SymPy matrix calculus (MatrixSymbol),
cross-checked entry by entry on explicit small shapes; the first-order conditions
are "both gradients vanish".
Q1(b)(ii): substitute the eigen-decomposition XXᵀ = U Λ Uᵀ and the family
W2 = U_k C, W1 = C⁻¹ U_kᵀ; SymPy reduces the gradients to zero blocks and the loss
to Tr(Λ_⊥) (the discarded eigenvalues) — with symbolic m, k via block matrices and
on an explicit m = 4, k = 2 instance with symbolic eigenvalues and C.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

# The generic matrix calculus (any trace/Frobenius loss) lives in derivations.matrix_calculus;
# these names stay importable from here for the Q1(b)/Q2 code that uses them.
from derivations.matrix_calculus import (
    elementwise_gradient_matches,
    frobenius_sq,
    gradient,
    matrix_gradient,
)

__all__ = ["LinearAutoencoderDerivation", "derive", "symbols", "family_is_stationary",
           "frobenius_sq", "gradient", "matrix_gradient", "elementwise_gradient_matches",
           "m", "n", "k"]

m, n, k = sp.symbols("m n k", integer=True, positive=True)


def symbols():
    """The MatrixSymbols of eq. (1): X (m×n), W1 (k×m), W2 (m×k).

    >>> X, W1, W2 = symbols()
    >>> gradient(frobenius_sq(X - W2 * W1 * X), W1)
    2*W2.T*(W2*W1*X - X)*X.T
    """
    return (sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("W1", k, m),
            sp.MatrixSymbol("W2", m, k))


@dataclass
class LinearAutoencoderDerivation:
    """Everything Q1(b) needs, as SymPy objects."""

    X: sp.MatrixSymbol
    W1: sp.MatrixSymbol
    W2: sp.MatrixSymbol
    loss: sp.Expr
    grad_W1: sp.MatrixExpr
    grad_W2: sp.MatrixExpr
    elementwise_ok: bool
    elementwise_shape: dict
    # eigenbasis reduction: with W2 = U A, W1 = B Uᵀ, XXᵀ = U Λ Uᵀ, U orthogonal
    grad_W1_rotated: sp.MatrixExpr
    grad_W2_rotated: sp.MatrixExpr
    # the U_k C family in the eigenbasis (symbolic m, k, block matrices)
    family_W2: sp.BlockMatrix
    family_W1: sp.BlockMatrix
    family_grad_W1: sp.MatrixExpr
    family_grad_W2: sp.MatrixExpr
    family_loss: sp.Expr
    # the explicit m = 4, k = 2 instance
    explicit_grad_W1: sp.Matrix
    explicit_grad_W2: sp.Matrix
    explicit_loss: sp.Expr
    explicit_sigmas: tuple
    assumptions: list[str] = field(default_factory=list)

    @property
    def conditions(self) -> tuple[sp.Eq, sp.Eq]:
        """First-order optimality conditions (Q1(b)(i)): both gradients vanish."""
        return (sp.Eq(self.grad_W1, sp.ZeroMatrix(*self.grad_W1.shape), evaluate=False),
                sp.Eq(self.grad_W2, sp.ZeroMatrix(*self.grad_W2.shape), evaluate=False))


def _is_zero_matrix(M) -> bool:
    if isinstance(M, sp.ZeroMatrix):
        return True
    if isinstance(M, sp.BlockMatrix):
        return all(_is_zero_matrix(b) for b in M.blocks)
    if isinstance(M, sp.MatrixBase):
        return all(_is_zero_matrix(b) if isinstance(b, sp.MatrixExpr) else sp.simplify(b) == 0
                   for b in M)
    return False


def family_is_stationary(d: LinearAutoencoderDerivation) -> bool:
    """True when SymPy reduced both family gradients to zero (symbolic and explicit)."""
    return (_is_zero_matrix(d.family_grad_W1) and _is_zero_matrix(d.family_grad_W2)
            and d.explicit_grad_W1.is_zero_matrix and d.explicit_grad_W2.is_zero_matrix)


def _eigenbasis_reduction(grad_W1, grad_W2, X, W1, W2):
    """Substitute XXᵀ = UΛUᵀ, W2 = UA, W1 = BUᵀ; refine with UᵀU = I."""
    U = sp.MatrixSymbol("U", m, m)
    Lam = sp.MatrixSymbol("Lambda", m, m)
    A = sp.MatrixSymbol("A", m, k)
    B = sp.MatrixSymbol("B", k, m)
    # the gradients depend on X only through XXᵀ: write X Xᵀ as one symbol first
    S = sp.MatrixSymbol("S", m, m)

    def via_cov(g):
        g = sp.expand(g.doit())
        return g.replace(lambda e: isinstance(e, sp.MatMul), lambda e: _collapse_xxt(e, X, S))

    out = []
    for g in (grad_W1, grad_W2):
        gc = via_cov(g)
        if gc.has(X):
            raise AssertionError("gradient does not depend on X through XXᵀ only")
        g_sub = gc.subs({S: U * Lam * U.T, W2: U * A, W1: B * U.T})
        out.append(sp.refine(sp.expand(g_sub.doit()), sp.Q.orthogonal(U)).doit())
    return out


def _collapse_xxt(e: sp.MatMul, X, S):
    """Replace each adjacent X*X.T in a MatMul by S."""
    coeff, mats = e.as_coeff_matrices()
    outm, i = [], 0
    while i < len(mats):
        if i + 1 < len(mats) and mats[i] == X and mats[i + 1] == X.T:
            outm.append(S)
            i += 2
        else:
            outm.append(mats[i])
            i += 1
    return sp.MatMul(coeff, *outm).doit() if outm else e


def _family_blocks():
    """W2 = [C; 0], W1 = [C⁻¹, 0] in the eigenbasis; Λ = diag(S_k, S_⊥)."""
    C = sp.MatrixSymbol("C", k, k)
    Sk = sp.MatrixSymbol("S_k", k, k)
    Sp = sp.MatrixSymbol("S_perp", m - k, m - k)
    Z = sp.ZeroMatrix
    W2t = sp.BlockMatrix([[C], [Z(m - k, k)]])
    W1t = sp.BlockMatrix([[C.I, Z(k, m - k)]])
    Lam = sp.BlockDiagMatrix(Sk, Sp)
    Id = sp.BlockDiagMatrix(sp.Identity(k), sp.Identity(m - k))
    return C, Sk, Sp, W2t, W1t, Lam, Id


def _explicit_instance(grad_fn_W1, grad_fn_W2, mm=4, kk=2):
    """m = 4, k = 2 with symbolic eigenvalues σ1..σ4 and a symbolic invertible 2×2 C."""
    sig = sp.symbols(f"sigma1:{mm + 1}", positive=True)
    c = sp.Matrix(kk, kk, lambda i, j: sp.Symbol(f"c{i + 1}{j + 1}"))
    Lam = sp.diag(*sig)
    W2 = sp.Matrix.vstack(c, sp.zeros(mm - kk, kk))
    W1 = sp.Matrix.hstack(c.inv(), sp.zeros(kk, mm - kk))
    g1 = sp.simplify(grad_fn_W1(W1, W2, Lam))
    g2 = sp.simplify(grad_fn_W2(W1, W2, Lam))
    Rm = sp.eye(mm) - W2 * W1
    loss = sp.simplify((Rm * Lam * Rm.T).trace())
    return g1, g2, loss, sig


def derive() -> LinearAutoencoderDerivation:
    """Q1(b)(i)–(ii), derived."""
    X, W1, W2 = symbols()
    loss = frobenius_sq(X - W2 * W1 * X)
    g1 = gradient(loss, W1)
    g2 = gradient(loss, W2)

    shape = {"m": 3, "k": 2, "n": 2}
    ok = elementwise_gradient_matches(
        [loss], {W1: g1, W2: g2},
        {X: (shape["m"], shape["n"]), W1: (shape["k"], shape["m"]), W2: (shape["m"], shape["k"])})

    r1, r2 = _eigenbasis_reduction(g1, g2, X, W1, W2)

    C, Sk, Sp, W2t, W1t, Lam, Id = _family_blocks()
    fg1 = sp.block_collapse(2 * W2t.T * (W2t * W1t - Id) * Lam)
    fg2 = sp.block_collapse(2 * (W2t * W1t - Id) * Lam * W1t.T)
    resid = sp.block_collapse((Id - W2t * W1t) * Lam * (Id - W2t * W1t).T)
    floss = sp.trace(resid)

    # the same reduced gradients, as functions of explicit matrices (Λ in place of XXᵀ)
    def eg1(A1, A2, L):
        return 2 * A2.T * (A2 * A1 - sp.eye(A2.rows)) * L

    def eg2(A1, A2, L):
        return 2 * (A2 * A1 - sp.eye(A2.rows)) * L * A1.T

    e1, e2, eloss, sig = _explicit_instance(eg1, eg2)

    return LinearAutoencoderDerivation(
        X=X, W1=W1, W2=W2, loss=loss, grad_W1=g1, grad_W2=g2,
        elementwise_ok=ok, elementwise_shape=shape,
        grad_W1_rotated=r1, grad_W2_rotated=r2,
        family_W2=W2t, family_W1=W1t, family_grad_W1=fg1, family_grad_W2=fg2,
        family_loss=floss,
        explicit_grad_W1=e1, explicit_grad_W2=e2, explicit_loss=eloss, explicit_sigmas=sig,
        assumptions=[
            "X ∈ R^{m×n} zero-centred; W1 ∈ R^{k×m}, W2 ∈ R^{m×k}, k < m",
            "XXᵀ = U Λ Uᵀ with U orthogonal, Λ = diag(σ1 ≥ … ≥ σm)",
            "C ∈ R^{k×k} invertible (the U_k C family); C = I_k is PCA itself",
            "uniqueness of U_k (up to signs) needs σ1 > … > σk > σ_{k+1} and σk > 0",
        ],
    )
