"""Q1(b): derived matrix gradients and the PCA/U_kC stationarity, confirmed and property-tested."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

import derivations.linear_autoencoder as der
import numerics.linear_autoencoder as num
from hw7.errors import InputError
from hw7.properties import linear_autoencoder as P


@pytest.fixture(scope="module")
def d():
    return der.derive()


def test_matrix_gradients_derived(d):
    assert sympy.sstr(d.grad_W1) == "2*W2.T*(W2*W1*X - X)*X.T"
    assert sympy.sstr(d.grad_W2) == "2*(W2*W1*X - X)*X.T*W1.T"
    assert d.elementwise_ok
    assert der.family_is_stationary(d)
    assert sympy.simplify(d.explicit_loss - sum(d.explicit_sigmas[2:])) == 0


def test_elementwise_check_rejects_wrong_gradient(d):
    # mutation: drop the factor 2 — the entry-by-entry cross-check must refuse it
    wrong = d.grad_W1 / 2
    assert not der.elementwise_gradient_matches(
        [d.loss], {d.W1: wrong}, {d.X: (3, 2), d.W1: (2, 3), d.W2: (3, 2)})


def _distinct_data(m, n, seed):
    rng = np.random.default_rng(seed)
    sig = n * (np.arange(m, 0, -1) + rng.uniform(0, 0.5, m))   # gaps ≥ 0.5 n
    return num.make_data(m, n, sig, seed=seed)


cases = st.integers(3, 7).flatmap(lambda m: st.tuples(
    st.just(m), st.integers(1, m - 1), st.integers(m + 1, m + 25), st.integers(0, 10**6)))


@given(cases)
def test_gradients_match_autograd(device, case):
    m, k, n, seed = case
    X = _distinct_data(m, n, seed)
    rng = np.random.default_rng(seed + 1)
    W1, W2 = rng.standard_normal((k, m)), rng.standard_normal((m, k))
    d1, d2 = num.derived_gradients(X, W1, W2)
    a1, a2 = num.autograd_gradients(X, W1, W2, device=device)
    scale = max(np.abs(a1).max(), np.abs(a2).max())
    assert np.abs(d1 - a1).max() <= 1e-12 * scale
    assert np.abs(d2 - a2).max() <= 1e-12 * scale


def test_gradcheck_and_finite_differences():
    X = _distinct_data(4, 9, 3)
    rng = np.random.default_rng(0)
    W1, W2 = rng.standard_normal((2, 4)), rng.standard_normal((4, 2))
    assert num.gradcheck_derived(X, W1, W2)
    f1, f2 = num.finite_difference_gradients(X, W1, W2)
    d1, d2 = num.derived_gradients(X, W1, W2)
    assert np.abs(f1 - d1).max() <= 1e-6 * np.abs(d1).max()
    assert np.abs(f2 - d2).max() <= 1e-6 * np.abs(d2).max()


@given(P.cases())
def test_family_is_stationary_with_tail_loss(case):
    P.family_is_stationary(case)
    m, k, n, seed = case
    p = num.pca_solution(P.instance(seed, m=m, k=k, n=n)[0], k)
    assert p.subspace_unique and p.directions_unique and not p.issues


@given(P.cases())
def test_mutations_fail(case):
    """W1 = U_kᵀ with W2 = U_kC (no C⁻¹) is not stationary; bottom eigenvectors are
    stationary too, but their loss is not the tail sum."""
    with pytest.raises(AssertionError):
        P.no_inverse(case)
    m, k, n, seed = case
    X = _distinct_data(m, n, seed)
    p = num.pca_solution(X, k)
    Ub = p.U[:, -k:]
    assert num.loss(X, Ub.T, Ub) - p.tail_loss > 1e-3 * p.sigma[-1] + 0.1 * n


@given(st.integers(4, 7), st.integers(0, 10**6))
def test_repeated_eigenvalues_lose_identifiability(m, seed):
    n = m + 10
    sig = n * np.array([5.0, 3.0, 3.0] + [1.0 / (i + 1) for i in range(m - 3)])
    X = num.make_data(m, n, sig, seed=seed)
    p = num.pca_solution(X, 3)           # repeated inside the top 3
    assert p.subspace_unique and not p.directions_unique
    assert any("not identifiable" in s for s in p.issues)
    # a rotation inside the repeated eigenspace is an equally good optimum
    th = 0.7
    R = np.eye(3)
    R[1:, 1:] = [[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]]
    U = p.U_k @ R
    g1, g2 = num.derived_gradients(X, U.T, U)
    assert max(np.abs(g1).max(), np.abs(g2).max()) <= 1e-10 * p.sigma[0]
    assert abs(num.loss(X, U.T, U) - p.tail_loss) <= 1e-10 * p.sigma[0]
    p2 = num.pca_solution(X, 2)          # repeated across the cut
    assert not p2.subspace_unique and any("subspace" in s for s in p2.issues)


@given(st.integers(4, 7), st.integers(0, 10**6))
def test_rank_deficient_data(m, seed):
    n = m + 5
    sig = n * np.array([4.0, 2.0] + [0.0] * (m - 2))   # rank 2
    X = num.make_data(m, n, sig, seed=seed)
    p = num.pca_solution(X, 3)
    assert not p.subspace_unique and any("rank" in s for s in p.issues)
    W1, W2 = p.family(np.eye(3))
    assert num.loss(X, W1, W2) <= 1e-10 * p.sigma[0]      # tail sum is 0
    p2 = num.pca_solution(X, 2)
    assert p2.subspace_unique and p2.directions_unique


def test_gradient_descent_reaches_pca_subspace(device):
    X = _distinct_data(6, 40, 5)
    p = num.pca_solution(X, 2)
    W1, W2, hist = num.train_gradient_descent(X, 2, steps=1500, lr=0.2, seed=1, device=device)
    assert np.max(num.principal_angles(W2, p.U_k)) < 1e-4
    assert (hist[-1] - p.tail_loss) / p.tail_loss < 1e-7


@pytest.mark.parametrize("bad,msg", [
    (dict(k=4), "k must be smaller than m"),
    (dict(k=0), "at least 1"),
    (dict(k=2.5), "integer"),
    (dict(X=np.array([[1.0, np.nan], [0.0, 1.0], [1.0, 2.0], [0.0, 0.0]])), "non-finite"),
    (dict(X=np.ones(4)), "2-D"),
])
def test_bad_input(bad, msg):
    args = dict(X=_distinct_data(4, 8, 0), k=2) | bad
    with pytest.raises(InputError, match=msg):
        num.pca_solution(args["X"], args["k"])


def test_mismatched_shapes():
    X = _distinct_data(4, 8, 0)
    with pytest.raises(InputError, match="W1 must have m=4"):
        num.loss(X, np.ones((2, 3)), np.ones((4, 2)))
    with pytest.raises(InputError, match="W2 must be 4×2"):
        num.derived_gradients(X, np.ones((2, 4)), np.ones((3, 2)))


def test_sections_pass_fast_profile():
    from hw7.registry import Context, select

    ctx = Context(quiet=True)
    for s in select("q1b") + select("q1b.grad_W1") + select("q1b.grad_W2"):
        a = s.run(ctx)
        assert a.passed, [c for c in a.checks if not c.passed]


# ---------------------------------------------------------------- issue 11: PCA from the SVD of X, any scale
@given(st.integers(0, 2**31 - 1), st.integers(2, 5), st.integers(1, 7),
       st.floats(-300, 300), st.data())
def test_pca_is_scale_invariant_property(seed, m, n, p10, data):
    """PCA of c·X equals PCA of X for any c = 10^p, |p| ≤ 300 (from XXᵀ, 1e200 overflowed
    and 1e−200 underflowed to "X is zero"): same scaled spectrum, same optimal subspace,
    same identifiability verdict."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    k = data.draw(st.integers(1, m - 1))
    base, big = num.pca_solution(X, k), num.pca_solution(X * 10.0**p10, k)
    r = base.scale / big.scale * 10.0**p10                # σ̃ scales by r² between the two
    np.testing.assert_allclose(big.sigma_scaled, base.sigma_scaled * r * r,
                               rtol=1e-12, atol=1e-13 * float(big.sigma_scaled[0]))
    assert big.issues == base.issues
    if base.subspace_unique:
        ang = num.principal_angles(base.U_k, big.U_k)
        assert float(np.max(ang)) < 1e-9


