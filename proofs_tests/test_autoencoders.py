"""Q1(a): derivations paired with their confirmations, plus mutation tests.

* Eckart–Young: a linear AE trained to convergence reaches (1/m)Σ_(i>k) λ_i (and PCA does
  exactly); an off-by-one reference fed to the same check fails.
* An AE whose latent size is ≥ the data's rank reconstructs (near) perfectly.
* Gaussian / masking / MAE-masking corruptions have the derived statistics (Monte Carlo
  within 5 SE); a wrong variance fed to the same checker fails.
* The probe on a frozen random encoder does worse than on a trained one.
* Bad input: one clear line (InputError; CLI exit 2); determinism given a seed.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given
from hypothesis import strategies as st

from derivations import autoencoders as der_mod
from hw7.cli import main
from hw7.errors import InputError
from hw7.properties import autoencoders as props
from hw7core.props import mutation_check
from numerics import autoencoders as num
from numerics import datasets
from numerics.montecarlo import zscore

Z = props.Z_MAX


@pytest.fixture(scope="module")
def der():
    return der_mod.derive()


# ----------------------------------------------------------------------------- derivations
def test_eckart_young_symbolic(der):
    pr = der.pca
    assert sp.simplify(pr.explicit_error - pr.explicit_sum) == 0
    assert sp.simplify(pr.rotated_minimum - sp.Symbol("lambda2", positive=True)) == 0
    # the minimiser is the top eigenvector direction θ = 0 (mod π)
    assert sp.simplify(sp.sin(pr.rotated_minimiser)) == 0


def test_corruption_moments_symbolic(der):
    nz = der.noise
    x, s, p = der_mod.x, der_mod.sigma, der_mod.p
    assert nz.gauss_mean == x and nz.gauss_var == s**2
    assert sp.simplify(nz.mask_mean - (1 - p) * x) == 0
    assert sp.simplify(nz.mask_var - p * (1 - p) * x**2) == 0
    assert sp.simplify(nz.mask_rescaled_mean - x) == 0
    assert sp.simplify(nz.mae_count_var - nz.hypergeometric_var) == 0
    for PP, rr, ss, mean_h, var_h in nz.explicit_cases:
        subs = {der_mod.P: PP, der_mod.r: rr, der_mod.s_: ss}
        assert sp.simplify(nz.mae_count_mean.subs(subs) - mean_h) == 0
        assert sp.simplify(nz.mae_count_var.subs(subs) - var_h) == 0


# ----------------------------------------------------------------------------- Eckart–Young
_cases = props.lowdim_cases()


@given(_cases)
def test_linear_ae_converges_to_pca_error(case):
    props.linear_ae_reaches_eckart_young(0)(case)


def test_mutation_off_by_one_reference_is_refuted():
    """Feeding Σ_(i>k+1) λ_i to the same check must be refuted."""
    assert mutation_check(props.linear_ae_reaches_eckart_young(1), _cases, max_examples=10).ok


def test_linear_ae_on_device(device):
    props.linear_ae_reaches_eckart_young(0, device)((5, 2, 40, 3))
    _, model = num.fit_linear_autoencoder(props.lowdim_data(5, 40, 3), 2, device=device)
    assert next(model.parameters()).device.type == device


def test_pca_baseline_attains_the_reference():
    d = datasets.digits(seed=0)
    for k in (2, 10, 40):
        p = num.pca_baseline(d.x_train, d.y_train, d.x_test, d.y_test, k, probe=False)
        assert abs(p.train_mse - p.discarded_eigen_sum) <= 1e-9 * p.discarded_eigen_sum


@given(st.integers(2, 6), st.integers(0, 2**31 - 1))
def test_ae_with_latent_at_least_rank_reconstructs(r, seed):
    """Data of rank r in R^12: a (linear) AE with k = r and k = r + 1 reconstructs to
    round-off, while k = r − 1 cannot (it leaves the smallest nonzero eigenvalue)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(60, r)) @ rng.normal(size=(r, 12))
    total = float(np.var(x - x.mean(0), axis=0).sum() / 12)
    for k in (r, r + 1):
        err, _ = num.fit_linear_autoencoder(x, k, seed=1)
        assert err <= 1e-9 * total, (k, err, total)
    err, _ = num.fit_linear_autoencoder(x, r - 1, seed=1)
    assert err >= 0.5 * num.discarded_eigen_sum(x, r - 1) > 1e-6 * total


def test_nonlinear_ae_with_latent_at_rank_reconstructs_nearly():
    """The ReLU MLP AE (mse loss) on rank-3 data with k = 3 gets within 1% of the variance."""
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(512, 3)) @ rng.normal(size=(3, 16))).astype(np.float32)
    cfg = num.TrainConfig(latent=3, hidden=(64,), epochs=300, batch_size=512, lr=3e-3,
                          loss="mse", seed=0)
    tr = num.train_autoencoder(x, cfg)
    err = num.recon_mse(x, tr.reconstruct(x))
    assert err < 0.01 * float(np.var(x, axis=0).mean()), err


