"""Q3: derived moments of qᵀk vs Monte Carlo (numpy and torch), plus mutations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derivations import scaled_dot_product as D
from hw7.errors import InputError
from hw7.properties import scaled_dot_product as P
from hw7core.props import mutation_check
from numerics import scaled_dot_product as N


@pytest.fixture(scope="module")
def der():
    return D.derive()


@pytest.fixture(scope="module")
def formulas(der):
    return P.formulas(der)


def test_derived_objects_are_the_known_forms_by_simplification(der):
    # Not typed-in answers: compare structure by simplification against the defining
    # moments E[q]E[k] and E[q²]E[k²] − E[q]²E[k]² of one Gaussian coordinate.
    m, s = sp.symbols("m s", positive=True)
    one_mean, one_var = D.coordinate_moments(m, s)
    assert sp.simplify(one_mean - m * m) == 0
    assert sp.simplify(one_var - ((s**2 + m**2) ** 2 - m**4)) == 0
    assert der.scaled_mean == 0 and der.scaled_var == 1
    assert sp.simplify(der.scale**2 - der.var_standard) == 0


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_summed_formula_matches_full_dot_product_sympy_stats(der, dim):
    means = sp.symbols(f"mu1:{dim + 1}", real=True)
    mg, vg = D.general_formulas_at(der, list(means))
    em, ev = D.explicit_dot_moments(dim, means, D.sigma)
    assert sp.simplify(mg - em) == 0
    assert sp.simplify(vg - ev) == 0


@given(P.cases())
def test_monte_carlo_numpy_agrees_with_derivation(formulas, case):
    P.moments_agree(*formulas)(case)


@given(st.tuples(st.integers(1, 32), st.floats(-1.5, 1.5), st.floats(0.5, 2), st.integers(0, 999)))
def test_monte_carlo_torch_agrees_with_derivation(formulas, device, case):
    P.moments_agree(*formulas, backend="torch", device=device)(case)


def test_wrong_variance_d_squared_is_refuted_by_the_same_checker(formulas):
    mean_fn, _ = formulas
    run = mutation_check(P.moments_agree(mean_fn, P.wrong_variance), P.standard_cases(),
                         max_examples=20)
    assert run.ok  # Hypothesis found a d where Var = d² is wrong


@given(st.integers(2, 48), st.integers(0, 2**31 - 1))
def test_wrong_variance_fails_every_case_where_it_differs(formulas, d, seed):
    mean_fn, _ = formulas
    with pytest.raises(AssertionError):
        P.moments_agree(mean_fn, P.wrong_variance)((d, 0.0, 1.0, seed))


@given(st.integers(2, 48), st.floats(0.5, 2), st.integers(0, 999))
def test_wrong_mean_without_square_fails(formulas, d, mu, seed):
    _, var_fn = formulas
    # E = dμ differs from dμ² by d|μ||μ−1|; keep away from μ≈1 where they coincide
    if abs(mu - 1) < 0.2:
        mu = mu + 0.5
    with pytest.raises(AssertionError):
        P.moments_agree(P.wrong_mean, var_fn)((d, mu, 1.0, seed))


def test_scale_normalises_variance_numerically(der):
    s_fn = sp.lambdify(D.d, der.scale)
    for d in (4, 64, 512):
        est = N.dot_moments_numpy(d, 0.0, 1.0, 100_000, seed=d)
        s_val = s_fn(d)
        assert abs(N.zscore(est.var / s_val**2, est.var_se / s_val**2, 1.0)) <= N.Z_MAX
        # the mutation s = d leaves variance 1/d, far outside the band
        w = P.wrong_scale(d)
        assert abs(N.zscore(est.var / w**2, est.var_se / w**2, 1.0)) > N.Z_MAX


def test_numpy_and_torch_estimate_same_quantities(device):
    a = N.dot_moments_numpy(16, 0.3, 1.0, 50_000, seed=1)
    b = N.dot_moments_torch(16, 0.3, 1.0, 50_000, seed=1, device=device)
    # independent streams: the difference of two estimates has SE √(se_a² + se_b²)
    assert abs(a.mean - b.mean) <= N.Z_MAX * math.hypot(a.mean_se, b.mean_se)
    assert abs(a.var - b.var) <= N.Z_MAX * math.hypot(a.var_se, b.var_se)


def test_seeded_runs_are_reproducible():
    assert N.dot_moments_numpy(8, 0.1, 1.0, 1000, seed=5) == N.dot_moments_numpy(8, 0.1, 1.0, 1000, seed=5)


def test_saturation_illustration_shows_the_effect():
    pts = N.softmax_saturation([4, 1024], trials=64, seed=0)
    raw = {p.d: p for p in pts if not p.scaled}
    sc = {p.d: p for p in pts if p.scaled}
    assert raw[1024].max_weight > 0.9 > sc[1024].max_weight
    assert raw[1024].jacobian_norm < raw[4].jacobian_norm / 2
    assert abs(sc[1024].score_std - 1) < 0.2


@pytest.mark.parametrize("bad", [
    dict(d=0, mu=0.0, sigma=1.0, n=10), dict(d=3, mu=0.0, sigma=0.0, n=10),
    dict(d=3, mu=float("nan"), sigma=1.0, n=10), dict(d=3, mu=[1.0, 2.0], sigma=1.0, n=10),
    dict(d=3, mu=0.0, sigma=1.0, n=1), dict(d=3, mu=0.0, sigma=float("inf"), n=10),
])
def test_bad_input_is_one_clear_error(bad):
    with pytest.raises(InputError):
        N.dot_moments_numpy(**bad)


@pytest.mark.parametrize("fn", [N.dot_moments_numpy, N.dot_moments_torch])
@pytest.mark.parametrize("chunk", [0, -1, 2.5, True, None])
def test_a_chunk_below_one_is_refused_not_looped_on(fn, chunk):
    # chunk = 0 made the sampling loop spin forever (a fresh user's finding)
    with pytest.raises(InputError, match="chunk"):
        fn(4, 0.0, 1.0, 100, chunk=chunk)


def test_vector_mean_general_case():
    mu = np.array([0.5, -1.0, 2.0])
    est = N.dot_moments_numpy(3, mu, 0.8, 200_000, seed=3)
    der = D.derive()
    mg, vg = D.general_formulas_at(der, [sp.nsimplify(x) for x in mu])
    vg = vg.subs(D.sigma, sp.Rational(4, 5))
    ok, zm, zv = N.agrees(est, float(mg), float(vg))
    assert ok, (zm, zv)


# ---------------------------------------------------------------- public API: any laws, correlation
_mq, _mk = sp.symbols("m_q m_k", real=True)
_sq, _sk = sp.symbols("s_q s_k", positive=True)


@pytest.fixture(scope="module")
def general_formulas():
    mean, var = D.dot_product_moments(D.d, _mq, _mk, _sq, _sk, corr=D.rho)
    args = (D.d, _mq, _mk, _sq, _sk, D.rho)
    return sp.lambdify(args, mean.doit(), "math"), sp.lambdify(args, var.doit(), "math")


@given(st.tuples(st.integers(1, 24), st.floats(-1, 1), st.floats(-1, 1), st.floats(0.3, 2),
                 st.floats(0.3, 2), st.floats(-0.99, 0.99), st.integers(0, 2**31 - 1)))
def test_correlated_moments_numpy_and_torch_agree_with_derivation(general_formulas, device, case):
    d, mq, mk, sq, sk, r, seed = case
    mean_fn, var_fn = general_formulas
    for est in (N.dot_moments_numpy(d, mq, sq, 20_000, seed=seed, mu_k=mk, sigma_k=sk, rho=r),
                N.dot_moments_torch(d, mq, sq, 20_000, seed=seed, mu_k=mk, sigma_k=sk, rho=r,
                                    device=device)):
        ok, zm, zv = N.agrees(est, mean_fn(d, mq, mk, sq, sk, r), var_fn(d, mq, mk, sq, sk, r))
        assert ok, (est.backend, zm, zv)


def test_correlated_moments_reduce_to_the_homework_case(der):
    mean, var = D.dot_product_moments(D.d, D.mu, D.mu, D.sigma, D.sigma, corr=0)
    assert sp.simplify(mean.doit() - der.mean_shared) == 0
    assert sp.simplify(var.doit() - der.var_shared) == 0


def test_forgetting_the_correlation_is_refuted(general_formulas):
    # the independent-case variance fed to the same z-test at ρ = 0.8 must fail
    mean_fn, var_fn = general_formulas
    est = N.dot_moments_numpy(16, 0.5, 1.0, 50_000, seed=1, mu_k=0.5, sigma_k=1.0, rho=0.8)
    ok, _, _ = N.agrees(est, mean_fn(16, 0.5, 0.5, 1, 1, 0.8), var_fn(16, 0.5, 0.5, 1, 1, 0.0))
    assert not ok


@pytest.mark.parametrize("bad", [dict(rho=1.5), dict(rho=float("nan")), dict(sigma_k=-1.0),
                                 dict(mu_k=[1.0, 2.0]), dict(rho=True)])
def test_bad_correlated_input_is_one_clear_error(bad):
    with pytest.raises(InputError):
        N.dot_moments_numpy(3, 0.0, 1.0, 10, **bad)


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_a_bad_seed_is_one_clear_error(seed):
    with pytest.raises(InputError, match="seed"):
        N.dot_moments_numpy(4, 0.0, 1.0, 100, seed=seed)


@pytest.mark.parametrize("se", [-1.0, float("nan")])
def test_zscore_refuses_a_negative_standard_error(se):
    from numerics.montecarlo import zscore

    with pytest.raises(InputError, match="standard error"):
        zscore(1.0, se, 0.0)


@pytest.mark.parametrize("call, needle", [
    (lambda: D.coordinate_moments(0, 0), "sigma_q must be > 0"),
    (lambda: D.dot_product_moments(D.d, 0, 0, 1, 1, corr=2), "correlation"),
    (lambda: D.dot_product_moments(-2, 0, 0, 1, 1), "dimension"),
    (lambda: D.dot_product_moments(D.d, 0, 0, 1, -1), "sigma_k must be > 0"),
])
def test_derived_moments_refuse_values_outside_the_domain(call, needle):
    # corr = 2 returned Var = 5d, σ = 0 a sympy.stats ValueError
    with pytest.raises(InputError, match=needle):
        call()