def test_pca_of_extreme_scales_is_not_zero_or_nan():
    for c in (1e200, 1e-200, 1e-300, 1e300):
        p = num.pca_solution(c * np.diag([3.0, 2.0, 1.0]), 1)
        assert p.subspace_unique and not any("zero" in i for i in p.issues)
        assert np.allclose(np.abs(p.U_k[:, 0]), [1.0, 0.0, 0.0])
        assert np.all(np.isfinite(p.sigma_scaled))


@pytest.mark.parametrize("X, msg", [((1 + 1j) * np.eye(3), "complex"),
                                    (np.array([[1, 2]], dtype=object), "object"),
                                    (np.array([[np.nan, 1.0]]), "non-finite"),
                                    (np.ones(3), "2-D")])
def test_as_data_names_the_problem_in_one_line(X, msg):
    with pytest.raises(InputError, match=msg) as exc:
        num.as_data(X)
    assert "\n" not in str(exc.value)


# ---------------------------------------------------------------- issue 11 (F4): every finite float64 scale
MAXF = float(np.finfo(float).max)           # 1.7976931348623157e308


def _exact_data(p10: int, signs, perm, with_max: bool):
    """X = c·P·diag(1, 1/2, 1/4)·(signs), c = 10^p: every entry is exact (a power-of-two
    multiple of c, subnormal c included), so the singular values and the optimal subspace
    are known exactly; with_max puts the largest float where c was."""
    c = 10.0 ** p10
    vals = [MAXF if with_max else c, c / 2, c / 4]
    X = np.zeros((3, 4))
    for i, (r, v, sg) in enumerate(zip(perm, vals, signs)):
        X[r, i] = sg * v
    return X, vals, perm[0]


