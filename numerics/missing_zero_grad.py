"""Q6(c) numerics: the buggy loop (zero_grad once) vs the fixed loop, on synthetic
CIFAR-shaped data (3×32×32 images: 10 smooth class templates + unit Gaussian noise,
30% of labels replaced at random so the loss has a non-zero floor). SGD lr 0.001, batch 100.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from hw7core.device import resolve_device
from hw7core.errors import InputError

__all__ = ["LoopRun", "synthetic_batch", "make_model", "train_loop", "accumulation_identity",
           "momentum_one_matches"]


@dataclass
class LoopRun:
    fixed: bool
    losses: list
    grad_norms: list      # ‖.grad‖ right after backward() at each step


def _templates(device):
    t = torch.randn(10, 3, 4, 4, generator=torch.Generator().manual_seed(123))
    return F.interpolate(t, size=32, mode="bilinear", align_corners=False).to(device)


def synthetic_batch(gen, templates, n=100, amp=0.5, flip=0.3):
    """A batch of CIFAR-shaped synthetic images (drawn on CPU from ``gen``)."""
    y = torch.randint(0, 10, (n,), generator=gen)
    x = amp * templates.cpu()[y] + torch.randn(n, 3, 32, 32, generator=gen)
    rand = torch.rand(n, generator=gen) < flip
    y = torch.where(rand, torch.randint(0, 10, (n,), generator=gen), y)
    return x, y


def make_model(seed: int, device=None) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10)).to(resolve_device(device))


def train_loop(steps: int, *, fixed: bool, seed: int = 0, lr: float = 1e-3, batch: int = 100,
               device=None, progress=lambda it, desc="": it) -> LoopRun:
    """The homework's loop; ``fixed=True`` moves zero_grad() inside, before backward()."""
    if steps < 1 or batch < 1:
        raise InputError(f"steps and batch must be positive, got steps={steps}, batch={batch}")
    dev = resolve_device(device)
    model = make_model(seed, dev)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed + 1)
    tmpl = _templates(dev)
    losses, norms = [], []
    model.train()
    opt.zero_grad()
    for _ in progress(range(steps), desc=f"Q6c {'fixed' if fixed else 'buggy'} loop"):
        x, y = synthetic_batch(gen, tmpl, n=batch)
        if fixed:
            opt.zero_grad()
        loss = F.cross_entropy(model(x.to(dev)), y.to(dev))
        loss.backward()
        norms.append(float(torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))))
        opt.step()
        losses.append(loss.item())
    return LoopRun(fixed, losses, norms)


def accumulation_identity(steps: int = 8, seed: int = 0, device=None) -> float:
    """Max |.grad − Σ_s g_s| / max|Σ_s g_s| over the buggy loop's steps (float64), where
    g_s is each step's own gradient computed separately with torch.autograd.grad."""
    dev = resolve_device(device)
    model = make_model(seed, dev).double()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(seed + 1)
    tmpl = _templates(dev)
    params = list(model.parameters())
    total = [torch.zeros_like(p) for p in params]
    worst = 0.0
    opt.zero_grad()
    for _ in range(steps):
        x, y = synthetic_batch(gen, tmpl, n=20)
        loss = F.cross_entropy(model(x.double().to(dev)), y.to(dev))
        own = torch.autograd.grad(loss, params, retain_graph=True)
        loss.backward()
        for t, g in zip(total, own):
            t += g
        err = max(float((p.grad - t).abs().max()) for p, t in zip(params, total))
        scale = max(float(t.abs().max()) for t in total)
        worst = max(worst, err / scale)
        opt.step()
    return worst


def momentum_one_matches(steps: int = 10, seed: int = 0, device=None) -> float:
    """Max parameter difference (float64) between the buggy loop and a correct loop
    using SGD(momentum=1, dampening=0): the bug *is* frictionless momentum."""
    dev = resolve_device(device)
    out = []
    for bug in (True, False):
        model = make_model(seed, dev).double()
        opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.0 if bug else 1.0)
        gen = torch.Generator().manual_seed(seed + 1)
        tmpl = _templates(dev)
        opt.zero_grad()
        for _ in range(steps):
            x, y = synthetic_batch(gen, tmpl, n=20)
            if not bug:
                opt.zero_grad()
            F.cross_entropy(model(x.double().to(dev)), y.to(dev)).backward()
            opt.step()
        out.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    return float((out[0] - out[1]).abs().max())