# ----------------------------------------------------------------------------- corruptions
@given(props.mask_cases())
def test_masking_noise_statistics(der, case):
    props.mask_moments_agree(*props.mask_formulas(der))(case)


def test_mutation_wrong_masking_variance_is_refuted(der):
    mean_fn, _ = props.mask_formulas(der)
    assert mutation_check(props.mask_moments_agree(mean_fn, props.wrong_mask_variance),
                          props.mask_cases(), max_examples=10).ok


def test_corruption_moments_match_derivation(der, device):
    nz = der.noise
    f = {"gauss_mean": lambda x, s: x, "gauss_var": lambda x, s: s * s}
    f.update({
        "mask_mean": sp.lambdify((der_mod.x, der_mod.p), nz.mask_mean),
        "mask_var": sp.lambdify((der_mod.x, der_mod.p), nz.mask_var),
        "count_mean": sp.lambdify((der_mod.P, der_mod.r, der_mod.s_), nz.mae_count_mean),
        "count_var": sp.lambdify((der_mod.P, der_mod.r, der_mod.s_), nz.mae_count_var),
    })
    for name, est, se, params in num.corruption_moments(100_000, seed=5, device=device):
        assert abs(zscore(est, se, float(f[name](*params)))) <= Z, name


@given(st.integers(1, 4), st.sampled_from([0.0, 0.25, 0.5, 0.75, 0.9]), st.integers(0, 9999))
def test_patch_mask_masks_exactly_round_ratio_patches(patch, ratio, seed):
    side = (8 * patch, 4 * patch)
    g = num.seeded_generator(seed, "cpu")
    mk = num.random_patch_mask(50, side, ratio, patch, generator=g)
    n_patches = (side[0] // patch) * (side[1] // patch)
    counts = mk.sum(1) / patch**2
    assert torch.all(counts == round(ratio * n_patches))
    # each patch is all-masked or all-unmasked
    grid = mk.reshape(50, side[0] // patch, patch, side[1] // patch, patch)
    assert torch.all(grid.amax(dim=(2, 4)) == grid.amin(dim=(2, 4)))


def test_mae_loss_ignores_visible_positions():
    """Changing the reconstruction at unmasked pixels does not change the MAE loss."""
    torch.manual_seed(0)
    x = torch.rand(6, 16, dtype=torch.float64)
    mean = x.mean(0, keepdim=True)
    cfg = num.TrainConfig(kind="mae", latent=3, hidden=(8,), mask_ratio=0.5, loss="mse")
    model = num.MLPAutoencoder(16, 3, (8,), mask_input=True).double()
    g1, g2 = num.seeded_generator(1, "cpu"), num.seeded_generator(1, "cpu")
    mask = num.random_patch_mask(6, (4, 4), 0.5, 1, generator=num.seeded_generator(1, "cpu"))
    base = num._loss(model, x - mean, mean, cfg, (4, 4), g1)

    class Shifted(torch.nn.Module):      # adds a large offset to the visible positions only
        def forward(self, xin, m):
            return model(xin, m) + 100.0 * (1 - mask.double())

    shifted = num._loss(Shifted(), x - mean, mean, cfg, (4, 4), g2)
    assert torch.allclose(base, shifted)


# ----------------------------------------------------------------------------- training/probes
@pytest.fixture(scope="module")
def digits():
    return datasets.digits(seed=0)


def test_training_is_deterministic_given_a_seed(digits, device):
    cfg = num.TrainConfig(kind="dae", latent=4, hidden=(32,), epochs=2, seed=7)
    a = num.train_autoencoder(digits.x_train, cfg, image_shape=(8, 8), device=device)
    b = num.train_autoencoder(digits.x_train, cfg, image_shape=(8, 8), device=device)
    assert a.losses == b.losses
    for pa, pb in zip(a.model.parameters(), b.model.parameters()):
        assert torch.equal(pa, pb)


@pytest.mark.parametrize("kind", ["ae", "dae", "mae"])
def test_each_kind_trains_and_lowers_its_loss(digits, kind, device):
    cfg = num.default_config("digits", kind, seed=0, latent=8)
    cfg.epochs = 15
    tr = num.train_autoencoder(digits.x_train, cfg, image_shape=(8, 8), device=device)
    assert tr.losses[-1] < 0.8 * tr.losses[0]
    rec = tr.reconstruct(digits.x_test)
    assert rec.shape == digits.x_test.shape and np.isfinite(rec).all()


def test_trained_encoder_probe_beats_random_encoder(digits):
    cfg = num.default_config("digits", "ae", seed=0, latent=8)
    tr = num.train_autoencoder(digits.x_train, cfg, image_shape=(8, 8))
    trained = num.evaluate(tr, digits).probe_acc
    rnd = num.random_encoder_probe(digits, 8, hidden=cfg.hidden, seed=0).accuracy
    assert trained > rnd + 0.02, (trained, rnd)


def test_sweep_metrics_are_complete(digits):
    base = num.TrainConfig(hidden=(32,), epochs=3)
    sw = num.sweep(digits, "ae", [2, 4], base=base)
    m = json.loads(json.dumps(sw.metrics()))
    assert [r["k"] for r in m["per_latent"]] == [2, 4]
    for r in m["per_latent"]:
        for key in ("probe_acc", "test_mse", "seconds", "pca_test_mse", "pca_probe_acc"):
            assert np.isfinite(r[key])
    assert 0 < m["raw_pixel_probe"]["accuracy"] <= 1 and "not MNIST" in m["description"]


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("k", [0, -1, 64, 100])
def test_bad_latent_sizes(k):
    with pytest.raises(InputError, match="latent size"):
        num.check_latent(k, 64)


@pytest.mark.parametrize("r", [-0.1, 1.0, 1.5, float("nan")])
def test_bad_mask_ratio(r):
    with pytest.raises(InputError, match="mask ratio"):
        num.TrainConfig(kind="mae", mask_ratio=r).validate(64, (8, 8))


def test_bad_config_values():
    with pytest.raises(InputError, match="noise standard deviation"):
        num.TrainConfig(kind="dae", noise_std=-1).validate(64)
    with pytest.raises(InputError, match="patch size"):
        num.TrainConfig(kind="mae", patch=3).validate(64, (8, 8))
    with pytest.raises(InputError, match="kind"):
        num.TrainConfig(kind="vae").validate(64)
    with pytest.raises(InputError, match="bce"):
        num.train_autoencoder(np.full((4, 64), 2.0),
                              num.TrainConfig(latent=2, epochs=1, loss="bce"))


def test_cli_train_writes_metrics_and_figures(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["train", "dae", "--data", "digits", "--latent", "2,4", "--epochs", "2",
               "--hidden", "32", "--out", str(out), "--quiet"])
    assert rc == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["kind"] == "dae" and [r["k"] for r in m["per_latent"]] == [2, 4]
    assert (out / "figures" / "reconstructions.png").is_file()
    assert (out / "figures" / "metrics.png").is_file()
    assert "not MNIST" in capsys.readouterr().out


@pytest.mark.parametrize("argv, msg", [
    (["train", "ae", "--latent", "0,4"], "latent size"),
    (["train", "ae", "--latent", "64"], "latent size"),
    (["train", "ae", "--latent", "a,b"], "comma-separated"),
    (["train", "mae", "--mask-ratio", "1"], "mask ratio"),
    (["train", "ae", "--data", "mnist", "--mnist-dir", "/nonexistent/x"], "does not exist"),
])
def test_cli_bad_input_one_line_exit_2(tmp_path, capsys, argv, msg, monkeypatch):
    monkeypatch.delenv("HW7_MNIST_DIR", raising=False)
    out = tmp_path / "o"
    rc = main([*argv, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and msg in err and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.mnist
def test_cli_on_real_mnist_says_which_split(mnist_path, tmp_path, capsys):
    rc = main(["train", "ae", "--data", "mnist", "--mnist-dir", str(mnist_path), "--latent", "4",
               "--epochs", "1", "--hidden", "32", "--out", str(tmp_path / "m"), "--quiet"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "MNIST" in out and ("first 8000" in out or "60000 train" in out)


def _fake_sweep(kind, ks, mses, accs, pca_mses, raw=0.9):
    rows = [num.SweepRow(kind, k, m, m, a, 1.0, 0.1) for k, m, a in zip(ks, mses, accs)]
    pcas = [num.PCAResult(k, m, m, num.ProbeResult(0.5, 1.0, 0.5), m) for k, m in zip(ks, pca_mses)]
    return num.Sweep("digits", "fake", kind, list(ks), rows, pcas, num.ProbeResult(raw, 1.0, raw),
                     {})


def test_q1a_ii_text_follows_the_numbers():
    """The Q1(a)(ii) answer is generated from the sweep: change the numbers and the claims
    change with them."""
    from hw7.questions.autoencoders import answer_text

    syn_data = datasets.synthetic(20, 5, seed=0)
    syn = _fake_sweep("ae", [1, 2, 4, 8, 16], [0.1, 0.05, 0.001, 0.001, 0.001], [0.5] * 5,
                      [0.2, 0.1, 0.05, 0.01, 0.0005])
    ks = [2, 4, 8, 16, 32]
    ae_wins = {"ae": _fake_sweep("ae", ks, [0.03, 0.02, 0.01, 0.008, 0.007],
                                 [0.6, 0.8, 0.9, 0.95, 0.951], [0.05] * 5)}
    t1 = answer_text(ae_wins, syn_data, syn)
    assert "falls steadily" in t1 and "beats PCA's reconstruction at k = 2, 4, 8, 16, 32" in t1
    assert "from k=16 on" in t1 and "0.951" in t1 and "k=16 to match it" in t1
    pca_wins = {"ae": _fake_sweep("ae", ks, [0.03, 0.04, 0.01, 0.008, 0.007],
                                  [0.6, 0.7, 0.8, 0.85, 0.9], [0.001] * 5, raw=0.8)}
    t2 = answer_text(pca_wins, syn_data, syn)
    assert "mostly falls" in t2 and "never beats PCA" in t2
    assert "still rising at the largest k" in t2 and "compress the pixels" in t2