@given(st.integers(-323, 308), st.lists(st.sampled_from([-1.0, 1.0]), min_size=3, max_size=3),
       st.permutations([0, 1, 2]), st.booleans())
def test_every_finite_scale_works_property(p10, signs, perm, with_max):
    """F4: data_scale, the PCA and the closed form work for data at any scale 10^p,
    p ∈ [−323, 308] (subnormals) and with the largest float in the array (math.ldexp
    raised OverflowError: 2^1024 is beyond float64). The scale is an exact power of two
    leaving X̃ = X/s in [1/2, 1) (or [1, 2) at the top of the range), the optimal
    direction is the known one and the loss the known tail, judged relative to ‖X̃‖²_F."""
    X, vals, top_row = _exact_data(p10, signs, perm, with_max)
    s = num.data_scale(X)
    m_, e = np.frexp(s)
    assert m_ == 0.5 and np.isfinite(s) and s > 0                 # an exact power of two
    Xs = X / s
    normal = np.abs(Xs) >= np.finfo(float).tiny     # below that, X̃ itself is subnormal
    assert np.array_equal((Xs * s)[normal], X[normal])            # dividing was exact
    top = float(np.abs(Xs).max())
    assert (0.5 <= top < 1.0) or (np.abs(X).max() >= 2.0**1023 and 1.0 <= top < 2.0)
    pca = num.pca_solution(X, 1)
    assert np.all(np.isfinite(pca.sigma_scaled)) and np.all(np.isfinite(pca.U))
    u = np.zeros(3)
    u[top_row] = 1.0
    assert float(np.max(num.principal_angles(pca.U_k, u[:, None]))) < 1e-12
    from numerics.regularized_linear_autoencoder import closed_form

    cf = closed_form(X, 1, 0.0)
    np.testing.assert_allclose(cf.d, [1.0], rtol=1e-15)
    tail_s = sum((v / s) ** 2 for v in vals[1:])                  # the known optimal loss
    frob_s = sum((v / s) ** 2 for v in vals)
    assert abs(cf.loss_scaled - tail_s) <= 1e-14 * frob_s


