"""Q6(b): accumulation is exact for per-sample models and fails with BatchNorm (train)."""

import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from derivations.gradient_accumulation import derive
from numerics import gradient_accumulation as num


def test_derivation():
    d = derive()
    assert all(v == 0 for v in d.split_grad_gap.values())
    assert d.bn_cross_at != 0 and d.ln_cross == 0


def _mlp(seed, width, bn):
    torch.manual_seed(seed)
    layers = [nn.Linear(5, width)] + ([nn.BatchNorm1d(width)] if bn else [nn.LayerNorm(width)])
    return nn.Sequential(*layers, nn.ReLU(), nn.Linear(width, 3)).double().train()


def _xy(seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(32, 5, generator=g, dtype=torch.float64), torch.randint(0, 3, (32,), generator=g)


@given(st.integers(0, 10_000), st.integers(2, 16))
def test_per_sample_models_exact(seed, width):
    errs = num.accumulation_errors(_mlp(seed, width, False), *_xy(seed))
    assert max(errs.values()) <= 1e-10


@given(st.integers(0, 10_000), st.integers(2, 16))
def test_batchnorm_train_not_exact(seed, width):
    errs = num.accumulation_errors(_mlp(seed, width, True), *_xy(seed))
    assert isinstance(errs[(1, 32)], str)          # batch 1 with BatchNorm1d: caught error
    assert max(v for v in errs.values() if isinstance(v, float)) > 1e-6


@given(st.integers(0, 10_000))
def test_mutation_missing_division_caught(seed):
    errs = num.accumulation_errors(_mlp(seed, 4, False), *_xy(seed), divide=False)
    assert max(errs.values()) > 1e-6


def test_cnn(device):
    x, y = num.data(device=device)
    assert max(num.accumulation_errors(num.make_model("layer", device=device), x, y).values()) <= 1e-10
    assert max(num.accumulation_errors(num.make_model("batch", device=device).train(), x, y).values()) > 1e-6
