"""Q6(b) numerics: the homework's accumulation loop vs the batch-32 gradient, float64,
on a small residual CNN (BatchNorm2d or GroupNorm(1,C) = LayerNorm over C,H,W) with
synthetic CIFAR-shaped data (random 3×32×32 images, random labels)."""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from hw7core.device import resolve_device
from hw7core.errors import InputError

__all__ = ["PAIRS", "ResCNN", "make_model", "accumulated_grad", "accumulation_errors", "data",
           "batch_one_batchnorm"]

PAIRS = [(1, 32), (2, 16), (4, 8), (8, 4), (16, 2), (32, 1)]


def _norm(kind: str, c: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(c)
    if kind == "layer":
        return nn.GroupNorm(1, c)
    raise InputError(f"unknown normalisation {kind!r}: use 'batch' or 'layer'")


class ResCNN(nn.Module):
    def __init__(self, norm: str, c: int = 8):
        super().__init__()
        self.stem = nn.Conv2d(3, c, 3, stride=2, padding=1)
        self.n0 = _norm(norm, c)
        self.c1, self.n1 = nn.Conv2d(c, c, 3, padding=1), _norm(norm, c)
        self.c2, self.n2 = nn.Conv2d(c, c, 3, padding=1), _norm(norm, c)
        self.head = nn.Linear(c, 10)

    def forward(self, x):
        h = F.relu(self.n0(self.stem(x)))
        h = F.relu(h + self.n2(self.c2(F.relu(self.n1(self.c1(h))))))
        return self.head(h.mean((2, 3)))


def make_model(norm: str, seed: int = 0, device=None) -> nn.Module:
    torch.manual_seed(seed)
    return ResCNN(norm).double().to(resolve_device(device))


def accumulated_grad(model, x, y, batch_size, *, divide=True):
    """Gradient left in .grad by the homework loop after one full accumulation cycle."""
    n = x.shape[0]
    if n % batch_size:
        raise InputError(f"batch_size {batch_size} does not divide {n}")
    steps = n // batch_size
    m = copy.deepcopy(model)
    m.zero_grad()
    for i in range(steps):
        sl = slice(i * batch_size, (i + 1) * batch_size)
        loss = F.cross_entropy(m(x[sl]), y[sl])
        (loss / steps if divide else loss).backward()
    return torch.cat([p.grad.flatten() for p in m.parameters()])


def accumulation_errors(model, x, y, *, divide=True) -> dict:
    """{(b, a): max-norm relative error vs the (32, 1) gradient, or 'error: ...'}."""
    ref = accumulated_grad(model, x, y, x.shape[0])
    out = {}
    for b, a in PAIRS:
        try:
            g = accumulated_grad(model, x, y, b, divide=divide)
            out[(b, a)] = float((g - ref).abs().max() / ref.abs().max())
        except ValueError as exc:   # BatchNorm with one value per channel in train mode
            out[(b, a)] = f"error: {str(exc).splitlines()[0]}"
    return out


def data(seed: int = 0, n: int = 32, device=None):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, 32, 32, generator=g, dtype=torch.float64)
    y = torch.randint(0, 10, (n,), generator=g)
    dev = resolve_device(device)
    return x.to(dev), y.to(dev)


def batch_one_batchnorm(device=None) -> str:
    """BatchNorm in train mode with one value per channel (batch 1, 1×1 map) raises."""
    bn = nn.BatchNorm1d(4).to(resolve_device(device)).train()
    try:
        bn(torch.randn(1, 4, device=resolve_device(device)))
    except ValueError as exc:
        return str(exc).splitlines()[0]
    return "no error"