@pytest.mark.parametrize("X", [np.full((3, 4), 1.7e308), np.full((3, 4), -MAXF),
                               np.diag([MAXF, 1.0, 5e-324]), np.diag([5e-324, 1e-323, 2e-323]),
                               np.array([[MAXF, -MAXF, 0.0], [5e-324, 1.0, -1e308]])],
                         ids=["1.7e308", "-max", "max-1-subnormal", "subnormal", "mixed"])
def test_lae_cli_on_extreme_floats_gives_strict_json(tmp_path, capsys, X):
    """F4: ``hw7 lae --data maxf.npy --k 1 --json`` ended in an OverflowError traceback;
    every finite float64 array gives a strict-JSON verified summary."""
    import json

    from hw7.cli import main

    path = tmp_path / "X.npy"
    np.save(path, X)
    rc = main(["lae", "--data", str(path), "--k", "1", "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Warning" not in err, err
    summary = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    assert rc == 0 and summary["verified"] is True
    assert summary["singular_values_W2"] == [1.0]


@pytest.mark.parametrize("j", [-1070, -1000, 600, 1021])   # X·2^j exact (entries 2^-1..2^-4)
def test_gradient_descent_is_exactly_scale_free(j):
    """F4's neighbours: gradient descent on X·2^j (down to subnormal data, up to the largest
    floats) learns the very same weights as on X (it trains on X/s, exact), and its loss
    history is L itself: 4^j times X's where float64 holds it, never NaN, no warnings."""
    import warnings

    X = np.diag([4.0, 2.0, 1.0]) @ np.array([[1.0, 0.5, 0], [0, 1, 0.25], [0.5, 0, 1]])
    X = X / 8.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a1, a2, ha = num.train_gradient_descent(X, 1, steps=60, seed=3)
        b1, b2, hb = num.train_gradient_descent(np.ldexp(X, j), 1, steps=60, seed=3)
    assert np.array_equal(a1, b1) and np.array_equal(a2, b2)
    assert not np.isnan(hb).any()
    want = np.ldexp(ha, 2 * j) if abs(2 * j) < 1000 else None
    if want is not None:
        np.testing.assert_allclose(hb, want, rtol=1e-15)
    elif j > 0:
        assert np.all(hb > 1e300)            # beyond float64 (inf) or at its top
    else:
        assert np.all(hb < 1e-300)           # beyond float64 (0) or at its bottom


# ---------------------------------------------------------------- hw7 lae --data (F7)
@pytest.mark.parametrize("make, needle", [
    (lambda d: (d / "empty.csv").write_text(""), "input contained no data"),
    (lambda d: (d / "blank.txt").write_text("\n\n"), "input contained no data"),
    (lambda d: (d / "folder").mkdir(), "is a folder"),
    (lambda d: (d / "bad.npy").write_bytes(b"not an array"), "not a .npy file"),
    (lambda d: (d / "rag.csv").write_text("1,2\n3\n"), "cannot read"),
    (lambda d: (d / "bin.csv").write_bytes(b"\x00\xff\xfe"), "cannot read"),
    (lambda d: None, "data file not found"),
])
def test_lae_data_problems_are_one_line(tmp_path, capsys, make, needle):
    """F7: an empty CSV printed numpy's two-line UserWarning before the error, a folder
    was "data file not found". Every unreadable --data is exactly one line, exit 2."""
    import warnings

    from hw7.cli import main

    make(tmp_path)
    made = [p for p in tmp_path.iterdir()]
    path = str(made[0]) if made else str(tmp_path / "nope.npy")
    with warnings.catch_warnings():
        warnings.simplefilter("always")          # a leaked warning would show in stderr
        rc = main(["lae", "--data", path, "--k", "1"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and err.startswith("hw7: error:"), err
    assert needle in err and "Warning" not in err
