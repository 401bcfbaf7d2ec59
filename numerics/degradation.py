"""Q6(a) numerics: Monte Carlo of the signal gain through plain / residual linear chains,
and a small degradation experiment (MLPs on a synthetic task, not CIFAR-10)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from hw7core.device import resolve_device
from hw7core.errors import InputError

__all__ = ["chain_gain", "MLP", "task", "train_error_curve", "grad_norms_at_init"]


def chain_gain(depth: int, s: float, n: int = 64, trials: int = 200, residual=False,
               seed: int = 0, device=None):
    """Mean and standard error of ‖h_L‖²/‖h_0‖² for W_l entries N(0, s²/n), float64."""
    if depth < 0 or n < 1 or trials < 2:
        raise InputError(f"need depth ≥ 0, n ≥ 1, trials ≥ 2 (got {depth}, {n}, {trials})")
    dev = resolve_device(device)
    g = torch.Generator(device=dev).manual_seed(seed)
    h = torch.randn(trials, n, 1, generator=g, dtype=torch.float64, device=dev)
    h0 = (h ** 2).sum((1, 2))
    for _ in range(depth):
        W = torch.randn(trials, n, n, generator=g, dtype=torch.float64, device=dev) * s / n ** 0.5
        h = h + W @ h if residual else W @ h
    r = (h ** 2).sum((1, 2)) / h0
    return float(r.mean()), float(r.std() / trials ** 0.5)


class MLP(nn.Module):
    def __init__(self, depth: int, width: int = 32, residual: bool = False, d_in: int = 2):
        super().__init__()
        self.inp = nn.Linear(d_in, width)
        self.hidden = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
        self.out = nn.Linear(width, 2)
        self.residual = residual

    def forward(self, x):
        h = F.relu(self.inp(x))
        for lin in self.hidden:
            h = h + F.relu(lin(h)) / len(self.hidden) ** 0.5 if self.residual else F.relu(lin(h))
        return self.out(h)


def task(n: int = 1000, seed: int = 0):
    """Two interleaved spirals (a synthetic task that needs a non-linear classifier)."""
    g = torch.Generator().manual_seed(seed)
    t = torch.rand(n, generator=g) * 3 * torch.pi + 0.5
    y = torch.randint(0, 2, (n,), generator=g)
    sign = 2 * y.double() - 1
    x = torch.stack([t * torch.cos(t) * sign, t * torch.sin(t) * sign], 1) / 5
    return (x + 0.05 * torch.randn(n, 2, generator=g, dtype=torch.float64)).float(), y


def train_error_curve(depth, residual, steps, seed=0, lr=0.05, device=None, progress=None):
    dev = resolve_device(device)
    torch.manual_seed(seed)
    model = MLP(depth, residual=residual).to(dev)
    x, y = task(seed=seed)
    x, y = x.to(dev), y.to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    curve = []
    it = range(steps) if progress is None else progress(range(steps), desc=f"Q6a depth {depth}")
    for _ in it:
        opt.zero_grad()
        out = model(x)
        F.cross_entropy(out, y).backward()
        opt.step()
        curve.append(float((out.argmax(1) != y).float().mean()))
    return curve


def grad_norms_at_init(depth, residual, seed=0, device=None):
    """‖∂loss/∂W_l‖ for each hidden layer at initialisation (full task batch)."""
    dev = resolve_device(device)
    torch.manual_seed(seed)
    model = MLP(depth, residual=residual).to(dev)
    x, y = task(seed=seed)
    F.cross_entropy(model(x.to(dev)), y.to(dev)).backward()
    return [float(lin.weight.grad.norm()) for lin in model.hidden]
