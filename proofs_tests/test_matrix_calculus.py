"""The public matrix-calculus route: any trace/Frobenius loss, gradient term by term,
confirmed against torch autograd and finite differences; mutations are refuted."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derivations import matrix_calculus as MC
from derivations.linear_autoencoder import symbols
from hw7core.errors import InputError
from numerics import matrix_calculus as NM

X, W1, W2 = symbols()
lam = sp.Symbol("lam", nonnegative=True)
nsym = X.shape[1]
LOSSES = {
    "eq. (1)": MC.frobenius_sq(X - W2 * W1 * X),
    "eq. (3)": MC.frobenius_sq(X - W2 * W1 * X) + lam * MC.frobenius_sq(W1)
    + lam * MC.frobenius_sq(W2),
    "1/n": MC.frobenius_sq(X - W2 * W1 * X) / nsym + lam * MC.frobenius_sq(W1)
    + lam * MC.frobenius_sq(W2),
    "weighted": 3 * sp.Trace(W1 * X * X.T * W1.T) + lam**2 * MC.frobenius_sq(W2 - W1.T),
}


def _values(seed, m=4, k=2, n=6):
    rng = np.random.default_rng(seed)
    return {X: rng.standard_normal((m, n)), W1: rng.standard_normal((k, m)),
            W2: rng.standard_normal((m, k)), lam: float(rng.uniform(0.1, 2))}


@pytest.mark.parametrize("name", list(LOSSES))
def test_gradient_matches_entrywise_derivative(name):
    loss = LOSSES[name]
    grads = {W: MC.gradient(loss, W) for W in (W1, W2)}
    assert MC.elementwise_gradient_matches(MC.loss_terms(loss), grads,
                                           {X: (3, 2), W1: (2, 3), W2: (3, 2)})


@pytest.mark.parametrize("name", list(LOSSES))
@given(seed=st.integers(0, 2**31 - 1))
def test_gradient_confirmed_by_autograd_and_finite_differences(name, seed, device):
    loss = LOSSES[name]
    res = NM.confirm_gradient(loss, {W: MC.gradient(loss, W) for W in (W1, W2)},
                              _values(seed), device=device)
    assert res.passed, (res.autograd_error, res.fd_error)


@given(seed=st.integers(0, 2**31 - 1))
def test_mutation_dropped_penalty_is_refuted(seed):
    # the wrong gradient of eq. (3) that forgets the 2λW1 term
    loss = LOSSES["eq. (3)"]
    wrong = MC.gradient(LOSSES["eq. (1)"], W1)
    res = NM.confirm_gradient(loss, {W1: wrong}, _values(seed))
    assert not res.passed


def test_sympy_diff_of_the_sum_is_not_relied_on():
    # sympy#26585: diff of an Add of traces can come back 0; the term-by-term route does not.
    loss = LOSSES["eq. (3)"]
    g = MC.gradient(loss, W1)
    assert g != 0 and not isinstance(g, sp.ZeroMatrix)


@pytest.mark.parametrize("bad", [
    MC.frobenius_sq(W1) * MC.frobenius_sq(W2),       # product of traces
    sp.exp(MC.frobenius_sq(W1)),                     # nonlinear function of a trace
    W1 * X,                                          # a matrix, not a scalar
])
def test_unsupported_loss_is_one_clear_error(bad):
    with pytest.raises(InputError):
        MC.gradient(bad, W1)


def test_bad_values_are_one_clear_error():
    loss = LOSSES["eq. (1)"]
    vals = _values(0)
    vals[W2] = np.zeros((5, 2))                      # m disagrees with X
    with pytest.raises(InputError, match="dimension m"):
        NM.confirm_gradient(loss, {W1: MC.gradient(loss, W1)}, vals)
    with pytest.raises(InputError, match="no value"):
        NM.confirm_gradient(loss, {W1: MC.gradient(loss, W1)}, {X: vals[X], W1: vals[W1]})


def test_confirmation_at_a_minimum_is_relative_to_the_terms_not_to_zero():
    """At W = I the loss ‖X − WX‖² and its gradient are 0: the errors were divided by ~0
    (fd_error 6e292, a correct gradient rejected). They are relative to the size of the
    loss's terms; a gradient that is not 0 there is still refuted."""
    import numpy as np
    import sympy as sp

    from derivations.matrix_calculus import frobenius_sq, gradient
    from numerics.matrix_calculus import confirm_gradient

    X, W = sp.MatrixSymbol("X", 3, 4), sp.MatrixSymbol("W", 3, 3)
    loss = frobenius_sq(X - W * X)
    g = gradient(loss, W)
    vals = {X: np.random.default_rng(0).standard_normal((3, 4)), W: np.eye(3)}
    ok = confirm_gradient(loss, {W: g}, vals)
    assert ok.passed and ok.fd_error[W] < 1e-8 and ok.autograd_error[W] < 1e-12
    bad = confirm_gradient(loss, {W: g + X * X.T}, vals)
    assert not bad.passed and bad.fd_error[W] > 0.1


@pytest.mark.parametrize("case, needle", [
    ("shape", "has shape (3, 4), but W has shape (3, 3)"),
    ("empty", "X is empty"),
    ("complex", "X is complex"),
    ("symbol", "needs a real number"),
])
def test_confirm_gradient_bad_input_is_one_line(case, needle):
    # a wrong-shaped gradient was a numpy broadcast error, empty arrays a reduction error,
    # complex data silently cut to its real part
    import numpy as np
    import sympy as sp

    from derivations.matrix_calculus import frobenius_sq, gradient
    from hw7core.errors import InputError
    from numerics.matrix_calculus import confirm_gradient

    X, W, lam = sp.MatrixSymbol("X", 3, 4), sp.MatrixSymbol("W", 3, 3), sp.Symbol("lam")
    loss = frobenius_sq(X - W * X) + lam * frobenius_sq(W)
    g = gradient(loss, W)
    rng = np.random.default_rng(0)
    vals = {X: rng.standard_normal((3, 4)), W: rng.standard_normal((3, 3)), lam: 0.5}
    if case == "shape":
        g = g * X
    elif case == "empty":
        vals[X] = np.zeros((3, 0))
    elif case == "complex":
        vals[X] = vals[X] + 1j
    else:
        vals[lam] = "a lot"
    with pytest.raises(InputError) as ei:
        confirm_gradient(loss, {W: g}, vals)
    assert needle in str(ei.value) and "\n" not in str(ei.value)


@pytest.mark.parametrize("shapes, needle", [
    ("wrong", "has 4 along one axis, not 5"), ("negative", "integers ≥ 1")])
def test_elementwise_check_refuses_bad_shapes(shapes, needle):
    import sympy as sp

    from derivations.matrix_calculus import elementwise_gradient_matches, frobenius_sq, gradient
    from hw7core.errors import InputError

    X, W = sp.MatrixSymbol("X", 3, 4), sp.MatrixSymbol("W", 3, 3)
    loss = frobenius_sq(X - W * X)
    bad = {X: (3, 5), W: (3, 3)} if shapes == "wrong" else {X: (3, -4), W: (3, 3)}
    with pytest.raises(InputError, match=needle):
        elementwise_gradient_matches(loss, {W: gradient(loss, W)}, bad)
